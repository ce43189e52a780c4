package aggregate

import (
	"context"
	"math"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// histogramCell is an explicit-bucket histogram updated without locks. The
// count is not stored: it is the sum of the bucket counts, so a collected
// point's Count always equals the sum of its BucketCounts. Sum, min and max
// are separate atomics; a point may include a concurrent measurement's
// bucket but not yet its sum, and the next point then carries the sum.
// Totals over all collections are exact.
type histogramCell[N Number] struct {
	counts []atomic.Uint64 // len(bounds)+1
	sum    atomicNumber[N]
	min    atomic.Uint64 // float64 bits; +Inf when empty
	max    atomic.Uint64 // float64 bits; -Inf when empty
	ex     exemplarCell[N]
}

type histogram[N Number] struct {
	cfg      Config
	bounds   []float64
	noMinMax bool
	noSum    bool // instruments that can record negative values report no sum
	table    *seriesTable[histogramCell[N]]
	fast     bool // see sum.fast
	collector
}

// NewHistogram returns an explicit-bucket histogram stream. bounds must be
// sorted ascending without NaN (the caller validates them). With noSum the
// points report a zero Sum.
func NewHistogram[N Number](cfg Config, bounds []float64, noMinMax, noSum bool) Stream[N] {
	h := &histogram[N]{cfg: cfg, bounds: append([]float64(nil), bounds...), noMinMax: noMinMax, noSum: noSum}
	h.lastNanos = cfg.nowNanos()
	nBuckets := len(bounds) + 1
	h.table = newSeriesTable(&h.cfg, func(c *histogramCell[N]) {
		c.counts = make([]atomic.Uint64, nBuckets)
		c.min.Store(posInfBits)
		c.max.Store(negInfBits)
	})
	h.fast = cfg.Filter == nil && !h.table.reclaim
	return h
}

// bucketIndex returns the bucket of v: the first bound ≥ v (buckets are
// upper-inclusive), or the overflow bucket.
func bucketIndex(bounds []float64, v float64) int {
	if len(bounds) <= 8 {
		for i, b := range bounds {
			if v <= b {
				return i
			}
		}
		return len(bounds)
	}
	// Binary search written out: sort.SearchFloat64s calls a closure per
	// step. Finds the first i with v <= bounds[i] (len(bounds) if none);
	// NaN never reaches here (the instrument drops it).
	lo, hi := 0, len(bounds)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if v > bounds[mid] {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func (h *histogram[N]) Measure(ctx context.Context, value N, attrs *attribute.Set) {
	if h.fast {
		// table.lookup written out (it is too large to inline): the empty
		// set's series, or the home slot's identity check, inline; find
		// only for the rest.
		var se *series[histogramCell[N]]
		if attrs.Equivalent() == emptyKey {
			se = h.table.empty.Load()
		} else {
			hash, arr := setHash(attrs), h.table.arr.Load()
			if se = arr.first(hash, attrs); se == nil {
				se, _ = arr.find(hash, attrs)
			}
		}
		if se != nil {
			h.update(ctx, se, value, nil)
			return
		}
	}
	var dropped []attribute.KeyValue
	if h.cfg.Filter != nil {
		var fset attribute.Set
		fset, dropped = h.cfg.filtered(attrs)
		attrs = &fset
	}
	se := h.table.acquire(attrs)
	h.update(ctx, se, value, dropped)
	h.table.release(se)
}

func (h *histogram[N]) update(ctx context.Context, se *series[histogramCell[N]], value N, dropped []attribute.KeyValue) {
	f := float64(value)
	c := &se.cell
	if !h.noSum {
		c.sum.add(value)
	}
	if !h.noMinMax {
		atomicMin(&c.min, f)
		atomicMax(&c.max, f)
	}
	// The bucket count goes last, after the sum: a point's Count is the sum
	// of its buckets, and a delta swap that falls between the two updates
	// reports this value's sum one point before its count (totals stay
	// exact; read() carries a sum whose count is not there yet).
	b := bucketIndex(h.bounds, f)
	c.counts[b].Add(1)
	if ex := h.cfg.Exemplars; ex != nil && !(ex.TraceBased && spanless(ctx)) && ex.admits(ctx) {
		// The default aligned reservoir keeps one exemplar per bucket of
		// these same bounds: hand it the bucket instead of a second search.
		c.ex.offerBucket(ctx, ex, value, b, &se.attrs, dropped)
	}
}

// Bind returns a handle that records into attrs' series directly.
func (h *histogram[N]) Bind(attrs *attribute.Set) Bound[N] {
	return newBound(&h.cfg, h.table, attrs, h.update)
}

func (h *histogram[N]) Collect(dst *metricdata.Aggregation) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out, _ := (*dst).(metricdata.Histogram[N])
	out.Temporality = h.cfg.Temporality
	points := out.DataPoints[:0]
	nowNanos := h.cfg.nowNanos()
	now := unixTime(nowNanos)
	delta := h.cfg.Temporality == metricdata.DeltaTemporality
	start := unixTime(h.lastNanos)
	sweep(&h.cfg, h.table, !delta, func(se *series[histogramCell[N]], final bool) bool {
		points = growPoints(points)
		p := &points[len(points)-1]
		if !h.read(&se.cell, p, delta) {
			points = points[:len(points)-1]
			return false
		}
		p.Attributes = se.attrs
		p.Time = now
		if delta {
			p.StartTime = start
		} else {
			p.StartTime = unixTime(se.startNanos)
		}
		p.Bounds = h.bounds
		se.cell.ex.collect(h.cfg.Exemplars, &p.Exemplars)
		return true
	})
	h.lastNanos = nowNanos
	if len(points) == 0 {
		// Leave *dst alone: the caller's slot may hold another stream's
		// storage that the next collection reuses.
		return 0
	}
	out.DataPoints = points
	*dst = out
	return len(points)
}

// read copies (delta: takes) the cell into p. It reports false when the
// cell holds no measurement.
func (h *histogram[N]) read(c *histogramCell[N], p *metricdata.HistogramDataPoint[N], take bool) bool {
	counts := p.BucketCounts[:0]
	var total uint64
	for i := range c.counts {
		var n uint64
		if take {
			n = c.counts[i].Swap(0)
		} else {
			n = c.counts[i].Load()
		}
		counts = append(counts, n)
		total += n
	}
	p.BucketCounts = counts
	var sum N
	var minBits, maxBits uint64
	if take {
		sum = c.sum.swapZero()
		minBits, maxBits = c.min.Swap(posInfBits), c.max.Swap(negInfBits)
	} else {
		sum = c.sum.load()
		minBits, maxBits = c.min.Load(), c.max.Load()
	}
	if total == 0 {
		if take && sum != 0 {
			// A measurement whose bucket was taken by the previous
			// collection left its sum here: carry it to the next.
			c.sum.add(sum)
		}
		return false
	}
	p.Count = total
	p.Sum = sum
	p.Min, p.Max = metricdata.Extrema[N]{}, metricdata.Extrema[N]{}
	if !h.noMinMax {
		if lo := math.Float64frombits(minBits); !math.IsInf(lo, 1) {
			p.Min = metricdata.NewExtrema(N(lo))
		}
		if hi := math.Float64frombits(maxBits); !math.IsInf(hi, -1) {
			p.Max = metricdata.NewExtrema(N(hi))
		}
	}
	return true
}
