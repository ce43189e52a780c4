package fastmeter_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/x"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// sets returns "attributes=value" for every point of an int64 or float64
// sum or gauge, sorted.
func sets(t *testing.T, m metricdata.Metrics) []string {
	t.Helper()
	enc := attribute.DefaultEncoder()
	var out []string
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			out = append(out, fmt.Sprintf("{%s}=%v", p.Attributes.Encoded(enc), p.Value))
		}
	case metricdata.Sum[float64]:
		for _, p := range d.DataPoints {
			out = append(out, fmt.Sprintf("{%s}=%v", p.Attributes.Encoded(enc), p.Value))
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			out = append(out, fmt.Sprintf("{%s}=%v", p.Attributes.Encoded(enc), p.Value))
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			out = append(out, fmt.Sprintf("{%s}=%v", p.Attributes.Encoded(enc), p.Value))
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			out = append(out, fmt.Sprintf("{%s}=%v", p.Attributes.Encoded(enc), p.Count))
		}
	default:
		t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
	}
	slices.Sort(out)
	return out
}

func wantSets(t *testing.T, rm metricdata.ResourceMetrics, name string, want ...string) {
	t.Helper()
	if got := sets(t, metricNamed(t, rm, name)); !slices.Equal(got, want) {
		t.Errorf("%s: %q, want %q", name, got, want)
	}
}

// panickyRaw is a raw-attribute measurement option whose method panics.
type panickyRaw struct{ metric.MeasurementOption }

func (panickyRaw) Experimental()                       {}
func (panickyRaw) RawAttributes() []attribute.KeyValue { panic("boom") }

// panickyKeys is an advisory-keys instrument option whose method panics.
type panickyKeys struct{ metric.InstrumentOption }

func (panickyKeys) Experimental()                {}
func (panickyKeys) AllowedKeys() []attribute.Key { panic("boom") }

// x.WithUnsafeAttributes: merged into the measurement's set, overriding
// standard attributes of the same key; the caller's slice is left alone.
func TestUnsafeAttributesAreMerged(t *testing.T) {
	rec := recordErrors(t)
	r := fastmeter.NewManualReader()
	m := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("x")
	ctx := context.Background()
	c, _ := m.Int64Counter("c")
	h, _ := m.Float64Histogram("h")
	g, _ := m.Int64Gauge("g")
	kvs := []attribute.KeyValue{attribute.String("z", "1"), attribute.String("route", "/raw")}
	orig := slices.Clone(kvs)
	c.Add(ctx, 1, x.WithUnsafeAttributes(kvs...))
	c.Add(ctx, 2, x.WithUnsafeAttributes(kvs...), metric.WithAttributes(attribute.String("route", "/std")))
	c.Add(ctx, 4, metric.WithAttributeSet(attribute.NewSet(attribute.String("code", "200"))), x.WithUnsafeAttributes(kvs...))
	c.Add(ctx, 8, x.WithUnsafeAttributes(attribute.String("k", "a")), x.WithUnsafeAttributes(attribute.String("k", "b")))
	c.Add(ctx, 16, panickyRaw{}, metric.WithAttributes(attribute.String("kept", "yes")))
	h.Record(ctx, 1, x.WithUnsafeAttributes(kvs...))
	g.Record(ctx, 5, nil, x.WithUnsafeAttributes(kvs...))
	if !slices.Equal(kvs, orig) {
		t.Errorf("the caller's slice was modified: %v, was %v", kvs, orig)
	}
	if !rec.contains(`instrument "c"`) || !rec.contains("RawAttributes") {
		t.Errorf("a panicking RawAttributes was not reported with the instrument's name: %v", rec.errs)
	}
	rm := collect(t, r)
	wantSets(t, rm, "c", "{code=200,route=/raw,z=1}=4", "{k=b}=8", "{kept=yes}=16", "{route=/raw,z=1}=3")
	wantSets(t, rm, "h", "{route=/raw,z=1}=1")
	wantSets(t, rm, "g", "{route=/raw,z=1}=5")
}

func TestUnsafeAttributesInCallbacks(t *testing.T) {
	r := fastmeter.NewManualReader()
	m := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("x")
	_, _ = m.Int64ObservableCounter("oc", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(3, x.WithUnsafeAttributes(attribute.String("route", "/a")))
		o.Observe(4, metric.WithAttributes(attribute.String("route", "/std")), x.WithUnsafeAttributes(attribute.String("route", "/b")))
		return nil
	}))
	og, _ := m.Float64ObservableGauge("og")
	if _, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveFloat64(og, 1.5, x.WithUnsafeAttributes(attribute.String("host", "h")))
		return nil
	}, og); err != nil {
		t.Fatal(err)
	}
	rm := collect(t, r)
	wantSets(t, rm, "oc", "{route=/a}=3", "{route=/b}=4")
	wantSets(t, rm, "og", "{host=h}=1.5")
}

// x.WithDefaultAttributes: the instrument's advisory attribute keys apply
// when no view sets an attribute filter.
func TestDefaultAttributesAreAdvisoryKeys(t *testing.T) {
	rec := recordErrors(t)
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithView(
		fastmeter.NewView(fastmeter.Instrument{Name: "by.view"}, fastmeter.Stream{AttributeFilter: attribute.NewAllowKeysFilter("drop")}),
		fastmeter.NewView(fastmeter.Instrument{Name: "renamed"}, fastmeter.Stream{Name: "renamed.stream"}),
	))
	m := mp.Meter("x")
	ctx := context.Background()
	all := metric.WithAttributes(attribute.String("keep", "k"), attribute.String("drop", "d"))
	keep, _ := m.Int64Counter("keep", x.WithDefaultAttributes("keep"))
	none, _ := m.Int64Counter("none", x.WithDefaultAttributes())
	both, _ := m.Int64Counter("both", x.WithDefaultAttributes("keep"), x.WithDefaultAttributes("drop"))
	byView, _ := m.Int64Counter("by.view", x.WithDefaultAttributes("keep"))
	renamed, _ := m.Int64Counter("renamed", x.WithDefaultAttributes("keep"))
	broken, _ := m.Int64Counter("broken", panickyKeys{})
	for _, c := range []metric.Int64Counter{keep, none, both, byView, renamed, broken} {
		c.Add(ctx, 1, all)
	}
	_, _ = m.Int64ObservableGauge("observed", x.WithDefaultAttributes("keep"), metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(7, all)
		return nil
	}))
	rm := collect(t, r)
	wantSets(t, rm, "keep", "{keep=k}=1")
	wantSets(t, rm, "none", "{}=1")
	wantSets(t, rm, "both", "{drop=d,keep=k}=1")
	wantSets(t, rm, "by.view", "{drop=d}=1")
	wantSets(t, rm, "renamed.stream", "{keep=k}=1")
	wantSets(t, rm, "broken", "{}=1")
	wantSets(t, rm, "observed", "{keep=k}=7")
	if !rec.contains(`instrument "broken"`) || !rec.contains("AllowedKeys") {
		t.Errorf("a panicking AllowedKeys was not reported with the instrument's name: %v", rec.errs)
	}
}

// OTEL_GO_X_CARDINALITY_LIMIT sets the provider's default limit, as in the
// official SDK; WithCardinalityLimit overrides it.
func TestCardinalityLimitEnvironment(t *testing.T) {
	for _, tc := range []struct {
		env        string
		opts       []fastmeter.Option
		wantSeries int
		wantReport bool
	}{
		{env: "3", wantSeries: 3},
		{env: "0", wantSeries: 10},
		{env: "-5", wantSeries: 10},
		{env: "3", opts: []fastmeter.Option{fastmeter.WithCardinalityLimit(6)}, wantSeries: 6},
		{env: "many", wantSeries: 10, wantReport: true}, // invalid: default 2000
	} {
		t.Run(tc.env, func(t *testing.T) {
			rec := recordErrors(t)
			t.Setenv("OTEL_GO_X_CARDINALITY_LIMIT", tc.env)
			r := fastmeter.NewManualReader()
			c, _ := fastmeter.NewMeterProvider(append(tc.opts, fastmeter.WithReader(r))...).Meter("x").Int64Counter("c")
			for i := range 10 {
				c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("i", i)))
			}
			if got := len(pointsOf(t, collect(t, r), "c")); got != tc.wantSeries {
				t.Errorf("%d series, want %d", got, tc.wantSeries)
			}
			if got := rec.contains("OTEL_GO_X_CARDINALITY_LIMIT=\"" + tc.env + "\""); got != tc.wantReport {
				t.Errorf("reported the variable: %v, want %v (%v)", got, tc.wantReport, rec.errs)
			}
		})
	}
}

// Observations are offered to the exemplar filter with context.Background()
// (as in the official SDK): AlwaysOn samples them, the trace-based default
// never does, even when the collection runs in a sampled span.
func TestObservableInstrumentExemplars(t *testing.T) {
	cycle := 0
	register := func(m metric.Meter) {
		_, _ = m.Float64ObservableCounter("oc", metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
			o.Observe(float64(10*(cycle+1)), metric.WithAttributes(attribute.String("route", "/a"), attribute.String("user", "u")))
			return nil
		}))
		_, _ = m.Float64ObservableGauge("og", metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
			if cycle == 0 {
				o.Observe(2.5)
			}
			return nil
		}))
	}
	view := fastmeter.NewView(fastmeter.Instrument{Name: "*"}, fastmeter.Stream{AttributeFilter: attribute.NewAllowKeysFilter("route")})

	on := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality {
		return metricdata.DeltaTemporality
	}))
	register(fastmeter.NewMeterProvider(fastmeter.WithReader(on), fastmeter.WithView(view), fastmeter.WithExemplarFilter(exemplar.AlwaysOnFilter)).Meter("x"))
	traceBased := fastmeter.NewManualReader()
	register(fastmeter.NewMeterProvider(fastmeter.WithReader(traceBased)).Meter("x"))

	for cycle = range 2 {
		rm := collect(t, on)
		ex := exemplarsOf(t, metricNamed(t, rm, "oc"))
		if len(ex) != 1 || ex[0].Value != float64(10*(cycle+1)) || len(ex[0].TraceID) != 0 ||
			fmt.Sprint(ex[0].FilteredAttributes) != fmt.Sprint([]attribute.KeyValue{attribute.String("user", "u")}) {
			t.Errorf("cycle %d: observable counter exemplars %+v, want one of this cycle's value with the filtered-out attribute and no span", cycle, ex)
		}
		if cycle == 0 {
			if ex := exemplarsOf(t, metricNamed(t, rm, "og")); len(ex) != 1 || ex[0].Value != 2.5 {
				t.Errorf("observable gauge exemplars %+v, want one of 2.5", ex)
			}
		}
		var sampledRM metricdata.ResourceMetrics
		if err := traceBased.Collect(spanContext(true), &sampledRM); err != nil {
			t.Fatal(err)
		}
		if ex := exemplarsOf(t, metricNamed(t, sampledRM, "oc")); len(ex) != 0 {
			t.Errorf("trace-based filter sampled an observation: %+v", ex)
		}
	}
}

// A view asking for AggregationDefault is the default aggregation, so the
// instrument's advisory boundaries apply (the specification: advisory
// parameters are used whenever the default aggregation is); the official SDK
// uses the default boundaries there. A deliberate difference, listed in
// conformance/fastmeter_sdk_test.go.
func TestViewDefaultAggregationKeepsAdvisoryBoundaries(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithView(
		fastmeter.NewView(fastmeter.Instrument{Name: "h"}, fastmeter.Stream{Aggregation: fastmeter.AggregationDefault{}})))
	h, err := mp.Meter("x").Float64Histogram("h", metric.WithExplicitBucketBoundaries(1, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	h.Record(context.Background(), 1.5)
	hist, ok := metricNamed(t, collect(t, r), "h").Data.(metricdata.Histogram[float64])
	if !ok || len(hist.DataPoints) != 1 || !slices.Equal(hist.DataPoints[0].Bounds, []float64{1, 2, 3}) {
		t.Fatalf("got %+v, want one point with the advisory boundaries [1 2 3]", hist)
	}
}
