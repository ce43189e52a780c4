package fastmeter

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter/internal/points"
	"github.com/fastmeter/fastmeter/internal/ratelimit"
)

// guardedFilter is a reader's MetricFilter as its pipeline uses it: panics
// are contained (reported, rate-limited, and taken as Accept) and results
// outside the enumerations are Accept. It is itself a MetricFilter, the one
// FilteringProducers receive. One belongs to one reader, so its state is
// only touched under that reader's collection token.
type guardedFilter struct {
	f      MetricFilter
	panics ratelimit.Limiter
	// epoch numbers the reader's collections, so a stream knows whether its
	// verdict was decided in this one (see streamVerdict).
	epoch uint64
}

var _ MetricFilter = (*guardedFilter)(nil)

func newGuardedFilter(f MetricFilter) *guardedFilter {
	if f == nil {
		return nil
	}
	if g, ok := f.(*guardedFilter); ok {
		f = g.f // a FilteringProducer handing its filter on: guard once
	}
	return &guardedFilter{f: f}
}

// TestMetric calls the user's TestMetric, containing a panic.
func (g *guardedFilter) TestMetric(scope instrumentation.Scope, name string, kind InstrumentKind, unit string) (r MetricFilterResult) {
	defer func() {
		if v := recover(); v != nil {
			g.reportPanic("TestMetric", scope, name, v)
			r = MetricFilterAccept
		}
	}()
	switch r = g.f.TestMetric(scope, name, kind, unit); r {
	case MetricFilterDrop, MetricFilterAcceptPartial:
		return r
	}
	return MetricFilterAccept
}

// TestAttributes calls the user's TestAttributes, containing a panic.
func (g *guardedFilter) TestAttributes(scope instrumentation.Scope, name string, kind InstrumentKind, unit string, attrs attribute.Set) (r AttributesFilterResult) {
	defer func() {
		if v := recover(); v != nil {
			g.reportPanic("TestAttributes", scope, name, v)
			r = AttributesFilterAccept
		}
	}()
	if g.f.TestAttributes(scope, name, kind, unit, attrs) == AttributesFilterDrop {
		return AttributesFilterDrop
	}
	return AttributesFilterAccept
}

func (g *guardedFilter) reportPanic(method string, scope instrumentation.Scope, name string, v any) {
	if n, ok := g.panics.Event(time.Now()); ok {
		otel.Handle(fmt.Errorf("fastmeter: MetricFilter.%s panicked for metric %q (meter %q): %v; the data is kept as if accepted (%d panic(s) since the last report)",
			method, name, scope.Name, v, n))
	}
}

// streamFilterState is what the filter decided for one of the pipeline's
// streams in the current collection. Guarded by the collection token.
type streamFilterState struct {
	epoch   uint64
	verdict MetricFilterResult
}

// streamVerdict returns TestMetric's result for ms in this collection,
// calling TestMetric once per collection.
func (g *guardedFilter) streamVerdict(scope instrumentation.Scope, ms *metricStream) MetricFilterResult {
	if ms.filter.epoch != g.epoch {
		ms.filter.epoch = g.epoch
		ms.filter.verdict = g.TestMetric(scope, ms.name, ms.kind, ms.unit)
	}
	return ms.filter.verdict
}

// callbackFilterState caches which of the pipeline's streams a callback
// entry feeds (resolved from callbackEntry.feeds on first use; an
// instrument's streams exist before its callbacks are registered).
type callbackFilterState struct {
	resolved bool
	streams  []*metricStream
}

// beginCollection decides TestMetric for every stream of the collection's
// snapshot and returns the callbacks to run: a callback is not run when
// this reader drops every stream it feeds (the specification lets Drop
// skip collecting a stream, asynchronous ones included). A
// callback left out tells its streams to keep their delta baselines, as a
// missed one does, so a stream it shares with another callback does not
// lose them.
func (g *guardedFilter) beginCollection(p *pipeline, scopes []*scopeStreams, callbacks []*callbackEntry) []*callbackEntry {
	g.epoch++
	for _, ss := range scopes {
		p.mu.Lock()
		metrics := ss.metrics[:len(ss.metrics):len(ss.metrics)]
		p.mu.Unlock()
		for _, ms := range metrics {
			g.streamVerdict(ss.scope, ms)
		}
	}
	run := callbacks[:0]
	for _, cb := range callbacks {
		if g.dropsEveryStreamOf(p, cb) {
			for _, keep := range cb.keepBaselines {
				keep()
			}
			continue
		}
		run = append(run, cb)
	}
	return run
}

func (g *guardedFilter) dropsEveryStreamOf(p *pipeline, cb *callbackEntry) bool {
	st := &cb.filter
	if !st.resolved {
		st.resolved = true
		p.mu.Lock()
		for _, ss := range p.scopes {
			for _, ms := range ss.metrics {
				for _, f := range cb.feeds {
					if ms.stream == f {
						st.streams = append(st.streams, ms)
					}
				}
			}
		}
		p.mu.Unlock()
	}
	if len(st.streams) == 0 || len(st.streams) < len(cb.feeds) {
		return false // nothing known to drop: run it, as without a filter
	}
	for _, ms := range st.streams {
		if ms.filter.epoch != g.epoch || ms.filter.verdict != MetricFilterDrop {
			return false
		}
	}
	return true
}

// admit reports whether ms is collected in this collection. A dropped
// stream is not read at all, so a delta stream keeps what it aggregated
// for the next collection that accepts it; an observable stream whose
// callback ran anyway (for another stream) ends its cycle without points.
func (g *guardedFilter) admit(scope instrumentation.Scope, ms *metricStream) bool {
	if g.streamVerdict(scope, ms) != MetricFilterDrop {
		return true
	}
	if d, ok := ms.stream.(interface{ Discard() }); ok {
		d.Discard()
	}
	return false
}

// pointTest is TestAttributes bound to one metric.
type pointTest struct {
	g     *guardedFilter
	scope instrumentation.Scope
	name  string
	kind  InstrumentKind
	unit  string
}

func (t *pointTest) keep(attrs attribute.Set) bool {
	return t.g.TestAttributes(t.scope, t.name, t.kind, t.unit, attrs) != AttributesFilterDrop
}

// keepPoints applies TestAttributes to the n points a stream wrote into
// *data (storage the pipeline owns) and returns how many are left. The
// rejected points were already taken from a delta stream: their data for
// this interval is dropped, as the filter asked.
func (g *guardedFilter) keepPoints(scope instrumentation.Scope, ms *metricStream, data *metricdata.Aggregation, n int) int {
	if ms.filter.verdict != MetricFilterAcceptPartial {
		return n
	}
	t := pointTest{g: g, scope: scope, name: ms.name, kind: ms.kind, unit: ms.unit}
	*data, n = filterAggregation(*data, &t, true)
	return n
}

// produce runs one external Producer for a reader with filter g (nil: no
// filter). A FilteringProducer filters itself; the output of any other is
// filtered here.
func (g *guardedFilter) produce(ctx context.Context, pr Producer) ([]metricdata.ScopeMetrics, error) {
	if g == nil {
		return pr.Produce(ctx)
	}
	if fp, ok := pr.(FilteringProducer); ok {
		return fp.ProduceFiltered(ctx, g)
	}
	sm, err := pr.Produce(ctx)
	return g.filterScopes(sm), err
}

// filterScopes applies the filter to a Producer's output. The producer's
// storage is never written: slices are copied as soon as something is
// removed, and metrics or scopes the filter empties are left out.
func (g *guardedFilter) filterScopes(in []metricdata.ScopeMetrics) []metricdata.ScopeMetrics {
	var out []metricdata.ScopeMetrics
	copied := false
	for i := range in {
		metrics, changed := g.filterMetrics(in[i].Scope, in[i].Metrics)
		if changed && !copied {
			out = append(make([]metricdata.ScopeMetrics, 0, len(in)), in[:i]...)
			copied = true
		}
		if !copied {
			continue
		}
		if changed && len(metrics) == 0 {
			continue
		}
		sm := in[i]
		sm.Metrics = metrics
		out = append(out, sm)
	}
	if !copied {
		return in
	}
	return out
}

// filterMetrics filters one scope's metrics, reporting whether anything
// was removed (then the result is a new slice).
func (g *guardedFilter) filterMetrics(scope instrumentation.Scope, in []metricdata.Metrics) ([]metricdata.Metrics, bool) {
	var out []metricdata.Metrics
	copied := false
	for i := range in {
		m := in[i]
		kind := kindOfData(m.Data)
		keep := true
		changed := false
		switch g.TestMetric(scope, m.Name, kind, m.Unit) {
		case MetricFilterDrop:
			keep, changed = false, true
		case MetricFilterAcceptPartial:
			t := pointTest{g: g, scope: scope, name: m.Name, kind: kind, unit: m.Unit}
			before := points.Count(m.Data)
			var n int
			m.Data, n = filterAggregation(m.Data, &t, false)
			changed = n != before
			keep = n > 0 || before == 0
		}
		if changed && !copied {
			out = append(make([]metricdata.Metrics, 0, len(in)), in[:i]...)
			copied = true
		}
		if copied && keep {
			out = append(out, m)
		}
	}
	if !copied {
		return in, false
	}
	return out, true
}

// kindOfData is the instrument kind a Producer's metric is presented to the
// filter with, derived from its point kind (see MetricFilter). Data of no
// known type has the zero InstrumentKind.
func kindOfData(data metricdata.Aggregation) InstrumentKind {
	switch a := data.(type) {
	case metricdata.Sum[int64]:
		return sumKind(a.IsMonotonic)
	case metricdata.Sum[float64]:
		return sumKind(a.IsMonotonic)
	case metricdata.Gauge[int64], metricdata.Gauge[float64]:
		return InstrumentKindGauge
	case metricdata.Histogram[int64], metricdata.Histogram[float64],
		metricdata.ExponentialHistogram[int64], metricdata.ExponentialHistogram[float64],
		metricdata.Summary:
		return InstrumentKindHistogram
	}
	var unknown InstrumentKind
	return unknown
}

func sumKind(monotonic bool) InstrumentKind {
	if monotonic {
		return InstrumentKindCounter
	}
	return InstrumentKindUpDownCounter
}

// filterAggregation keeps the points of data whose attributes t accepts and
// returns the result and its number of points. inPlace compacts data's own
// slice (by swapping, so every slot keeps storage of its own for the next
// collection to reuse); otherwise data is left unchanged and a new slice is
// made when a point is removed.
func filterAggregation(data metricdata.Aggregation, t *pointTest, inPlace bool) (metricdata.Aggregation, int) {
	switch a := data.(type) {
	case metricdata.Sum[int64]:
		a.DataPoints = filterPoints(a.DataPoints, dataPointAttrs[int64], t, inPlace)
		return a, len(a.DataPoints)
	case metricdata.Sum[float64]:
		a.DataPoints = filterPoints(a.DataPoints, dataPointAttrs[float64], t, inPlace)
		return a, len(a.DataPoints)
	case metricdata.Gauge[int64]:
		a.DataPoints = filterPoints(a.DataPoints, dataPointAttrs[int64], t, inPlace)
		return a, len(a.DataPoints)
	case metricdata.Gauge[float64]:
		a.DataPoints = filterPoints(a.DataPoints, dataPointAttrs[float64], t, inPlace)
		return a, len(a.DataPoints)
	case metricdata.Histogram[int64]:
		a.DataPoints = filterPoints(a.DataPoints, histogramPointAttrs[int64], t, inPlace)
		return a, len(a.DataPoints)
	case metricdata.Histogram[float64]:
		a.DataPoints = filterPoints(a.DataPoints, histogramPointAttrs[float64], t, inPlace)
		return a, len(a.DataPoints)
	case metricdata.ExponentialHistogram[int64]:
		a.DataPoints = filterPoints(a.DataPoints, expPointAttrs[int64], t, inPlace)
		return a, len(a.DataPoints)
	case metricdata.ExponentialHistogram[float64]:
		a.DataPoints = filterPoints(a.DataPoints, expPointAttrs[float64], t, inPlace)
		return a, len(a.DataPoints)
	case metricdata.Summary:
		a.DataPoints = filterPoints(a.DataPoints, summaryPointAttrs, t, inPlace)
		return a, len(a.DataPoints)
	}
	return data, points.Count(data)
}

func dataPointAttrs[N int64 | float64](p *metricdata.DataPoint[N]) attribute.Set { return p.Attributes }
func histogramPointAttrs[N int64 | float64](p *metricdata.HistogramDataPoint[N]) attribute.Set {
	return p.Attributes
}
func expPointAttrs[N int64 | float64](p *metricdata.ExponentialHistogramDataPoint[N]) attribute.Set {
	return p.Attributes
}
func summaryPointAttrs(p *metricdata.SummaryDataPoint) attribute.Set { return p.Attributes }

func filterPoints[P any](points []P, attrs func(*P) attribute.Set, t *pointTest, inPlace bool) []P {
	if inPlace {
		n := 0
		for i := range points {
			if t.keep(attrs(&points[i])) {
				points[n], points[i] = points[i], points[n]
				n++
			}
		}
		return points[:n]
	}
	var out []P
	copied := false
	for i := range points {
		kept := t.keep(attrs(&points[i]))
		if !kept && !copied {
			out = append(make([]P, 0, len(points)-1), points[:i]...)
			copied = true
		}
		if copied && kept {
			out = append(out, points[i])
		}
	}
	if !copied {
		return points
	}
	return out
}

// streamsIn returns the instrument's streams in pipeline pipe, as a
// callback entry's feeds.
func (o *observable[N]) streamsIn(pipe int) []any {
	feeds := make([]any, 0, len(o.perPipe[pipe]))
	for _, m := range o.perPipe[pipe] {
		feeds = append(feeds, m)
	}
	return feeds
}
