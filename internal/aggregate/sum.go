package aggregate

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// sumCell is a synchronous sum: an atomic number that stripes itself when
// contended (see stripedSum).
type sumCell[N Number] struct {
	value stripedSum[N]
	ex    exemplarCell[N]
}

// sum aggregates Counter and UpDownCounter measurements.
type sum[N Number] struct {
	cfg       Config
	monotonic bool
	table     *seriesTable[sumCell[N]]
	// fast: no attribute filter and no reclaim, so an existing series can
	// be updated straight from a lock-free lookup.
	fast bool
	collector
	createdNanos int64
}

// NewSum returns a synchronous sum stream.
func NewSum[N Number](cfg Config, monotonic bool) Stream[N] {
	now := cfg.nowNanos()
	s := &sum[N]{cfg: cfg, monotonic: monotonic, createdNanos: now}
	s.lastNanos = now
	s.table = newSeriesTable[sumCell[N]](&s.cfg, nil)
	s.fast = cfg.Filter == nil && !s.table.reclaim
	return s
}

func (s *sum[N]) Measure(ctx context.Context, value N, attrs *attribute.Set) {
	if s.fast {
		// Inlined lookup and update: this is the whole cost of a
		// measurement on an existing series of a cumulative stream.
		var se *series[sumCell[N]]
		if attrs.Equivalent() == emptyKey {
			se = s.table.empty.Load()
		} else {
			h, arr := setHash(attrs), s.table.arr.Load()
			if se = arr.first(h, attrs); se == nil {
				se, _ = arr.find(h, attrs)
			}
		}
		if se != nil {
			// stripedSum.add written out: its uncontended half, one CAS,
			// without the call (add is too large to inline).
			c := &se.cell.value
			if old := c.base.bits.Load(); c.stripes.Load() != nil || !c.base.bits.CompareAndSwap(old, plusBits(old, value)) {
				c.addStriped(value)
			}
			if ex := s.cfg.Exemplars; ex != nil && !(ex.TraceBased && spanless(ctx)) && ex.admits(ctx) {
				se.cell.ex.offer(ctx, ex, value, &se.attrs, nil)
			}
			if se.dead() { // finished meanwhile (finish.go)
				settleSum(s.table, se)
			}
			return
		}
	}
	if s.cfg.Filter != nil {
		fset, dropped := s.cfg.filtered(attrs)
		s.measure(ctx, value, &fset, dropped)
		return
	}
	s.measure(ctx, value, attrs, nil)
}

func (s *sum[N]) measure(ctx context.Context, value N, attrs *attribute.Set, dropped []attribute.KeyValue) {
	se := s.table.acquire(attrs)
	s.update(ctx, se, value, dropped)
	s.table.release(se)
	s.settle(se)
}

// update is the cell update shared by Measure and bound handles.
func (s *sum[N]) update(ctx context.Context, se *series[sumCell[N]], value N, dropped []attribute.KeyValue) {
	se.cell.value.add(value)
	if ex := s.cfg.Exemplars; ex != nil && !(ex.TraceBased && spanless(ctx)) && ex.admits(ctx) {
		se.cell.ex.offer(ctx, s.cfg.Exemplars, value, &se.attrs, dropped)
	}
}

// Bind returns a handle that records into attrs' series without looking it
// up again.
func (s *sum[N]) Bind(attrs *attribute.Set) Bound[N] {
	return newBound(&s.cfg, s.table, attrs, s.update, s.settle)
}

func (s *sum[N]) Collect(dst *metricdata.Aggregation) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, _ := (*dst).(metricdata.Sum[N])
	out.Temporality = s.cfg.Temporality
	out.IsMonotonic = s.monotonic
	points := out.DataPoints[:0]
	nowNanos := s.cfg.nowNanos()
	now := unixTime(nowNanos)
	delta := s.cfg.Temporality == metricdata.DeltaTemporality
	deltaStart := unixTime(s.lastNanos)
	sweep(&s.cfg, s.table, !delta, func(se *series[sumCell[N]], why visit) bool {
		var v N
		if delta || why == visitFinal {
			v = se.cell.value.swapZero()
		} else {
			v = se.cell.value.load()
		}
		if why == visitIdle && v == 0 {
			return false
		}
		points = growPoints(points)
		p := &points[len(points)-1]
		p.Attributes = se.attrs
		p.Time = now
		p.Value = v
		if delta {
			p.StartTime = deltaStart
		} else {
			p.StartTime = unixTime(se.startNanos)
		}
		se.cell.ex.collect(s.cfg.Exemplars, &p.Exemplars)
		return true
	})
	s.lastNanos = nowNanos
	if len(points) == 0 {
		// Leave *dst alone: the caller's slot may hold another stream's
		// storage that the next collection reuses.
		return 0
	}
	out.DataPoints = points
	*dst = out
	return len(points)
}

// growPoints extends points by one element, reusing the element's old
// storage (its exemplar slice) when the backing array already has it.
func growPoints[T any](points []T) []T {
	if len(points) < cap(points) {
		return points[:len(points)+1]
	}
	var zero T
	return append(points, zero)
}
