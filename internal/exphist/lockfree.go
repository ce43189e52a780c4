package exphist

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// LockFreeHistogram has the semantics and API of [Histogram], with a Record
// that takes no lock unless a value falls outside the buckets allocated so
// far, and never waits for a collection:
//
//   - Values go to the hot one of two halves (hot/cold double buffering). A
//     gate word holds the hot half's number in its top bit and counts the
//     Records that entered it; each half counts the Records that left it.
//     Collect flips the hot bit and zeroes the count in one atomic swap, which
//     tells it exactly how many Records entered the now-cold half, waits for
//     that many to leave, and then drains the half alone. Every Record lands in
//     exactly one drain; writers never wait for a collection.
//   - In a half, sum, min, max and the zero count are atomics and buckets are
//     atomic counters in a fixed window. A value outside the window takes the
//     half's grow lock and publishes a wider or coarser layout; counts are
//     never moved, because a writer may still be adding to the old layout, so
//     the collector drains every generation instead (see layout).
//   - Drained halves accumulate into a plain state owned by the collector,
//     which holds the cumulative total (or the delta until it is reset) at the
//     highest scale at which every value fits, exactly as a serial histogram
//     would report it.
//
// Memory: nothing is allocated until the first non-zero value; then each sign
// uses up to three arrays of at most about MaxSize counters (hot half, the
// cold half's reusable spares, the collector's state), about 1.3 KiB each at
// MaxSize 160.
//
// It is exact and passes the same tests as Histogram, but measured on two
// cores it is no faster serially and slower when goroutines share a series
// (each Record makes four atomic read-modify-writes on shared cache
// lines, against two for a mutex), and a fresh delta interval goes through
// several layout generations. It is kept for machines and workloads where
// never blocking writers matters more (a preempted lock holder stalls every
// writer of its series; a preempted lock-free writer stalls only Collect).
type LockFreeHistogram[N int64 | float64] struct {
	cfg settings
	// gate: bit 63 is the hot half, bits 0..62 count Records that entered it.
	gate   atomic.Uint64
	halves [2]half[N]

	collectMu sync.Mutex // serialises collections
	acc       state[N]   // guarded by collectMu
}

const hotBit = 63

// NewLockFree returns an empty histogram. cfg should be valid (see [Config.Validate]);
// out-of-range fields are clamped rather than trusted.
func NewLockFree[N int64 | float64](cfg Config) *LockFreeHistogram[N] {
	h := new(LockFreeHistogram[N])
	h.Init(cfg)
	return h
}

// Init makes h an empty histogram with configuration cfg, for histograms
// embedded in a larger struct. It must not race with other methods.
func (h *LockFreeHistogram[N]) Init(cfg Config) {
	h.cfg = cfg.settings()
	h.halves[0].init()
	h.halves[1].init()
	h.acc.reset(&h.cfg)
}

// Record adds v to the histogram. NaN and ±Inf have no bucket and are ignored.
func (h *LockFreeHistogram[N]) Record(v N) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return
	}
	hf := &h.halves[h.gate.Add(1)>>hotBit]
	hf.record(&h.cfg, v, f)
	hf.done.Add(1)
}

// Collect behaves as [Histogram.Collect]. Concurrent Collects are
// serialised; Records never wait for them.
func (h *LockFreeHistogram[N]) Collect(dst *metricdata.ExponentialHistogramDataPoint[N], reset bool) bool {
	h.collectMu.Lock()
	defer h.collectMu.Unlock()

	// Only collectors change the hot bit, and they hold collectMu.
	hot := h.gate.Load() >> hotBit
	entered := h.gate.Swap((hot^1)<<hotBit) &^ (1 << hotBit)
	cold := &h.halves[hot]
	for cold.done.Load() != entered {
		runtime.Gosched() // a Record is between its two gate operations
	}
	cold.drain(&h.cfg, &h.acc)

	ok := h.acc.writeTo(&h.cfg, dst)
	if ok && reset {
		h.acc.reset(&h.cfg)
	}
	return ok
}
