package exphist

import (
	"math"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Histogram is the Base2 exponential histogram of one series. The zero value
// is not usable; create one with [New] or initialise an embedded value with
// [Histogram.Init].
//
// It is safe for concurrent use. Each Histogram has its own mutex, so series
// never contend with each other, and the mutex is held only for plain
// additions: Record computes the bucket index (the costly part) before taking
// it, at the scale it reads atomically, and under the lock shifts the index if
// a downscale happened meanwhile (buckets nest, so that is exact) or computes
// it again after a reset. Collect copies and resets under the same mutex, so
// every Record lands in exactly one delta.
//
// Memory: the struct (160 bytes), plus one bucket array per sign, allocated
// on the first value of that sign and kept across resets: at most MaxSize
// counters of 8 bytes (one more in the corner case described at
// TestExtremeMagnitudes: MaxSize 2 holding subnormals and huge values, where
// MinScale cannot go lower and a bucket is added rather than a value lost).
// Arrays grow by doubling from 8 counters, so a narrow series stays small.
// See [LockFreeHistogram] for the lock-free variant and why this one is the
// default.
type Histogram[N int64 | float64] struct {
	mu    sync.Mutex
	cfg   settings
	state state[N]
	// scale mirrors state.scale for reading outside mu.
	scale atomic.Int32
	// closed is set by CollectFinal (under mu): the series was finished
	// and Record no longer lands here.
	closed bool
}

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
	h.state.reset(&h.cfg)
	h.scale.Store(h.state.scale)
}

// Record adds v to the histogram. NaN and ±Inf have no bucket and are ignored.
// An int64 is placed by its float64 conversion, as in the official SDK (only
// beyond 2^53 can that move it across a bucket boundary); its sum, minimum
// and maximum stay exact integers.
func (h *Histogram[N]) Record(v N) { h.TryRecord(v) }

// TryRecord is Record for a histogram that may be closed: it reports false,
// recording nothing, once CollectFinal has closed it, and the caller records
// v elsewhere.
func (h *Histogram[N]) TryRecord(v N) bool {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return true
	}
	abs := math.Abs(f)
	var idx int32
	scale := h.scale.Load()
	if abs != 0 {
		idx = bucketIndex(abs, scale)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	zeros := uint64(0)
	if abs == 0 {
		zeros = 1
	}
	h.state.addStats(&h.cfg, 1, zeros, v, v, v)
	if abs == 0 {
		return true
	}
	if h.state.scale > scale {
		// Reset to MaxScale since the index was computed (rare): redo it.
		idx, scale = bucketIndex(abs, h.state.scale), h.state.scale
	}
	h.state.addBucket(&h.cfg, f < 0, idx, scale, 1)
	if h.state.scale != scale {
		h.scale.Store(h.state.scale)
	}
	return true
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
// histogram starts afresh, back at MaxScale, atomically with respect to
// Record: every Record is reported by exactly one Collect. Without reset
// (cumulative) the state is kept.
func (h *Histogram[N]) Collect(dst *metricdata.ExponentialHistogramDataPoint[N], reset bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	ok := h.state.writeTo(&h.cfg, dst)
	if ok && reset {
		h.state.reset(&h.cfg)
		h.scale.Store(h.state.scale)
	}
	return ok
}

// CollectFinal is Collect for the last time: atomically with respect to
// Record, it copies the state into dst and closes the histogram, so that
// every Record either is in this point or reports false.
func (h *Histogram[N]) CollectFinal(dst *metricdata.ExponentialHistogramDataPoint[N]) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	return h.state.writeTo(&h.cfg, dst)
}
