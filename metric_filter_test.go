package fastmeter_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// funcFilter is a MetricFilter made of two functions; it counts its calls.
// A nil metric function accepts partially, a nil attrs function keeps
// k=keep only.
type funcFilter struct {
	metric func(scope instrumentation.Scope, name string, kind fastmeter.InstrumentKind, unit string) fastmeter.MetricFilterResult
	attrs  func(name string, attrs attribute.Set) fastmeter.AttributesFilterResult

	mu          sync.Mutex
	metricCalls map[string]int
	attrCalls   map[string]int
	kinds       map[string]fastmeter.InstrumentKind
}

func (f *funcFilter) TestMetric(scope instrumentation.Scope, name string, kind fastmeter.InstrumentKind, unit string) fastmeter.MetricFilterResult {
	f.mu.Lock()
	if f.metricCalls == nil {
		f.metricCalls, f.attrCalls, f.kinds = map[string]int{}, map[string]int{}, map[string]fastmeter.InstrumentKind{}
	}
	f.metricCalls[name]++
	f.kinds[name] = kind
	f.mu.Unlock()
	if f.metric == nil {
		return fastmeter.MetricFilterAcceptPartial
	}
	return f.metric(scope, name, kind, unit)
}

func (f *funcFilter) TestAttributes(_ instrumentation.Scope, name string, _ fastmeter.InstrumentKind, _ string, attrs attribute.Set) fastmeter.AttributesFilterResult {
	f.mu.Lock()
	f.attrCalls[name]++
	f.mu.Unlock()
	if f.attrs == nil {
		return keepOnlyKeep(name, attrs)
	}
	return f.attrs(name, attrs)
}

func (f *funcFilter) calls(name string) (metric, attrs int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.metricCalls[name], f.attrCalls[name]
}

func (f *funcFilter) kindOf(name string) fastmeter.InstrumentKind {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.kinds[name]
}

func keepOnlyKeep(_ string, attrs attribute.Set) fastmeter.AttributesFilterResult {
	if v, _ := attrs.Value("k"); v.AsString() == "keep" {
		return fastmeter.AttributesFilterAccept
	}
	return fastmeter.AttributesFilterDrop
}

// byName is a TestMetric that answers per metric name (Accept otherwise).
func byName(results map[string]fastmeter.MetricFilterResult) func(instrumentation.Scope, string, fastmeter.InstrumentKind, string) fastmeter.MetricFilterResult {
	return func(_ instrumentation.Scope, name string, _ fastmeter.InstrumentKind, _ string) fastmeter.MetricFilterResult {
		return results[name]
	}
}

var (
	keepAttr = metric.WithAttributes(attribute.String("k", "keep"))
	dropAttr = metric.WithAttributes(attribute.String("k", "drop"))
)

// pointAttrs returns "{attributes}" for every point of any aggregation,
// sorted. Every metricdata aggregation keeps its points in DataPoints, each
// with an Attributes set.
func pointAttrs(t testing.TB, data metricdata.Aggregation) []string {
	t.Helper()
	points := reflect.ValueOf(data).FieldByName("DataPoints")
	if !points.IsValid() {
		t.Fatalf("unexpected data %T", data)
	}
	out := make([]string, 0, points.Len())
	for i := range points.Len() {
		set := points.Index(i).FieldByName("Attributes").Interface().(attribute.Set)
		out = append(out, "{"+set.Encoded(attribute.DefaultEncoder())+"}")
	}
	slices.Sort(out)
	return out
}

func metricNames(rm metricdata.ResourceMetrics) []string {
	var names []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names = append(names, sm.Scope.Name+"/"+m.Name)
		}
	}
	slices.Sort(names)
	return names
}

// Each result kind: Accept keeps every point without TestAttributes, Drop
// removes the stream without TestAttributes, AcceptPartial keeps the points
// TestAttributes accepts. TestMetric runs once per stream per collection.
func TestMetricFilterResults(t *testing.T) {
	ctx := context.Background()
	f := &funcFilter{metric: byName(map[string]fastmeter.MetricFilterResult{
		"accept":  fastmeter.MetricFilterAccept,
		"drop":    fastmeter.MetricFilterDrop,
		"partial": fastmeter.MetricFilterAcceptPartial,
		"bogus":   fastmeter.MetricFilterResult(42), // not a result: Accept
	})}
	r := fastmeter.NewManualReader(fastmeter.WithMetricFilter(f))
	m := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("m")
	for _, name := range []string{"accept", "drop", "partial", "bogus"} {
		c, _ := m.Int64Counter(name)
		c.Add(ctx, 1, keepAttr)
		c.Add(ctx, 2, dropAttr)
	}
	for collection := 1; collection <= 2; collection++ {
		rm := collect(t, r)
		if got, want := metricNames(rm), []string{"m/accept", "m/bogus", "m/partial"}; !slices.Equal(got, want) {
			t.Fatalf("collection %d: metrics %q, want %q", collection, got, want)
		}
		both := []string{"{k=drop}", "{k=keep}"}
		if got := pointAttrs(t, metricNamed(t, rm, "accept").Data); !slices.Equal(got, both) {
			t.Errorf("accept: %q, want %q", got, both)
		}
		if got := pointAttrs(t, metricNamed(t, rm, "bogus").Data); !slices.Equal(got, both) {
			t.Errorf("bogus result: %q, want %q (treated as Accept)", got, both)
		}
		if got := pointAttrs(t, metricNamed(t, rm, "partial").Data); !slices.Equal(got, []string{"{k=keep}"}) {
			t.Errorf("partial: %q, want only k=keep", got)
		}
		for _, name := range []string{"accept", "drop", "partial"} {
			mc, ac := f.calls(name)
			wantAttrs := 0
			if name == "partial" {
				wantAttrs = 2 * collection
			}
			if mc != collection || ac != wantAttrs {
				t.Errorf("collection %d, %s: TestMetric %d calls, TestAttributes %d; want %d and %d", collection, name, mc, ac, collection, wantAttrs)
			}
		}
	}
	if fastmeter.MetricFilterAcceptPartial.String() != "Accept_Partial" || fastmeter.AttributesFilterDrop.String() != "Drop" ||
		fastmeter.MetricFilterAccept.String() != "Accept" || fastmeter.MetricFilterDrop.String() != "Drop" || fastmeter.AttributesFilterAccept.String() != "Accept" {
		t.Error("result names differ from the specification's")
	}
}

// kindCase is one instrument of every kind, recording k=keep and k=drop.
type kindCase struct {
	name string
	kind fastmeter.InstrumentKind
	make func(m metric.Meter, name string, runs *int)
}

func kindCases() []kindCase {
	ctx := context.Background()
	both := []metric.MeasurementOption{keepAttr, dropAttr}
	intCallback := func(runs *int) metric.Int64Callback {
		return func(_ context.Context, o metric.Int64Observer) error {
			*runs++
			o.Observe(5, keepAttr)
			o.Observe(6, dropAttr)
			return nil
		}
	}
	floatCallback := func(runs *int) metric.Float64Callback {
		return func(_ context.Context, o metric.Float64Observer) error {
			*runs++
			o.Observe(5.5, keepAttr)
			o.Observe(6.5, dropAttr)
			return nil
		}
	}
	var ops []kindCase
	for _, name := range []string{"int.counter", "int.updown", "float.counter", "float.updown"} {
		kind := fastmeter.InstrumentKindCounter
		if strings.HasSuffix(name, "updown") {
			kind = fastmeter.InstrumentKindUpDownCounter
		}
		ops = append(ops, kindCase{name, kind, func(m metric.Meter, n string, _ *int) {
			var add func(metric.AddOption)
			switch n {
			case "int.counter":
				c, _ := m.Int64Counter(n)
				add = func(o metric.AddOption) { c.Add(ctx, 1, o) }
			case "int.updown":
				c, _ := m.Int64UpDownCounter(n)
				add = func(o metric.AddOption) { c.Add(ctx, -1, o) }
			case "float.counter":
				c, _ := m.Float64Counter(n)
				add = func(o metric.AddOption) { c.Add(ctx, 1.5, o) }
			default:
				c, _ := m.Float64UpDownCounter(n)
				add = func(o metric.AddOption) { c.Add(ctx, -1.5, o) }
			}
			for _, o := range both {
				add(o)
			}
		}})
	}
	for _, name := range []string{"int.histogram", "int.exphist", "int.gauge", "float.histogram", "float.exphist", "float.gauge"} {
		kind := fastmeter.InstrumentKindHistogram
		if strings.HasSuffix(name, "gauge") {
			kind = fastmeter.InstrumentKindGauge
		}
		ops = append(ops, kindCase{name, kind, func(m metric.Meter, n string, _ *int) {
			var record func(metric.RecordOption)
			switch {
			case n == "int.gauge":
				g, _ := m.Int64Gauge(n)
				record = func(o metric.RecordOption) { g.Record(ctx, 7, o) }
			case n == "float.gauge":
				g, _ := m.Float64Gauge(n)
				record = func(o metric.RecordOption) { g.Record(ctx, 7.5, o) }
			case strings.HasPrefix(n, "int."):
				h, _ := m.Int64Histogram(n)
				record = func(o metric.RecordOption) { h.Record(ctx, 3, o) }
			default:
				h, _ := m.Float64Histogram(n)
				record = func(o metric.RecordOption) { h.Record(ctx, 3.5, o) }
			}
			for _, o := range both {
				record(o)
			}
		}})
	}
	return append(ops,
		kindCase{"int.obs.counter", fastmeter.InstrumentKindObservableCounter, func(m metric.Meter, n string, runs *int) {
			_, _ = m.Int64ObservableCounter(n, metric.WithInt64Callback(intCallback(runs)))
		}},
		kindCase{"float.obs.counter", fastmeter.InstrumentKindObservableCounter, func(m metric.Meter, n string, runs *int) {
			_, _ = m.Float64ObservableCounter(n, metric.WithFloat64Callback(floatCallback(runs)))
		}},
		kindCase{"int.obs.updown", fastmeter.InstrumentKindObservableUpDownCounter, func(m metric.Meter, n string, runs *int) {
			_, _ = m.Int64ObservableUpDownCounter(n, metric.WithInt64Callback(intCallback(runs)))
		}},
		kindCase{"float.obs.updown", fastmeter.InstrumentKindObservableUpDownCounter, func(m metric.Meter, n string, runs *int) {
			_, _ = m.Float64ObservableUpDownCounter(n, metric.WithFloat64Callback(floatCallback(runs)))
		}},
		kindCase{"int.obs.gauge", fastmeter.InstrumentKindObservableGauge, func(m metric.Meter, n string, runs *int) {
			_, _ = m.Int64ObservableGauge(n, metric.WithInt64Callback(intCallback(runs)))
		}},
		kindCase{"float.obs.gauge", fastmeter.InstrumentKindObservableGauge, func(m metric.Meter, n string, runs *int) {
			_, _ = m.Float64ObservableGauge(n, metric.WithFloat64Callback(floatCallback(runs)))
		}},
	)
}

// expHistView makes the *.exphist instruments base-2 exponential histograms.
var expHistView = fastmeter.NewView(fastmeter.Instrument{Name: "*.exphist"},
	fastmeter.Stream{Aggregation: fastmeter.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}})

// Every instrument kind, both temporalities: AcceptPartial keeps exactly the
// accepted set, TestMetric sees the instrument's kind, and Drop removes the
// stream and does not run its callback.
func TestMetricFilterEveryInstrumentKind(t *testing.T) {
	for _, temporality := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
		t.Run(temporality.String(), func(t *testing.T) {
			selector := func(fastmeter.InstrumentKind) metricdata.Temporality { return temporality }
			partial := &funcFilter{}
			drop := &funcFilter{metric: func(instrumentation.Scope, string, fastmeter.InstrumentKind, string) fastmeter.MetricFilterResult {
				return fastmeter.MetricFilterDrop
			}}
			partialReader := fastmeter.NewManualReader(fastmeter.WithMetricFilter(partial), fastmeter.WithTemporalitySelector(selector))
			dropReader := fastmeter.NewManualReader(fastmeter.WithMetricFilter(drop), fastmeter.WithTemporalitySelector(selector))
			m := fastmeter.NewMeterProvider(fastmeter.WithReader(partialReader), fastmeter.WithReader(dropReader),
				fastmeter.WithView(expHistView)).Meter("kinds")
			cases := kindCases()
			runs := make([]int, len(cases))
			for i, c := range cases {
				c.make(m, c.name, &runs[i])
			}

			rm := collect(t, partialReader)
			for i, c := range cases {
				got := metricNamed(t, rm, c.name)
				if attrs := pointAttrs(t, got.Data); !slices.Equal(attrs, []string{"{k=keep}"}) {
					t.Errorf("%s: points %q, want only {k=keep}", c.name, attrs)
				}
				if strings.HasSuffix(c.name, "exphist") {
					if _, ok := got.Data.(metricdata.ExponentialHistogram[int64]); !ok {
						if _, ok := got.Data.(metricdata.ExponentialHistogram[float64]); !ok {
							t.Errorf("%s: %T, want an exponential histogram", c.name, got.Data)
						}
					}
				}
				if k := partial.kindOf(c.name); k != c.kind {
					t.Errorf("%s: TestMetric saw kind %v, want %v", c.name, k, c.kind)
				}
				if _, ac := partial.calls(c.name); ac != 2 {
					t.Errorf("%s: TestAttributes called %d times, want 2 (one per point)", c.name, ac)
				}
				if runs[i] > 1 {
					t.Errorf("%s: callback ran %d times for one collection", c.name, runs[i])
				}
			}
			before := slices.Clone(runs)
			if rm := collect(t, dropReader); len(rm.ScopeMetrics) != 0 {
				t.Errorf("drop-everything reader got %q", metricNames(rm))
			}
			if !slices.Equal(runs, before) {
				t.Errorf("callbacks ran for a reader that drops all their streams: runs %v, before %v", runs, before)
			}
			for _, c := range cases {
				if mc, ac := drop.calls(c.name); mc != 1 || ac != 0 {
					t.Errorf("%s: drop reader's TestMetric %d calls, TestAttributes %d; want 1 and 0", c.name, mc, ac)
				}
			}
		})
	}
}

// sumValue returns the value of the point with attribute k=set of an int64
// sum, and its start time.
func sumValue(t *testing.T, rm metricdata.ResourceMetrics, name, set string) (int64, time.Time, bool) {
	t.Helper()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
				if v, _ := p.Attributes.Value("k"); v.AsString() == set {
					return p.Value, p.StartTime, true
				}
			}
		}
	}
	return 0, time.Time{}, false
}

// switchFilter drops (Drop or per set) while its flag is set.
// onlyFor answers sw's TestMetric for the metric named name and Accept for
// every other.
func onlyFor(name string, sw *switchFilter) func(instrumentation.Scope, string, fastmeter.InstrumentKind, string) fastmeter.MetricFilterResult {
	return func(_ instrumentation.Scope, n string, _ fastmeter.InstrumentKind, _ string) fastmeter.MetricFilterResult {
		if n == name {
			return sw.TestMetric(instrumentation.Scope{}, n, 0, "")
		}
		return fastmeter.MetricFilterAccept
	}
}

type switchFilter struct {
	mu      sync.Mutex
	dropAll bool
	dropSet string
}

func (f *switchFilter) set(dropAll bool, dropSet string) {
	f.mu.Lock()
	f.dropAll, f.dropSet = dropAll, dropSet
	f.mu.Unlock()
}

func (f *switchFilter) TestMetric(instrumentation.Scope, string, fastmeter.InstrumentKind, string) fastmeter.MetricFilterResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.dropAll:
		return fastmeter.MetricFilterDrop
	case f.dropSet != "":
		return fastmeter.MetricFilterAcceptPartial
	}
	return fastmeter.MetricFilterAccept
}

func (f *switchFilter) TestAttributes(_ instrumentation.Scope, _ string, _ fastmeter.InstrumentKind, _ string, attrs attribute.Set) fastmeter.AttributesFilterResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, _ := attrs.Value("k"); v.AsString() == f.dropSet {
		return fastmeter.AttributesFilterDrop
	}
	return fastmeter.AttributesFilterAccept
}

// Delta state under a filter. A dropped stream is not read: a later
// collection that accepts it reports everything since it was last read,
// with that collection's time as start — nothing lost, nothing counted
// twice. A point dropped by TestAttributes is taken and discarded: the set's
// next point holds only what came after, starting at the dropping
// collection. Cumulative streams report their totals either way.
func TestMetricFilterDeltaState(t *testing.T) {
	ctx := context.Background()
	f := &switchFilter{}
	delta := fastmeter.NewManualReader(fastmeter.WithMetricFilter(f),
		fastmeter.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality { return metricdata.DeltaTemporality }))
	cumulative := fastmeter.NewManualReader(fastmeter.WithMetricFilter(f))
	m := fastmeter.NewMeterProvider(fastmeter.WithReader(delta), fastmeter.WithReader(cumulative)).Meter("d")
	c, _ := m.Int64Counter("c")
	var observed int64
	_, _ = m.Int64ObservableCounter("oc", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(observed, keepAttr)
		return nil
	}))

	c.Add(ctx, 1, keepAttr)
	c.Add(ctx, 1, dropAttr)
	observed = 10
	rm0 := collect(t, delta)
	_ = collect(t, cumulative)
	t0 := metricNamed(t, rm0, "c").Data.(metricdata.Sum[int64]).DataPoints[0].Time

	// Collection 1 drops everything.
	f.set(true, "")
	c.Add(ctx, 2, keepAttr)
	c.Add(ctx, 2, dropAttr)
	observed = 15
	if rm := collect(t, delta); len(rm.ScopeMetrics) != 0 {
		t.Fatalf("Drop: delta reader got %q", metricNames(rm))
	}
	_ = collect(t, cumulative)

	// Collection 2 accepts again: the dropped interval is reported now.
	f.set(false, "")
	c.Add(ctx, 4, keepAttr)
	c.Add(ctx, 4, dropAttr)
	observed = 22
	rm2 := collect(t, delta)
	for _, set := range []string{"keep", "drop"} {
		v, start, _ := sumValue(t, rm2, "c", set)
		if v != 6 || !start.Equal(t0) {
			t.Errorf("after Drop, c{k=%s} = %d from %v; want 6 (2+4) from the last read %v", set, v, start, t0)
		}
	}
	oc0 := metricNamed(t, rm0, "oc").Data.(metricdata.Sum[int64]).DataPoints[0].Time
	if v, start, _ := sumValue(t, rm2, "oc", "keep"); v != 12 || !start.Equal(oc0) {
		t.Errorf("after Drop, oc = %d from %v; want 12 (22-10) from its last read %v", v, start, oc0)
	}
	if v, _, _ := sumValue(t, collect(t, cumulative), "c", "drop"); v != 7 {
		t.Errorf("cumulative c{k=drop} = %d, want 7", v)
	}

	// Collection 3 drops k=drop by TestAttributes; collection 4 accepts it.
	f.set(false, "drop")
	c.Add(ctx, 8, keepAttr)
	c.Add(ctx, 8, dropAttr)
	rm3 := collect(t, delta)
	if _, _, ok := sumValue(t, rm3, "c", "drop"); ok {
		t.Error("TestAttributes dropped k=drop, but it was reported")
	}
	if v, _, _ := sumValue(t, rm3, "c", "keep"); v != 8 {
		t.Errorf("c{k=keep} = %d, want 8", v)
	}
	if v, _, _ := sumValue(t, collect(t, cumulative), "c", "keep"); v != 15 {
		t.Errorf("cumulative c{k=keep} = %d, want 15", v)
	}
	t3 := metricNamed(t, rm3, "c").Data.(metricdata.Sum[int64]).DataPoints[0].Time
	f.set(false, "")
	c.Add(ctx, 16, dropAttr)
	rm4 := collect(t, delta)
	if v, start, _ := sumValue(t, rm4, "c", "drop"); v != 16 || !start.Equal(t3) {
		t.Errorf("after AcceptPartial dropped it, c{k=drop} = %d from %v; want 16 from %v (the dropped interval is discarded)", v, start, t3)
	}
	if v, _, _ := sumValue(t, collect(t, cumulative), "c", "drop"); v != 31 {
		t.Errorf("cumulative c{k=drop} = %d, want 31", v)
	}
}

// A callback shared by a dropped and an accepted stream still runs; the
// dropped observable stream then ends its cycle without points, so a later
// accepted collection does not add two cycles' observations (cumulative) nor
// report a change against a stale baseline (delta).
func TestMetricFilterSharedCallback(t *testing.T) {
	for _, temporality := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
		t.Run(temporality.String(), func(t *testing.T) {
			f := &switchFilter{}
			dropA := &funcFilter{metric: onlyFor("a", f)}
			r := fastmeter.NewManualReader(fastmeter.WithMetricFilter(dropA),
				fastmeter.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality { return temporality }))
			m := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("shared")
			a, _ := m.Int64ObservableCounter("a")
			b, _ := m.Int64ObservableCounter("b")
			var value int64
			runs := 0
			_, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
				runs++
				o.ObserveInt64(a, value, keepAttr)
				o.ObserveInt64(b, value, keepAttr)
				return nil
			}, a, b)
			if err != nil {
				t.Fatal(err)
			}
			value = 10
			t0 := metricNamed(t, collect(t, r), "a").Data.(metricdata.Sum[int64]).DataPoints[0].Time
			f.set(true, "")
			value = 15
			rm1 := collect(t, r)
			if got := metricNames(rm1); !slices.Equal(got, []string{"shared/b"}) {
				t.Fatalf("metrics %q, want only b", got)
			}
			if runs != 2 {
				t.Fatalf("the callback feeding an accepted stream ran %d times in 2 collections", runs)
			}
			t1 := metricNamed(t, rm1, "b").Data.(metricdata.Sum[int64]).DataPoints[0].Time
			f.set(false, "")
			value = 22
			rm2 := collect(t, r)
			v, start, _ := sumValue(t, rm2, "a", "keep")
			want := int64(22)
			if temporality == metricdata.DeltaTemporality {
				want = 7 // 22-15: the dropped cycle is the baseline
				// The dropping collection discarded a's cycle before it
				// collected b.
				if !start.After(t0) || start.After(t1) {
					t.Errorf("delta a starts %v, want within the dropping collection (after %v, by %v)", start, t0, t1)
				}
			}
			if v != want {
				t.Errorf("a = %d, want %d", v, want)
			}
		})
	}
}

// panicFilter panics in TestMetric for "tm" and in TestAttributes for "ta".
type panicFilter struct{}

func (panicFilter) TestMetric(_ instrumentation.Scope, name string, _ fastmeter.InstrumentKind, _ string) fastmeter.MetricFilterResult {
	if name == "tm" {
		panic("filter bug")
	}
	if name == "ta" {
		return fastmeter.MetricFilterAcceptPartial
	}
	return fastmeter.MetricFilterDrop
}

func (panicFilter) TestAttributes(instrumentation.Scope, string, fastmeter.InstrumentKind, string, attribute.Set) fastmeter.AttributesFilterResult {
	panic("attribute filter bug")
}

// A panicking filter does not break the collection: the metric (or point)
// is kept as if accepted and the panic is reported naming the metric; the
// other streams are filtered as usual.
func TestMetricFilterPanicIsContained(t *testing.T) {
	rec := recordErrors(t)
	ctx := context.Background()
	r := fastmeter.NewManualReader(fastmeter.WithMetricFilter(panicFilter{}))
	m := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("p")
	for _, name := range []string{"tm", "ta", "other"} {
		c, _ := m.Int64Counter(name)
		c.Add(ctx, 1, keepAttr)
	}
	rm := collect(t, r)
	if got := metricNames(rm); !slices.Equal(got, []string{"p/ta", "p/tm"}) {
		t.Errorf("metrics %q, want the two whose filter panicked (accepted) and not the dropped one", got)
	}
	if !rec.contains(`TestMetric panicked for metric "tm"`) {
		t.Errorf("TestMetric's panic not reported naming the metric: %q", rec.texts())
	}
	// The first report went out at once; the second panic is counted for
	// the next report (rate limit), so only check it was not fatal.
	if len(rec.texts()) == 0 {
		t.Error("nothing reported")
	}
}

// producerOf returns fixed data of every point kind, with k=keep and k=drop
// points, in two scopes.
type kindsProducer struct{ calls int }

func pts[N int64 | float64]() []metricdata.DataPoint[N] {
	return []metricdata.DataPoint[N]{
		{Attributes: attribute.NewSet(attribute.String("k", "keep")), Value: 1},
		{Attributes: attribute.NewSet(attribute.String("k", "drop")), Value: 2},
	}
}

func (p *kindsProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	p.calls++
	keep, drop := attribute.NewSet(attribute.String("k", "keep")), attribute.NewSet(attribute.String("k", "drop"))
	return []metricdata.ScopeMetrics{{
		Scope: instrumentation.Scope{Name: "bridge"},
		Metrics: []metricdata.Metrics{
			{Name: "mono.sum", Data: metricdata.Sum[int64]{IsMonotonic: true, Temporality: metricdata.CumulativeTemporality, DataPoints: pts[int64]()}},
			{Name: "updown.sum", Data: metricdata.Sum[float64]{Temporality: metricdata.CumulativeTemporality, DataPoints: pts[float64]()}},
			{Name: "gauge", Data: metricdata.Gauge[int64]{DataPoints: pts[int64]()}},
			{Name: "hist", Data: metricdata.Histogram[float64]{Temporality: metricdata.CumulativeTemporality, DataPoints: []metricdata.HistogramDataPoint[float64]{
				{Attributes: keep, Count: 1}, {Attributes: drop, Count: 1}}}},
			{Name: "exphist", Data: metricdata.ExponentialHistogram[int64]{Temporality: metricdata.CumulativeTemporality, DataPoints: []metricdata.ExponentialHistogramDataPoint[int64]{
				{Attributes: keep, Count: 1}, {Attributes: drop, Count: 1}}}},
			{Name: "summary", Data: metricdata.Summary{DataPoints: []metricdata.SummaryDataPoint{{Attributes: keep}, {Attributes: drop}}}},
			{Name: "only.drop", Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{{Attributes: drop}}}},
			{Name: "dropped", Data: metricdata.Gauge[int64]{DataPoints: pts[int64]()}},
		},
	}, {
		Scope:   instrumentation.Scope{Name: "gone"},
		Metrics: []metricdata.Metrics{{Name: "dropped", Data: metricdata.Gauge[int64]{DataPoints: pts[int64]()}}},
	}}, nil
}

// A plain Producer's output is filtered by the reader: kinds derived from
// the data, dropped metrics and emptied metrics and scopes removed, the
// producer's own data untouched.
func TestMetricFilterPlainProducer(t *testing.T) {
	f := &funcFilter{metric: func(_ instrumentation.Scope, name string, _ fastmeter.InstrumentKind, _ string) fastmeter.MetricFilterResult {
		if name == "dropped" {
			return fastmeter.MetricFilterDrop
		}
		return fastmeter.MetricFilterAcceptPartial
	}}
	prod := &kindsProducer{}
	r := fastmeter.NewManualReader(fastmeter.WithMetricFilter(f), fastmeter.WithProducer(prod))
	_ = fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	rm := collect(t, r)
	want := []string{"bridge/exphist", "bridge/gauge", "bridge/hist", "bridge/mono.sum", "bridge/summary", "bridge/updown.sum"}
	if got := metricNames(rm); !slices.Equal(got, want) {
		t.Fatalf("metrics %q, want %q", got, want)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if got := pointAttrs(t, m.Data); !slices.Equal(got, []string{"{k=keep}"}) {
				t.Errorf("%s: %q, want only {k=keep}", m.Name, got)
			}
		}
	}
	kinds := map[string]fastmeter.InstrumentKind{
		"mono.sum": fastmeter.InstrumentKindCounter, "updown.sum": fastmeter.InstrumentKindUpDownCounter,
		"gauge": fastmeter.InstrumentKindGauge, "hist": fastmeter.InstrumentKindHistogram,
		"exphist": fastmeter.InstrumentKindHistogram, "summary": fastmeter.InstrumentKindHistogram,
	}
	for name, want := range kinds {
		if got := f.kindOf(name); got != want {
			t.Errorf("%s: kind %v, want %v", name, got, want)
		}
	}
	if mc, _ := f.calls("dropped"); mc != 2 {
		t.Errorf("TestMetric called %d times for the two \"dropped\" metrics, want 2", mc)
	}
	// The producer's data is not modified in place: unfiltered, it still
	// has both points (a second Produce builds fresh data, so check a held
	// copy instead).
	own, _ := prod.Produce(context.Background())
	held := slices.Clone(own[0].Metrics)
	r2 := fastmeter.NewManualReader(fastmeter.WithMetricFilter(f), fastmeter.WithProducer(heldProducer(own)))
	_ = fastmeter.NewMeterProvider(fastmeter.WithReader(r2))
	_ = collect(t, r2)
	for i, m := range own[0].Metrics {
		if m.Name != held[i].Name || len(pointAttrs(t, m.Data)) != len(pointAttrs(t, held[i].Data)) {
			t.Errorf("the producer's metric %d was modified: %s %q", i, m.Name, pointAttrs(t, m.Data))
		}
		if m.Name == "gauge" {
			if got := pointAttrs(t, m.Data); len(got) != 2 {
				t.Errorf("the producer's own gauge lost points: %q", got)
			}
		}
	}
}

type heldProducer []metricdata.ScopeMetrics

func (p heldProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) { return p, nil }

// filteringProducer applies the filter itself and records what it got.
type filteringProducer struct {
	got      fastmeter.MetricFilter
	plain    int
	filtered int
}

func (p *filteringProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	p.plain++
	return []metricdata.ScopeMetrics{{Scope: instrumentation.Scope{Name: "fp"},
		Metrics: []metricdata.Metrics{{Name: "x", Data: metricdata.Gauge[int64]{DataPoints: pts[int64]()}}}}}, nil
}

func (p *filteringProducer) ProduceFiltered(_ context.Context, f fastmeter.MetricFilter) ([]metricdata.ScopeMetrics, error) {
	p.filtered++
	p.got = f
	// Consult the filter the way a bridge would, before building anything.
	if f.TestMetric(instrumentation.Scope{Name: "fp"}, "x", fastmeter.InstrumentKindGauge, "") == fastmeter.MetricFilterDrop {
		return nil, nil
	}
	return []metricdata.ScopeMetrics{{Scope: instrumentation.Scope{Name: "fp"},
		Metrics: []metricdata.Metrics{{Name: "x", Data: metricdata.Gauge[int64]{DataPoints: pts[int64]()}}}}}, nil
}

// A FilteringProducer receives the reader's filter (panic-contained) and its
// output is used as it is: the reader does not test its metrics again. A
// reader without a filter calls plain Produce.
func TestMetricFilterFilteringProducer(t *testing.T) {
	rec := recordErrors(t)
	f := &funcFilter{metric: func(instrumentation.Scope, string, fastmeter.InstrumentKind, string) fastmeter.MetricFilterResult {
		return fastmeter.MetricFilterAccept
	}}
	prod := &filteringProducer{}
	r := fastmeter.NewManualReader(fastmeter.WithMetricFilter(f), fastmeter.WithProducer(prod))
	_ = fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	rm := collect(t, r)
	if prod.filtered != 1 || prod.plain != 0 || prod.got == nil {
		t.Fatalf("ProduceFiltered %d, Produce %d, filter %v; want ProduceFiltered once with the filter", prod.filtered, prod.plain, prod.got)
	}
	if mc, _ := f.calls("x"); mc != 1 {
		t.Errorf("TestMetric called %d times for x, want once (by the producer only)", mc)
	}
	if got := pointAttrs(t, metricNamed(t, rm, "x").Data); len(got) != 2 {
		t.Errorf("the producer's accepted output was changed: %q", got)
	}
	// The filter handed over contains the user's panics.
	pr := &filteringProducer{}
	r2 := fastmeter.NewManualReader(fastmeter.WithMetricFilter(&funcFilter{metric: func(instrumentation.Scope, string, fastmeter.InstrumentKind, string) fastmeter.MetricFilterResult {
		panic("boom")
	}}), fastmeter.WithProducer(pr))
	_ = fastmeter.NewMeterProvider(fastmeter.WithReader(r2))
	if rm := collect(t, r2); len(rm.ScopeMetrics) != 1 {
		t.Errorf("panicking filter: %q, want x accepted", metricNames(rm))
	}
	if !rec.contains(`panicked for metric "x"`) {
		t.Errorf("panic not reported: %q", rec.texts())
	}

	plain := &filteringProducer{}
	r3 := fastmeter.NewManualReader(fastmeter.WithProducer(plain))
	_ = fastmeter.NewMeterProvider(fastmeter.WithReader(r3))
	_ = collect(t, r3)
	if plain.plain != 1 || plain.filtered != 0 {
		t.Errorf("without a filter: Produce %d, ProduceFiltered %d; want Produce once", plain.plain, plain.filtered)
	}
}

// Two readers of one provider with different filters are independent, while
// writers record concurrently and both readers collect concurrently: the
// accepting reader's totals are exact, the dropping reader never sees the
// metric.
func TestMetricFilterTwoReadersConcurrent(t *testing.T) {
	ctx := context.Background()
	dropX := &funcFilter{metric: byName(map[string]fastmeter.MetricFilterResult{"x": fastmeter.MetricFilterDrop, "y": fastmeter.MetricFilterAcceptPartial})}
	partial := fastmeter.NewManualReader(fastmeter.WithMetricFilter(dropX))
	all := fastmeter.NewManualReader()
	m := fastmeter.NewMeterProvider(fastmeter.WithReader(partial), fastmeter.WithReader(all)).Meter("two")
	x, _ := m.Int64Counter("x")
	y, _ := m.Int64Counter("y")
	const writers, adds = 4, 2000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var collectors sync.WaitGroup
	errs := make(chan error, 2)
	for _, r := range []*fastmeter.ManualReader{partial, all} {
		collectors.Add(1)
		go func() {
			defer collectors.Done()
			var rm metricdata.ResourceMetrics
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := r.Collect(ctx, &rm); err != nil {
					errs <- err
					return
				}
				if r == partial {
					for _, name := range metricNames(rm) {
						if name == "two/x" {
							errs <- fmt.Errorf("the dropping reader got x")
							return
						}
					}
				}
			}
		}()
	}
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range adds {
				x.Add(ctx, 1, keepAttr)
				y.Add(ctx, 1, keepAttr)
				y.Add(ctx, 1, dropAttr)
			}
		}()
	}
	wg.Wait()
	close(stop)
	collectors.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rmAll := collect(t, all)
	for _, c := range []struct{ name, set string }{{"x", "keep"}, {"y", "keep"}, {"y", "drop"}} {
		if v, _, _ := sumValue(t, rmAll, c.name, c.set); v != writers*adds {
			t.Errorf("unfiltered reader: %s{k=%s} = %d, want %d", c.name, c.set, v, writers*adds)
		}
	}
	rmPartial := collect(t, partial)
	if got := metricNames(rmPartial); !slices.Equal(got, []string{"two/y"}) {
		t.Errorf("filtered reader: %q, want only y", got)
	}
	if v, _, _ := sumValue(t, rmPartial, "y", "keep"); v != writers*adds {
		t.Errorf("filtered reader: y{k=keep} = %d, want %d", v, writers*adds)
	}
	if _, _, ok := sumValue(t, rmPartial, "y", "drop"); ok {
		t.Error("filtered reader reported y{k=drop}")
	}
}

// WithMetricFilter is a ReaderOption: a PeriodicReader exports filtered
// collections.
func TestMetricFilterPeriodicReader(t *testing.T) {
	ctx := context.Background()
	exp := &recordingExporter{}
	r := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(time.Hour),
		fastmeter.WithMetricFilter(&funcFilter{metric: byName(map[string]fastmeter.MetricFilterResult{"drop": fastmeter.MetricFilterDrop})}))
	p := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	defer p.Shutdown(ctx)
	for _, name := range []string{"keep", "drop"} {
		c, _ := p.Meter("periodic").Int64Counter(name)
		c.Add(ctx, 1)
	}
	if err := p.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	exp.mu.Lock()
	defer exp.mu.Unlock()
	if !slices.Equal(exp.batches, []int{1}) {
		t.Errorf("exported batches of %v points, want one of 1 (keep; drop filtered out)", exp.batches)
	}
}

// Points AcceptPartial removed leave the storage of the caller's
// ResourceMetrics consistent for reuse: collecting into the same value with
// a different set dropped each time, every histogram point keeps its own
// bucket counts (a removed point's storage is never shared with a kept one).
func TestMetricFilterPartialReusesStorage(t *testing.T) {
	ctx := context.Background()
	f := &switchFilter{}
	r := fastmeter.NewManualReader(fastmeter.WithMetricFilter(f))
	h, _ := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("reuse").Int64Histogram("h",
		metric.WithExplicitBucketBoundaries(10, 20, 30))
	values := map[string]int64{"a": 5, "b": 15, "c": 25, "d": 35}
	bucket := map[string]int{"a": 0, "b": 1, "c": 2, "d": 3}
	for set, v := range values {
		h.Record(ctx, v, metric.WithAttributes(attribute.String("k", set)))
	}
	var rm metricdata.ResourceMetrics
	check := func(dropped string) {
		t.Helper()
		if err := r.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		points := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Histogram[int64]).DataPoints
		want := len(values)
		if dropped != "" {
			want--
		}
		if len(points) != want {
			t.Fatalf("dropping %q: %d points, want %d", dropped, len(points), want)
		}
		for _, p := range points {
			v, _ := p.Attributes.Value("k")
			set := v.AsString()
			if set == dropped {
				t.Errorf("dropping %q: reported", dropped)
			}
			for i, n := range p.BucketCounts {
				if (i == bucket[set]) != (n == 1) || n > 1 {
					t.Errorf("dropping %q: point k=%s has bucket counts %v, want one in bucket %d", dropped, set, p.BucketCounts, bucket[set])
					break
				}
			}
		}
	}
	for _, set := range []string{"a", "b", "c", "d", "a", "c"} {
		f.set(false, set)
		check(set)
		f.set(false, "")
		check("")
	}
}

// An observable stream fed by two callbacks, one of which the filter skips
// (its only stream is dropped) while the other runs (it also feeds an
// accepted stream): the skipped callback's sets keep their delta baselines
// through the dropped cycle, the running one's sets take it as baseline.
func TestMetricFilterMixedCallbacks(t *testing.T) {
	for _, temporality := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
		t.Run(temporality.String(), func(t *testing.T) {
			sw := &switchFilter{}
			f := &funcFilter{metric: onlyFor("s", sw)}
			r := fastmeter.NewManualReader(fastmeter.WithMetricFilter(f),
				fastmeter.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality { return temporality }))
			m := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("mixed")
			var a, b int64
			ownRuns := 0
			s, _ := m.Int64ObservableCounter("s", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
				ownRuns++
				o.Observe(a, metric.WithAttributes(attribute.String("k", "a")))
				return nil
			}))
			other, _ := m.Int64ObservableCounter("t")
			if _, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
				o.ObserveInt64(s, b, metric.WithAttributes(attribute.String("k", "b")))
				o.ObserveInt64(other, 1)
				return nil
			}, s, other); err != nil {
				t.Fatal(err)
			}
			a, b = 10, 100
			_ = collect(t, r)
			sw.set(true, "")
			a, b = 15, 150
			if got := metricNames(collect(t, r)); !slices.Equal(got, []string{"mixed/t"}) {
				t.Fatalf("dropping s: %q", got)
			}
			if ownRuns != 1 {
				t.Fatalf("s's own callback ran %d times, want 1 (skipped while s is dropped)", ownRuns)
			}
			sw.set(false, "")
			a, b = 22, 220
			rm := collect(t, r)
			wantA, wantB := int64(22), int64(220)
			if temporality == metricdata.DeltaTemporality {
				wantA, wantB = 12, 70 // a since its last report (c0), b since the dropped cycle
			}
			if v, _, _ := sumValue(t, rm, "s", "a"); v != wantA {
				t.Errorf("s{k=a} = %d, want %d", v, wantA)
			}
			if v, _, _ := sumValue(t, rm, "s", "b"); v != wantB {
				t.Errorf("s{k=b} = %d, want %d", v, wantB)
			}
		})
	}
}
