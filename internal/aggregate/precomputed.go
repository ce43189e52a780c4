package aggregate

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter/internal/selfobs"
)

// precomputed aggregates the observations of asynchronous instruments.
// Observations arrive only while the pipeline runs callbacks, under the
// collection, so a mutex is the simple and cheap choice here.
//
// Observable counters and up-down counters report the cumulative value the
// callback observed: several observations of one attribute set within a
// cycle add up (they are parts of one total, e.g. after an attribute
// filter), cumulative readers report the total, delta readers the change
// since the previous report of that set. Observable gauges keep the last
// observation. Sets not observed in a cycle are not reported.
//
// Exemplars are a point's observations of this cycle that passed the
// filter: every cycle starts with fresh points, so with fresh reservoirs,
// whatever the temporality (as in the official SDK). The builder sets
// ExemplarConfig.Delta for these streams so collection takes each reservoir
// out of its point instead of leaving it referenced for another cycle.
type precomputed[N Number] struct {
	cfg       Config
	isSum     bool
	monotonic bool

	mu       sync.Mutex
	observed map[attribute.Distinct][]*obsPoint[N] // this cycle; slice: hash collisions
	count    int
	overflow *obsPoint[N]
	reported map[attribute.Distinct][]*obsPoint[N] // last cycle's totals (delta sums)
	// incomplete is set by KeepBaselines: a callback feeding the stream
	// missed this cycle, so an unobserved set is not a set that went away.
	incomplete bool
	start      time.Time
	created    time.Time
}

type obsPoint[N Number] struct {
	attrs attribute.Set
	value N
	ex    exemplarCell[N]
}

// NewPrecomputedSum returns the stream of an ObservableCounter (monotonic)
// or ObservableUpDownCounter.
func NewPrecomputedSum[N Number](cfg Config, monotonic bool) Stream[N] {
	return newPrecomputed[N](cfg, true, monotonic)
}

// NewPrecomputedLastValue returns the stream of an ObservableGauge.
func NewPrecomputedLastValue[N Number](cfg Config) Stream[N] {
	return newPrecomputed[N](cfg, false, false)
}

func newPrecomputed[N Number](cfg Config, isSum, monotonic bool) *precomputed[N] {
	now := cfg.now()
	return &precomputed[N]{
		cfg: cfg, isSum: isSum, monotonic: monotonic,
		observed: map[attribute.Distinct][]*obsPoint[N]{},
		reported: map[attribute.Distinct][]*obsPoint[N]{},
		start:    now, created: now,
	}
}

func (p *precomputed[N]) Measure(ctx context.Context, value N, attrs *attribute.Set) {
	set := *attrs
	var dropped []attribute.KeyValue
	if p.cfg.Filter != nil {
		set, dropped = p.cfg.filtered(attrs)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pt := p.point(set)
	if p.isSum {
		pt.value += value
	} else {
		pt.value = value
	}
	if ex := p.cfg.Exemplars; ex != nil && !(ex.TraceBased && spanless(ctx)) && ex.admits(ctx) {
		pt.ex.offer(ctx, ex, value, &pt.attrs, dropped)
	}
}

// point returns this cycle's point for set, creating it within the
// cardinality limit. Called with mu held.
func (p *precomputed[N]) point(set attribute.Set) *obsPoint[N] {
	key := set.Equivalent()
	if pt := findObs(p.observed[key], &set); pt != nil {
		return pt
	}
	if norm, fixed := normalizedSet(&set); fixed != 0 { // duplicate map keys, invalid UTF-8: see attrnorm.go
		if fixed&fixedInvalidUTF8 != 0 {
			p.cfg.Repairs.repaired(&set)
		}
		set, key = norm, norm.Equivalent()
		if pt := findObs(p.observed[key], &set); pt != nil {
			return pt
		}
	}
	if limit := p.cfg.CardinalityLimit; limit > 0 && p.count >= limit-1 {
		selfobs.Overflowed()
		if p.overflow == nil {
			p.overflow = &obsPoint[N]{attrs: overflowSet}
		}
		return p.overflow
	}
	pt := &obsPoint[N]{attrs: set}
	p.observed[key] = append(p.observed[key], pt)
	p.count++
	return pt
}

func findObs[N Number](points []*obsPoint[N], set *attribute.Set) *obsPoint[N] {
	for _, pt := range points {
		if pt.attrs.Equals(set) {
			return pt
		}
	}
	return nil
}

func (p *precomputed[N]) Collect(dst *metricdata.Aggregation) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.cfg.now()
	delta := p.cfg.Temporality == metricdata.DeltaTemporality
	startOf := p.created
	if delta {
		startOf = p.start
	}
	emit := func(yield func(pt *obsPoint[N], value N)) {
		for _, pts := range p.observed {
			for _, pt := range pts {
				yield(pt, p.valueOf(pt, delta))
			}
		}
		if p.overflow != nil {
			yield(p.overflow, p.valueOf(p.overflow, delta))
		}
	}
	var n int
	if p.isSum {
		out, _ := (*dst).(metricdata.Sum[N])
		out.Temporality = p.cfg.Temporality
		out.IsMonotonic = p.monotonic
		points := out.DataPoints[:0]
		emit(func(pt *obsPoint[N], v N) {
			points = growPoints(points)
			dp := &points[len(points)-1]
			dp.Attributes, dp.StartTime, dp.Time, dp.Value = pt.attrs, startOf, now, v
			pt.ex.collect(p.cfg.Exemplars, &dp.Exemplars)
		})
		if n = len(points); n > 0 {
			out.DataPoints = points
			*dst = out
		}
	} else {
		out, _ := (*dst).(metricdata.Gauge[N])
		points := out.DataPoints[:0]
		emit(func(pt *obsPoint[N], v N) {
			points = growPoints(points)
			dp := &points[len(points)-1]
			dp.Attributes, dp.StartTime, dp.Time, dp.Value = pt.attrs, startOf, now, v
			pt.ex.collect(p.cfg.Exemplars, &dp.Exemplars)
		})
		if n = len(points); n > 0 {
			out.DataPoints = points
			*dst = out
		}
	}
	p.endCycle(now, delta)
	return n
}

// endCycle makes this cycle's observations the baselines of the next and
// starts it empty. Called with mu held, after the points were emitted.
func (p *precomputed[N]) endCycle(now time.Time, delta bool) {
	if p.incomplete && delta && p.isSum {
		p.carryBaselines()
	}
	p.incomplete = false
	// The next cycle starts empty: sets not observed again are not reported.
	p.reported, p.observed = p.observed, p.reported
	clear(p.observed)
	if p.overflow != nil {
		p.reported[overflowSet.Equivalent()] = []*obsPoint[N]{p.overflow}
		p.overflow = nil
	}
	p.count = 0
	p.start = now
}

// Discard ends a cycle whose points a reader's MetricFilter dropped (the
// stream's callback ran for another stream): like Collect, without building
// points, so the next cycle's observations do not add to this one's and a
// delta sum's next point is its change since now. A cycle with no
// observation is left as it is, so a stream whose callback was not run
// keeps its baselines and start time: its next point covers the time since
// it was last collected.
func (p *precomputed[N]) Discard() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.observed) == 0 && p.overflow == nil {
		return
	}
	p.endCycle(p.cfg.now(), p.cfg.Temporality == metricdata.DeltaTemporality)
}

// KeepBaselines tells the next Collect that this cycle's observations may
// be incomplete: a callback feeding the stream was abandoned at its
// deadline, skipped or not run. A delta sum then keeps the last report of
// every set it does not see this cycle, so that set's next point is its
// change since that report rather than its whole cumulative value (which
// would count the earlier part twice). Other streams need nothing: a
// cumulative sum or a gauge reports the observation itself.
func (p *precomputed[N]) KeepBaselines() {
	p.mu.Lock()
	p.incomplete = true
	p.mu.Unlock()
}

// carryBaselines moves the previous reports of the sets not observed this
// cycle into observed, which the end of Collect turns into the reported
// baselines. Called with mu held, after the points were emitted.
func (p *precomputed[N]) carryBaselines() {
	for key, prev := range p.reported {
		for _, pt := range prev {
			if findObs(p.observed[key], &pt.attrs) == nil {
				p.observed[key] = append(p.observed[key], pt)
			}
		}
	}
}

// valueOf is what a point reports: the observation, or for delta sums its
// change since the set's previous report.
func (p *precomputed[N]) valueOf(pt *obsPoint[N], delta bool) N {
	if !delta || !p.isSum {
		return pt.value
	}
	if prev := findObs(p.reported[pt.attrs.Equivalent()], &pt.attrs); prev != nil {
		return pt.value - prev.value
	}
	return pt.value
}
