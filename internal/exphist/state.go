package exphist

import "go.opentelemetry.io/otel/sdk/metric/metricdata"

// state is a histogram's data in plain (unsynchronised) form: the single
// source of truth for how values become a data point. Whoever owns a state
// serialises access to it.
type state[N int64 | float64] struct {
	scale     int32
	count     uint64 // all values, including zeros
	zeroCount uint64
	sum       N
	min, max  N // meaningful when count > 0
	pos, neg  buckets
}

// reset empties the state, keeping bucket arrays for reuse.
func (s *state[N]) reset(cfg *settings) {
	s.scale = cfg.maxScale
	s.count, s.zeroCount, s.sum = 0, 0, 0
	s.min, s.max = 0, 0
	s.pos.reset()
	s.neg.reset()
}

// addStats adds count values with the given sum, minimum and maximum, and
// zeros of them in the zero bucket. The other count-zeros values must be
// added to the ranges with addBucket.
func (s *state[N]) addStats(cfg *settings, count, zeros uint64, sum, lo, hi N) {
	if count == 0 {
		return
	}
	if !cfg.noMinMax {
		if s.count == 0 {
			s.min, s.max = lo, hi
		} else {
			s.min, s.max = min(s.min, lo), max(s.max, hi)
		}
	}
	if !cfg.noSum {
		s.sum += sum
	}
	s.count += count
	s.zeroCount += zeros
}

// addBucket adds n to the bucket idx, indexed at idxScale, of the negative or
// positive range. It downscales first, by as little as possible, if idxScale
// is coarser than the state's scale or idx does not fit within maxSize
// buckets; since buckets nest, an index at a coarser scale is a shift.
func (s *state[N]) addBucket(cfg *settings, negative bool, idx, idxScale int32, n uint64) {
	side := &s.pos
	if negative {
		side = &s.neg
	}
	if idxScale > s.scale {
		idx >>= idxScale - s.scale
	} else if idxScale < s.scale {
		s.downscale(s.scale - idxScale)
	}
	if delta := side.downscaleNeeded(idx, s.scale, cfg.maxSize); delta > 0 {
		s.downscale(delta)
		idx >>= delta
	}
	side.add(idx, n, cfg.maxSize)
}

// downscale lowers the scale by delta; both ranges share it.
func (s *state[N]) downscale(delta int32) {
	s.pos.downscale(delta)
	s.neg.downscale(delta)
	s.scale -= delta
}

// writeTo copies the state into dst as described by Histogram.Collect and
// reports whether it holds any value.
func (s *state[N]) writeTo(cfg *settings, dst *metricdata.ExponentialHistogramDataPoint[N]) bool {
	if s.count == 0 {
		return false
	}
	dst.Count = s.count
	dst.Sum = s.sum
	if cfg.noMinMax {
		dst.Min, dst.Max = metricdata.Extrema[N]{}, metricdata.Extrema[N]{}
	} else {
		dst.Min, dst.Max = metricdata.NewExtrema(s.min), metricdata.NewExtrema(s.max)
	}
	dst.Scale = s.scale
	dst.ZeroCount = s.zeroCount
	dst.ZeroThreshold = 0
	dst.PositiveBucket.Offset, dst.PositiveBucket.Counts = s.pos.appendTo(dst.PositiveBucket.Counts)
	dst.NegativeBucket.Offset, dst.NegativeBucket.Counts = s.neg.appendTo(dst.NegativeBucket.Counts)
	return true
}
