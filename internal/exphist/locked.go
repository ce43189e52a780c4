package exphist

import (
	"math"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// LockedHistogram is the straightforward alternative to [Histogram]: the same
// semantics and API, with the state guarded by a per-series mutex. Record
// computes the bucket index (the logarithm, most of its cost) before taking
// the lock, at the scale it reads atomically, and corrects it under the lock
// if a downscale or reset changed the scale meanwhile.
//
// It uses the least memory (one bucket array per sign), but Records on one
// series serialise and wait while Collect copies the buckets.
type LockedHistogram[N int64 | float64] struct {
	mu    sync.Mutex
	cfg   settings
	state state[N]
	// scale mirrors state.scale for reading outside mu.
	scale atomic.Int32
}

// NewLocked returns an empty LockedHistogram; cfg is used as by [New].
func NewLocked[N int64 | float64](cfg Config) *LockedHistogram[N] {
	h := new(LockedHistogram[N])
	h.Init(cfg)
	return h
}

// Init makes h an empty histogram with configuration cfg. It must not race
// with other methods.
func (h *LockedHistogram[N]) Init(cfg Config) {
	h.cfg = cfg.settings()
	h.state.reset(&h.cfg)
	h.scale.Store(h.state.scale)
}

// Record adds v to the histogram; NaN and ±Inf are ignored.
func (h *LockedHistogram[N]) Record(v N) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return
	}
	abs := math.Abs(f)
	var idx int32
	scale := h.scale.Load()
	if abs != 0 {
		idx = bucketIndex(abs, scale)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	zeros := uint64(0)
	if abs == 0 {
		zeros = 1
	}
	h.state.addStats(&h.cfg, 1, zeros, v, v, v)
	if abs == 0 {
		return
	}
	if h.state.scale > scale {
		// Reset to MaxScale since the index was computed (rare): redo it.
		idx, scale = bucketIndex(abs, h.state.scale), h.state.scale
	}
	h.state.addBucket(&h.cfg, f < 0, idx, scale, 1)
	if h.state.scale != scale {
		h.scale.Store(h.state.scale)
	}
}

// Collect behaves as [Histogram.Collect]; Records wait while it copies.
func (h *LockedHistogram[N]) Collect(dst *metricdata.ExponentialHistogramDataPoint[N], reset bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	ok := h.state.writeTo(&h.cfg, dst)
	if ok && reset {
		h.state.reset(&h.cfg)
		h.scale.Store(h.state.scale)
	}
	return ok
}
