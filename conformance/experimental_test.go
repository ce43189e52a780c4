package conformance

// Differential tests of what the official SDK v1.47.0 does beyond the
// stable API: the experimental options of go.opentelemetry.io/otel/metric/x
// (WithUnsafeAttributes, WithDefaultAttributes), the OTEL_GO_X_CARDINALITY_LIMIT
// variable, and exemplars of observable instruments. Every scenario runs on
// both SDKs and fastmeter's collections must equal the official SDK's.

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/x"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.opentelemetry.io/otel/trace"

	"github.com/fastmeter/fastmeter"
)

// xConfig configures both SDKs' providers for one scenario.
type xConfig struct {
	filter exemplar.Filter // nil: the SDK's default (trace-based)
	views  []sdkmetric.View
	// readers: one ManualReader per temporality selector; none means one
	// reader with the default selector.
	readers []sdkmetric.TemporalitySelector
	// limit, if non-nil, is passed to WithCardinalityLimit.
	limit *int
	// ctx is the context of every collection; nil means Background.
	ctx context.Context
}

type xProvider struct {
	name    string
	mp      metric.MeterProvider
	collect []func(context.Context, *metricdata.ResourceMetrics) error
}

// xProviders builds the official provider (first) and fastmeter's.
func xProviders(t *testing.T, cfg xConfig) []xProvider {
	t.Helper()
	readers := cfg.readers
	if len(readers) == 0 {
		readers = []sdkmetric.TemporalitySelector{sdkmetric.DefaultTemporalitySelector}
	}
	official := xProvider{name: "official"}
	oopts := []sdkmetric.Option{sdkmetric.WithView(cfg.views...)}
	fast := xProvider{name: "fastmeter"}
	fopts := []fastmeter.Option{fastmeter.WithView(cfg.views...)}
	for _, sel := range readers {
		or := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(sel))
		official.collect = append(official.collect, or.Collect)
		oopts = append(oopts, sdkmetric.WithReader(or))
		fr := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(sel))
		fast.collect = append(fast.collect, fr.Collect)
		fopts = append(fopts, fastmeter.WithReader(fr))
	}
	if cfg.filter != nil {
		oopts = append(oopts, sdkmetric.WithExemplarFilter(cfg.filter))
		fopts = append(fopts, fastmeter.WithExemplarFilter(cfg.filter))
	}
	if cfg.limit != nil {
		oopts = append(oopts, sdkmetric.WithCardinalityLimit(*cfg.limit))
		fopts = append(fopts, fastmeter.WithCardinalityLimit(*cfg.limit))
	}
	omp, fmp := sdkmetric.NewMeterProvider(oopts...), fastmeter.NewMeterProvider(fopts...)
	t.Cleanup(func() {
		_ = omp.Shutdown(context.Background())
		_ = fmp.Shutdown(context.Background())
	})
	official.mp, fast.mp = omp, fmp
	return []xProvider{official, fast}
}

// xScenario is one differential scenario: setup creates instruments (and
// callbacks) and returns what to record before each collection; check, if
// set, asserts a property of the official SDK's result, so a scenario cannot
// pass by both SDKs producing nothing.
type xScenario struct {
	name   string
	cfg    xConfig
	cycles int // collections per reader; 0 means 1
	setup  func(t *testing.T, m metric.Meter) (beforeCollect func(cycle int))
	check  func(t *testing.T, got [][]metricdata.ResourceMetrics)
}

// runXScenarios runs every scenario on both SDKs and asserts that every
// collection of every reader equals the official SDK's.
func runXScenarios(t *testing.T, scenarios []xScenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			cycles := max(sc.cycles, 1)
			ctx := sc.cfg.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			var ref [][]metricdata.ResourceMetrics // [cycle][reader]
			for _, p := range xProviders(t, sc.cfg) {
				before := sc.setup(t, p.mp.Meter("experimental"))
				var got [][]metricdata.ResourceMetrics
				for c := range cycles {
					if before != nil {
						before(c)
					}
					var round []metricdata.ResourceMetrics
					for i, collect := range p.collect {
						var rm metricdata.ResourceMetrics
						if err := collect(ctx, &rm); err != nil {
							t.Fatalf("%s: Collect(reader %d): %v", p.name, i, err)
						}
						round = append(round, rm)
					}
					got = append(got, round)
				}
				if ref == nil {
					ref = got
					if sc.check != nil {
						sc.check(t, got)
					}
					continue
				}
				for c := range cycles {
					for i := range got[c] {
						if !metricdatatest.AssertEqual(t, ref[c][i], got[c][i], metricdatatest.IgnoreTimestamp()) {
							t.Errorf("%s differs from the official SDK in collection %d of reader %d", p.name, c, i)
						}
					}
				}
			}
		})
	}
}

// attrsOf returns the encoded attribute sets of every point of the metric
// called name.
func attrsOf(rm metricdata.ResourceMetrics, name string) []string {
	var out []string
	enc := attribute.DefaultEncoder()
	for _, m := range flatten(rm) {
		if m.Name != name {
			continue
		}
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			for _, p := range d.DataPoints {
				out = append(out, p.Attributes.Encoded(enc))
			}
		case metricdata.Sum[float64]:
			for _, p := range d.DataPoints {
				out = append(out, p.Attributes.Encoded(enc))
			}
		case metricdata.Gauge[int64]:
			for _, p := range d.DataPoints {
				out = append(out, p.Attributes.Encoded(enc))
			}
		case metricdata.Gauge[float64]:
			for _, p := range d.DataPoints {
				out = append(out, p.Attributes.Encoded(enc))
			}
		case metricdata.Histogram[float64]:
			for _, p := range d.DataPoints {
				out = append(out, p.Attributes.Encoded(enc))
			}
		}
	}
	return out
}

// exemplarCount counts the exemplars of every point in rm.
func exemplarCount(rm metricdata.ResourceMetrics) int {
	n := 0
	for _, m := range flatten(rm) {
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			for _, p := range d.DataPoints {
				n += len(p.Exemplars)
			}
		case metricdata.Sum[float64]:
			for _, p := range d.DataPoints {
				n += len(p.Exemplars)
			}
		case metricdata.Gauge[int64]:
			for _, p := range d.DataPoints {
				n += len(p.Exemplars)
			}
		case metricdata.Gauge[float64]:
			for _, p := range d.DataPoints {
				n += len(p.Exemplars)
			}
		}
	}
	return n
}

func wantAttrs(name string, want ...string) func(t *testing.T, got [][]metricdata.ResourceMetrics) {
	return func(t *testing.T, got [][]metricdata.ResourceMetrics) {
		t.Helper()
		g := attrsOf(got[0][0], name)
		slices.Sort(g)
		if fmt.Sprint(g) != fmt.Sprint(want) {
			t.Fatalf("official SDK: %s has sets %q, the scenario expects %q", name, g, want)
		}
	}
}

func TestExperimentalUnsafeAttributes(t *testing.T) {
	ctx := context.Background()
	str := attribute.String
	raw := func(kvs ...attribute.KeyValue) metric.MeasurementOption { return x.WithUnsafeAttributes(kvs...) }
	runXScenarios(t, []xScenario{
		{
			name: "Add: raw attributes only, on every sync instrument",
			setup: func(t *testing.T, m metric.Meter) func(int) {
				ic, _ := m.Int64Counter("ic")
				fc, _ := m.Float64Counter("fc")
				iu, _ := m.Int64UpDownCounter("iu")
				fu, _ := m.Float64UpDownCounter("fu")
				ih, _ := m.Int64Histogram("ih")
				fh, _ := m.Float64Histogram("fh")
				ig, _ := m.Int64Gauge("ig")
				fg, _ := m.Float64Gauge("fg")
				return func(int) {
					for _, route := range []string{"/a", "/b", "/a"} {
						o := raw(str("route", route))
						ic.Add(ctx, 1, o)
						fc.Add(ctx, 1.5, o)
						iu.Add(ctx, -2, o)
						fu.Add(ctx, -2.5, o)
						ih.Record(ctx, 3, o)
						fh.Record(ctx, 3.5, o)
						ig.Record(ctx, 4, o)
						fg.Record(ctx, 4.5, o)
					}
				}
			},
			check: wantAttrs("ic", "route=/a", "route=/b"),
		},
		{
			name: "raw attributes override WithAttributes for the same key, in either order",
			setup: func(t *testing.T, m metric.Meter) func(int) {
				c, _ := m.Int64Counter("c")
				h, _ := m.Float64Histogram("h")
				return func(int) {
					c.Add(ctx, 1, metric.WithAttributes(str("route", "/std"), str("code", "200")), raw(str("route", "/raw")))
					c.Add(ctx, 2, raw(str("route", "/raw")), metric.WithAttributes(str("route", "/std"), str("code", "200")))
					c.Add(ctx, 4, metric.WithAttributeSet(attribute.NewSet(str("code", "500"))), raw(str("route", "/x")))
					h.Record(ctx, 1, raw(str("route", "/raw")), metric.WithAttributes(str("route", "/std")))
				}
			},
			check: wantAttrs("c", "code=200,route=/raw", "code=500,route=/x"),
		},
		{
			name: "several raw options: later ones win, duplicates within one option too",
			setup: func(t *testing.T, m metric.Meter) func(int) {
				c, _ := m.Float64Counter("c")
				return func(int) {
					c.Add(ctx, 1, raw(str("k", "1"), str("k", "2")), raw(str("k", "3"), str("j", "j")))
					c.Add(ctx, 1, raw(), metric.WithAttributes(str("k", "std")))
					c.Add(ctx, 1, raw())
				}
			},
			check: wantAttrs("c", "", "j=j,k=3", "k=std"),
		},
		{
			name: "raw attributes pass through a view's attribute filter",
			cfg: xConfig{views: []sdkmetric.View{sdkmetric.NewView(sdkmetric.Instrument{Name: "c"},
				sdkmetric.Stream{AttributeFilter: attribute.NewAllowKeysFilter("route")})}},
			setup: func(t *testing.T, m metric.Meter) func(int) {
				c, _ := m.Int64Counter("c")
				return func(int) { c.Add(ctx, 1, raw(str("route", "/a"), str("user", "u1"))) }
			},
			check: wantAttrs("c", "route=/a"),
		},
		{
			name:   "two readers (several streams), delta and cumulative, two collections",
			cfg:    xConfig{readers: []sdkmetric.TemporalitySelector{sdkmetric.DefaultTemporalitySelector, allDelta}},
			cycles: 2,
			setup: func(t *testing.T, m metric.Meter) func(int) {
				c, _ := m.Int64Counter("c")
				g, _ := m.Float64Gauge("g")
				return func(cycle int) {
					c.Add(ctx, int64(cycle+1), raw(str("cycle", "any")))
					g.Record(ctx, float64(cycle), raw(str("cycle", fmt.Sprint(cycle))))
				}
			},
			check: wantAttrs("c", "cycle=any"),
		},
		{
			name:   "Observe: instrument callbacks and RegisterCallback",
			cfg:    xConfig{readers: []sdkmetric.TemporalitySelector{sdkmetric.DefaultTemporalitySelector, allDelta}},
			cycles: 2,
			setup: func(t *testing.T, m metric.Meter) func(int) {
				cycle := 0
				_, _ = m.Int64ObservableCounter("oc", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
					o.Observe(int64(10*(cycle+1)), raw(str("route", "/a")))
					o.Observe(5, metric.WithAttributes(str("route", "/std")), raw(str("route", "/b")))
					return nil
				}))
				_, _ = m.Float64ObservableGauge("og", metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
					o.Observe(1.5, raw(str("host", "h1")))
					return nil
				}))
				ou, _ := m.Float64ObservableUpDownCounter("ou")
				og2, _ := m.Int64ObservableGauge("og2")
				_, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
					o.ObserveFloat64(ou, -2.5, raw(str("route", "/multi")))
					o.ObserveInt64(og2, 7, metric.WithAttributes(str("a", "1")), raw(str("b", "2")))
					return nil
				}, ou, og2)
				if err != nil {
					t.Fatal(err)
				}
				return func(c int) { cycle = c }
			},
			check: wantAttrs("oc", "route=/a", "route=/b"),
		},
	})
}

func TestExperimentalDefaultAttributes(t *testing.T) {
	ctx := context.Background()
	str := attribute.String
	all := metric.WithAttributes(str("keep", "k"), str("also", "a"), str("drop", "d"))
	runXScenarios(t, []xScenario{
		{
			name: "advisory keys filter every sync instrument",
			setup: func(t *testing.T, m metric.Meter) func(int) {
				keys := x.WithDefaultAttributes("keep", "also")
				ic, _ := m.Int64Counter("ic", keys)
				fc, _ := m.Float64Counter("fc", keys)
				iu, _ := m.Int64UpDownCounter("iu", keys)
				fu, _ := m.Float64UpDownCounter("fu", keys)
				ih, _ := m.Int64Histogram("ih", keys)
				fh, _ := m.Float64Histogram("fh", keys, metric.WithExplicitBucketBoundaries(1, 2))
				ig, _ := m.Int64Gauge("ig", keys)
				fg, _ := m.Float64Gauge("fg", keys)
				return func(int) {
					ic.Add(ctx, 1, all)
					fc.Add(ctx, 1, all)
					iu.Add(ctx, 1, all)
					fu.Add(ctx, 1, all)
					ih.Record(ctx, 1, all)
					fh.Record(ctx, 1, all)
					ig.Record(ctx, 1, all)
					fg.Record(ctx, 1, all)
				}
			},
			check: wantAttrs("fh", "also=a,keep=k"),
		},
		{
			name: "no keys keeps none; several options add up",
			setup: func(t *testing.T, m metric.Meter) func(int) {
				none, _ := m.Int64Counter("none", x.WithDefaultAttributes())
				two, _ := m.Int64Counter("two", x.WithDefaultAttributes("keep"), x.WithDefaultAttributes("also"))
				plain, _ := m.Int64Counter("plain")
				return func(int) {
					for _, c := range []metric.Int64Counter{none, two, plain} {
						c.Add(ctx, 1, all)
						c.Add(ctx, 1, metric.WithAttributes(str("drop", "x")))
					}
				}
			},
			check: wantAttrs("none", ""),
		},
		{
			name: "a view's attribute filter beats the advisory keys; a view without one keeps them",
			cfg: xConfig{views: []sdkmetric.View{
				sdkmetric.NewView(sdkmetric.Instrument{Name: "filtered"}, sdkmetric.Stream{AttributeFilter: attribute.NewAllowKeysFilter("drop")}),
				sdkmetric.NewView(sdkmetric.Instrument{Name: "renamed"}, sdkmetric.Stream{Name: "renamed.stream"}),
				sdkmetric.NewView(sdkmetric.Instrument{Name: "renamed"}, sdkmetric.Stream{Name: "renamed.all", AttributeFilter: func(attribute.KeyValue) bool { return true }}),
			}},
			setup: func(t *testing.T, m metric.Meter) func(int) {
				keys := x.WithDefaultAttributes("keep")
				f, _ := m.Int64Counter("filtered", keys)
				r, _ := m.Float64Histogram("renamed", keys)
				return func(int) {
					f.Add(ctx, 1, all)
					r.Record(ctx, 1, all)
				}
			},
			check: wantAttrs("renamed.stream", "keep=k"),
		},
		{
			name:   "observable instruments",
			cfg:    xConfig{readers: []sdkmetric.TemporalitySelector{sdkmetric.DefaultTemporalitySelector, allDelta}},
			cycles: 2,
			setup: func(t *testing.T, m metric.Meter) func(int) {
				keys := x.WithDefaultAttributes("keep")
				_, _ = m.Int64ObservableCounter("oc", keys, metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
					o.Observe(3, all)
					o.Observe(4, metric.WithAttributes(str("keep", "k"), str("drop", "other")))
					return nil
				}))
				_, _ = m.Float64ObservableGauge("og", keys, metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
					o.Observe(1.5, all)
					return nil
				}))
				ou, _ := m.Float64ObservableUpDownCounter("ou", x.WithDefaultAttributes())
				if _, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
					o.ObserveFloat64(ou, -1, all)
					return nil
				}, ou); err != nil {
					t.Fatal(err)
				}
				return nil
			},
			check: wantAttrs("oc", "keep=k"),
		},
	})
}

func TestCardinalityLimitFromEnvironment(t *testing.T) {
	ctx := context.Background()
	overLimit := func(t *testing.T, m metric.Meter) func(int) {
		c, _ := m.Int64Counter("c")
		_, _ = m.Int64ObservableGauge("g", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			for i := range 6 {
				o.Observe(int64(i), metric.WithAttributes(attribute.Int("i", i)))
			}
			return nil
		}))
		return func(int) {
			for i := range 6 {
				c.Add(ctx, 1, metric.WithAttributes(attribute.Int("i", i)))
			}
		}
	}
	seriesOfC := func(want int) func(t *testing.T, got [][]metricdata.ResourceMetrics) {
		return func(t *testing.T, got [][]metricdata.ResourceMetrics) {
			t.Helper()
			if n := len(attrsOf(got[0][0], "c")); n != want {
				t.Fatalf("official SDK: %d series, the scenario expects %d", n, want)
			}
		}
	}
	limit := func(n int) *int { return &n }
	for _, tc := range []struct {
		env        string
		limit      *int
		wantSeries int
	}{
		{env: "3", wantSeries: 3},
		{env: " 4 ", wantSeries: 4},
		{env: "0", wantSeries: 6},
		{env: "-1", wantSeries: 6},
		{env: "3", limit: limit(5), wantSeries: 5},
		{env: "3", limit: limit(0), wantSeries: 6},
		{env: "", wantSeries: 6},
	} {
		t.Run(fmt.Sprintf("env=%q,WithCardinalityLimit=%v", tc.env, tc.limit), func(t *testing.T) {
			t.Setenv("OTEL_GO_X_CARDINALITY_LIMIT", tc.env)
			runXScenarios(t, []xScenario{{
				name: "limit", cfg: xConfig{limit: tc.limit}, cycles: 2,
				setup: overLimit, check: seriesOfC(tc.wantSeries),
			}})
		})
	}
	t.Run("invalid value: reported, default limit", func(t *testing.T) {
		bad := uniqueName("not-a-number")
		t.Setenv("OTEL_GO_X_CARDINALITY_LIMIT", bad)
		runXScenarios(t, []xScenario{{name: "limit", setup: overLimit, check: seriesOfC(6)}})
		if !globalLogMentions("fastmeter", "OTEL_GO_X_CARDINALITY_LIMIT", bad) {
			t.Errorf("fastmeter did not report the invalid OTEL_GO_X_CARDINALITY_LIMIT through otel.Handle")
		}
		if !globalLogMentions("strconv.Atoi", bad) {
			t.Errorf("the official SDK no longer reports the invalid value; revisit this scenario")
		}
	})
}

func TestObservableExemplars(t *testing.T) {
	str := attribute.String
	sampled := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6}, TraceFlags: trace.FlagsSampled,
	}))
	// observeAll registers one observable of every kind, observing once
	// per set and cycle (so which observation a reservoir keeps is
	// deterministic), plus one RegisterCallback observation.
	observeAll := func(t *testing.T, m metric.Meter) func(int) {
		cycle := 0
		attrs := metric.WithAttributes(str("route", "/a"), str("user", "u1"))
		_, _ = m.Int64ObservableCounter("ioc", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(int64(10*(cycle+1)), attrs)
			o.Observe(3)
			return nil
		}))
		_, _ = m.Float64ObservableCounter("foc", metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
			o.Observe(float64(cycle)+0.5, attrs)
			return nil
		}))
		_, _ = m.Int64ObservableUpDownCounter("iou", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(-int64(cycle), attrs)
			return nil
		}))
		_, _ = m.Float64ObservableUpDownCounter("fou", metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
			o.Observe(-1.5, attrs)
			return nil
		}))
		_, _ = m.Int64ObservableGauge("iog", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(int64(cycle), attrs)
			return nil
		}))
		fog, _ := m.Float64ObservableGauge("fog")
		if _, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
			if cycle != 1 { // a set missing from a cycle has neither point nor exemplar
				o.ObserveFloat64(fog, 2.5, attrs)
			}
			return nil
		}, fog); err != nil {
			t.Fatal(err)
		}
		return func(c int) { cycle = c }
	}
	bothTemporalities := []sdkmetric.TemporalitySelector{sdkmetric.DefaultTemporalitySelector, allDelta}
	filterRoute := []sdkmetric.View{sdkmetric.NewView(sdkmetric.Instrument{Name: "*"},
		sdkmetric.Stream{AttributeFilter: attribute.NewAllowKeysFilter("route")})}
	wantExemplars := func(want int) func(t *testing.T, got [][]metricdata.ResourceMetrics) {
		return func(t *testing.T, got [][]metricdata.ResourceMetrics) {
			t.Helper()
			if n := exemplarCount(got[0][0]); n != want {
				t.Fatalf("official SDK: %d exemplars in the first collection, the scenario expects %d", n, want)
			}
		}
	}
	var filterSawSpan bool
	runXScenarios(t, []xScenario{
		{
			name:   "AlwaysOn: one exemplar per observation, fresh every cycle",
			cfg:    xConfig{filter: exemplar.AlwaysOnFilter, readers: bothTemporalities},
			cycles: 3, setup: observeAll, check: wantExemplars(7),
		},
		{
			name:   "AlwaysOn with an attribute filter: dropped attributes in the exemplar",
			cfg:    xConfig{filter: exemplar.AlwaysOnFilter, readers: bothTemporalities, views: filterRoute},
			cycles: 2, setup: observeAll, check: wantExemplars(7),
		},
		{
			name: "AlwaysOn with exemplars of a custom reservoir and a Drop view",
			cfg: xConfig{filter: exemplar.AlwaysOnFilter, views: []sdkmetric.View{
				sdkmetric.NewView(sdkmetric.Instrument{Name: "ioc"}, sdkmetric.Stream{
					ExemplarReservoirProviderSelector: func(sdkmetric.Aggregation) exemplar.ReservoirProvider {
						return exemplar.FixedSizeReservoirProvider(1)
					},
				}),
				sdkmetric.NewView(sdkmetric.Instrument{Name: "foc"}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}}),
			}},
			setup: observeAll, check: wantExemplars(6),
		},
		{
			// The official SDK observes with context.Background(), not
			// the callback's context: the trace-based filter never
			// samples an observation, even inside a sampled span.
			name:   "trace-based (the default): none, even when collecting in a sampled span",
			cfg:    xConfig{readers: bothTemporalities, ctx: sampled},
			cycles: 2,
			setup: func(t *testing.T, m metric.Meter) func(int) {
				_, _ = m.Int64ObservableCounter("in.span", metric.WithInt64Callback(func(ctx context.Context, o metric.Int64Observer) error {
					if !trace.SpanContextFromContext(ctx).IsSampled() {
						t.Error("the callback's context lost the collection's span")
					}
					o.Observe(1)
					return nil
				}))
				return observeAll(t, m)
			},
			check: wantExemplars(0),
		},
		{
			name:   "AlwaysOn, collecting in a sampled span: exemplars without the span",
			cfg:    xConfig{filter: exemplar.AlwaysOnFilter, readers: bothTemporalities, ctx: sampled},
			cycles: 2, setup: observeAll, check: wantExemplars(7),
		},
		{
			name: "a custom filter is offered observations with a spanless context",
			cfg: xConfig{ctx: sampled, filter: func(ctx context.Context) bool {
				if trace.SpanContextFromContext(ctx).IsValid() {
					filterSawSpan = true
				}
				return true
			}},
			setup: observeAll, check: wantExemplars(7),
		},
	})
	if filterSawSpan {
		t.Error("an exemplar filter saw a span in an observation's context")
	}
}
