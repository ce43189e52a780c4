package exphist

import (
	"math"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Histogram is the exponential histogram state of one series. The zero value
// is not usable; create one with [New] or initialise an embedded value with
// [Histogram.Init].
//
// It is safe for concurrent use. Each Histogram has its own lock, so series
// never contend with each other. Record computes the bucket index (the
// logarithm, most of its cost) before taking the lock, at the scale it reads
// atomically, and corrects it under the lock if a downscale or reset changed
// the scale meanwhile; the lock is held only for a few plain additions.
type Histogram[N int64 | float64] struct {
	mu sync.Mutex
	// The configuration, fixed by Init.
	maxSize, maxScale int32
	noMinMax, noSum   bool

	// State since the last reset. scale is written under mu but also read
	// without it, to compute bucket indices outside the lock.
	scale     atomic.Int32
	count     uint64 // all values, including zeros
	zeroCount uint64
	sum       N
	min, max  N
	pos, neg  buckets
}

// New returns an empty histogram. cfg must be valid (see [Config.Validate]);
// out-of-range fields are clamped rather than trusted.
func New[N int64 | float64](cfg Config) *Histogram[N] {
	h := new(Histogram[N])
	h.Init(cfg)
	return h
}

// Init makes h an empty histogram with configuration cfg, for histograms
// embedded in a larger struct. It must not race with other methods.
func (h *Histogram[N]) Init(cfg Config) {
	h.maxSize = max(cfg.MaxSize, MinSize)
	h.maxScale = min(max(cfg.MaxScale, MinScale), MaxScale)
	h.noMinMax, h.noSum = cfg.NoMinMax, cfg.NoSum
	h.resetLocked()
}

// resetLocked empties the state, keeping bucket arrays for reuse.
func (h *Histogram[N]) resetLocked() {
	h.scale.Store(h.maxScale)
	h.count, h.zeroCount, h.sum = 0, 0, 0
	h.min, h.max = 0, 0
	h.pos.reset()
	h.neg.reset()
}

// Record adds v to the histogram. NaN and ±Inf have no bucket and are ignored.
func (h *Histogram[N]) Record(v N) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return
	}
	// Index the magnitude at the scale seen now, outside the lock.
	abs := math.Abs(f)
	var idx int32
	scale := h.scale.Load()
	if abs != 0 {
		idx = bucketIndex(abs, scale)
	}
	h.mu.Lock()
	h.recordLocked(v, f, abs, idx, scale)
	h.mu.Unlock()
}

// recordLocked adds v, whose magnitude abs has index idx at scale, to the
// state.
func (h *Histogram[N]) recordLocked(v N, f, abs float64, idx, scale int32) {
	if !h.noMinMax {
		if h.count == 0 {
			h.min, h.max = v, v
		} else {
			h.min, h.max = min(h.min, v), max(h.max, v)
		}
	}
	h.count++
	if !h.noSum {
		h.sum += v
	}
	if f == 0 {
		h.zeroCount++
		return
	}
	side := &h.pos
	if f < 0 {
		side = &h.neg
	}
	switch current := h.scale.Load(); {
	case current < scale:
		// Downscaled since: buckets nest, so the coarser index is a shift.
		idx >>= scale - current
		scale = current
	case current > scale:
		// Reset to MaxScale since (rare): index again.
		idx, scale = bucketIndex(abs, current), current
	}
	if delta := side.downscaleNeeded(idx, scale, h.maxSize); delta > 0 {
		// Both ranges share the scale, so both are merged.
		h.pos.downscale(delta)
		h.neg.downscale(delta)
		h.scale.Store(scale - delta)
		idx >>= delta
	}
	side.add(idx, 1, h.maxSize)
}

// Collect copies the state into dst and reports whether anything was recorded
// since the last reset; when it returns false dst is left untouched and the
// caller should skip the point.
//
// It sets Count, Sum (zero with NoSum), Min and Max (undefined with NoMinMax),
// Scale, ZeroCount, ZeroThreshold (always 0) and both bucket ranges, reusing
// the capacity of dst's Counts slices. Attributes, StartTime, Time and
// Exemplars are the caller's.
//
// With reset (delta temporality) the state is taken and the histogram starts
// afresh at MaxScale, atomically with respect to Record: every recorded value
// is reported by exactly one Collect. Without reset (cumulative) the state is
// kept.
func (h *Histogram[N]) Collect(dst *metricdata.ExponentialHistogramDataPoint[N], reset bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.count == 0 {
		return false
	}
	dst.Count = h.count
	dst.Sum = h.sum
	if h.noMinMax {
		dst.Min, dst.Max = metricdata.Extrema[N]{}, metricdata.Extrema[N]{}
	} else {
		dst.Min, dst.Max = metricdata.NewExtrema(h.min), metricdata.NewExtrema(h.max)
	}
	dst.Scale = h.scale.Load()
	dst.ZeroCount = h.zeroCount
	dst.ZeroThreshold = 0
	dst.PositiveBucket.Offset, dst.PositiveBucket.Counts = h.pos.appendTo(dst.PositiveBucket.Counts)
	dst.NegativeBucket.Offset, dst.NegativeBucket.Counts = h.neg.appendTo(dst.NegativeBucket.Counts)
	if reset {
		h.resetLocked()
	}
	return true
}
