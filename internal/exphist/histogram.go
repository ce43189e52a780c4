package exphist

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Histogram is the Base2 exponential histogram of one series. The zero value
// is not usable; create one with [New] or initialise an embedded value with
// [Histogram.Init].
//
// It is safe for concurrent use, and Record takes no lock unless a value
// falls outside the buckets allocated so far:
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
// cold half's reusable spare, the collector's state), about 1.3 KiB each at
// MaxSize 160.
type Histogram[N int64 | float64] struct {
	cfg settings
	// gate: bit 63 is the hot half, bits 0..62 count Records that entered it.
	gate   atomic.Uint64
	halves [2]half[N]

	collectMu sync.Mutex // serialises collections
	acc       state[N]   // guarded by collectMu
}

const hotBit = 63

// New returns an empty histogram. cfg should be valid (see [Config.Validate]);
// out-of-range fields are clamped rather than trusted.
func New[N int64 | float64](cfg Config) *Histogram[N] {
	h := new(Histogram[N])
	h.Init(cfg)
	return h
}

// Init makes h an empty histogram with configuration cfg, for histograms
// embedded in a larger struct. It must not race with other methods.
func (h *Histogram[N]) Init(cfg Config) {
	h.cfg = cfg.settings()
	h.halves[0].init()
	h.halves[1].init()
	h.acc.reset(&h.cfg)
}

// Record adds v to the histogram. NaN and ±Inf have no bucket and are ignored.
func (h *Histogram[N]) Record(v N) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return
	}
	hf := &h.halves[h.gate.Add(1)>>hotBit]
	hf.record(&h.cfg, v, f)
	hf.done.Add(1)
}

// Collect copies the state into dst and reports whether it holds anything:
// with reset, whether anything was recorded since the last reset; without,
// whether anything was recorded at all. When it returns false dst is left
// untouched and the caller should skip the point.
//
// It sets Count, Sum (zero with NoSum), Min and Max (undefined with NoMinMax),
// Scale, ZeroCount, ZeroThreshold (always 0) and both bucket ranges, reusing
// the capacity of dst's Counts slices. Attributes, StartTime, Time and
// Exemplars are the caller's.
//
// With reset (delta temporality) the reported state is taken and the
// histogram starts afresh, back at MaxScale: every Record is reported by
// exactly one Collect. Without reset (cumulative) the state is kept.
// Concurrent Collects are serialised; Records never wait for them.
func (h *Histogram[N]) Collect(dst *metricdata.ExponentialHistogramDataPoint[N], reset bool) bool {
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
