package conformance

// Differential tests of MAP attribute values with duplicate keys. The
// official SDK v1.47.0 normalises every measurement's attributes and every
// instrumentation scope's attributes so each map key appears once, keeping
// the value given last, also inside SLICE values and nested maps:
// Map("m", a=1, a=2) and Map("m", a=2) are one series, exported with the
// normalised map. fastmeter must agree on every instrument kind, temporality,
// bound handle, exemplar and scope.

import (
	"context"
	"slices"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/x"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/fastmeter/fastmeter"
)

var (
	// dedupMapRaw repeats key a (the last value, 2, wins), given in two orders.
	dedupMapRaw = []attribute.KeyValue{
		attribute.Map("m", attribute.Int("a", 1), attribute.String("z", "q"), attribute.Int("a", 2)),
		attribute.String("route", "/a"),
	}
	dedupMapRaw2 = []attribute.KeyValue{
		attribute.Map("m", attribute.Int("a", 7), attribute.Int("a", 2), attribute.String("z", "q")),
		attribute.String("route", "/a"),
	}
	dedupMapNorm = []attribute.KeyValue{
		attribute.Map("m", attribute.Int("a", 2), attribute.String("z", "q")),
		attribute.String("route", "/a"),
	}
	// dedupNestedRaw hides duplicates in a slice of maps and a map in a map.
	dedupNestedRaw = []attribute.KeyValue{
		attribute.Slice("s",
			attribute.MapValue(attribute.String("k", "x"), attribute.String("k", "y")),
			attribute.IntValue(3),
			attribute.MapValue(attribute.Map("in", attribute.Bool("b", false), attribute.Bool("b", true))),
		),
		attribute.String("route", "/b"),
	}
	dedupNestedNorm = []attribute.KeyValue{
		attribute.Slice("s",
			attribute.MapValue(attribute.String("k", "y")),
			attribute.IntValue(3),
			attribute.MapValue(attribute.Map("in", attribute.Bool("b", true))),
		),
		attribute.String("route", "/b"),
	}
)

// dedupWorkload creates one instrument of each kind that matters here (sync
// counter, up-down counter, histogram, exponential histogram through a view,
// gauge; observable counter and gauge) and records, before each collection,
// the raw sets, their normalised forms and bound handles on the raw sets.
// Collection 1 records nothing, so delta series are retired and bound
// handles must find (and normalise) a fresh series in collection 2.
func dedupWorkload(t *testing.T, m metric.Meter) func(int) {
	ctx := context.Background()
	counter, err1 := m.Int64Counter("counter")
	updown, err2 := m.Float64UpDownCounter("updown")
	hist, err3 := m.Float64Histogram("histogram")
	exph, err4 := m.Int64Histogram("exphist")
	gauge, err5 := m.Int64Gauge("gauge")
	for _, err := range []error{err1, err2, err3, err4, err5} {
		if err != nil {
			t.Fatal(err)
		}
	}
	cycle := 0
	observe := func(o metric.Observer, ints []metric.Int64Observable, floats []metric.Float64Observable) {
		if cycle == 1 {
			return
		}
		for i, kvs := range [][]attribute.KeyValue{dedupMapRaw, dedupMapNorm, dedupNestedRaw, dedupMapRaw2} {
			set := metric.WithAttributeSet(attribute.NewSet(kvs...))
			for _, in := range ints {
				o.ObserveInt64(in, int64(10*cycle+i+1), set)
			}
			for _, in := range floats {
				o.ObserveFloat64(in, float64(cycle+i)+0.5, metric.WithAttributes(kvs...))
			}
		}
	}
	ocounter, err1 := m.Int64ObservableCounter("ocounter")
	ogauge, err2 := m.Float64ObservableGauge("ogauge")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if _, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		observe(o, []metric.Int64Observable{ocounter}, []metric.Float64Observable{ogauge})
		return nil
	}, ocounter, ogauge); err != nil {
		t.Fatal(err)
	}
	boundCounter := fastmeter.BindAdder[int64](counter, attribute.NewSet(dedupNestedRaw...))
	boundUpdown := fastmeter.BindAdder[float64](updown, attribute.NewSet(dedupMapRaw...))
	boundHist := fastmeter.BindRecorder[float64](hist, attribute.NewSet(dedupNestedRaw...))
	boundGauge := fastmeter.BindRecorder[int64](gauge, attribute.NewSet(dedupMapRaw2...))
	return func(c int) {
		cycle = c
		if c == 1 {
			return
		}
		v := int64(c + 1)
		for i, kvs := range [][]attribute.KeyValue{dedupMapRaw, dedupNestedRaw, dedupMapNorm, dedupMapRaw2, dedupNestedNorm} {
			set := attribute.NewSet(kvs...)
			// Alternate a precomputed set and a list of key-values.
			add, rec := metric.WithAttributeSet(set), metric.WithAttributeSet(set)
			if i%2 == 1 {
				add, rec = metric.WithAttributes(kvs...), metric.WithAttributes(kvs...)
			}
			counter.Add(ctx, v, add)
			updown.Add(ctx, -0.5*float64(v), add)
			hist.Record(ctx, float64(i)+0.25, rec)
			exph.Record(ctx, int64(i+1), rec)
			gauge.Record(ctx, 10*v+int64(i), rec)
		}
		boundCounter.Add(ctx, 100)
		boundUpdown.Add(ctx, 0.25)
		boundHist.Record(ctx, 7)
		boundGauge.Record(ctx, -1)
	}
}

// dedupCheck guards against a vacuous comparison: in the official SDK's
// first collection every metric has exactly the two normalised sets.
func dedupCheck(t *testing.T, got [][]metricdata.ResourceMetrics) {
	t.Helper()
	nested, flat := attribute.NewSet(dedupNestedNorm...), attribute.NewSet(dedupMapNorm...)
	want := []string{nested.Encoded(attribute.DefaultEncoder()), flat.Encoded(attribute.DefaultEncoder())}
	slices.Sort(want)
	for _, name := range []string{"counter", "updown", "histogram", "gauge", "ocounter", "ogauge"} {
		g := attrsOf(got[0][0], name)
		slices.Sort(g)
		if !slices.Equal(g, want) {
			t.Errorf("official SDK: %s has sets %q, the scenario expects %q", name, g, want)
		}
	}
}

func TestDuplicateMapKeys(t *testing.T) {
	bothTemporalities := []sdkmetric.TemporalitySelector{sdkmetric.CumulativeTemporalitySelector, allDelta}
	exponential := sdkmetric.NewView(sdkmetric.Instrument{Name: "exphist"},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}})
	// Drop route, so exemplars carry it as a filtered attribute, and give
	// every stream a reservoir larger than a cycle's measurements per
	// series, so which exemplars are kept does not depend on random sampling.
	exemplarView := func(deny ...attribute.Key) sdkmetric.View {
		return sdkmetric.NewView(sdkmetric.Instrument{Name: "*"}, sdkmetric.Stream{
			AttributeFilter: attribute.NewDenyKeysFilter(deny...),
			ExemplarReservoirProviderSelector: func(sdkmetric.Aggregation) exemplar.ReservoirProvider {
				return exemplar.FixedSizeReservoirProvider(16)
			},
		})
	}
	wantExemplars := func(t *testing.T, got [][]metricdata.ResourceMetrics) {
		if n := exemplarCount(got[0][0]); n == 0 {
			t.Fatal("official SDK: no exemplars; the scenario expects some")
		}
	}
	limit := 3 // two sets + overflow: a raw set must not take a slot of its own
	runXScenarios(t, []xScenario{
		{
			name:   "cumulative and delta readers",
			cfg:    xConfig{readers: bothTemporalities, views: []sdkmetric.View{exponential}},
			cycles: 4, setup: dedupWorkload, check: dedupCheck,
		},
		{
			// One cumulative reader: a bound counter updates its series'
			// cell directly (found through the table once).
			name:   "cumulative reader only",
			cfg:    xConfig{views: []sdkmetric.View{exponential}},
			cycles: 3, setup: dedupWorkload, check: dedupCheck,
		},
		{
			name:   "cardinality limit",
			cfg:    xConfig{readers: bothTemporalities, limit: &limit},
			cycles: 4, setup: dedupWorkload, check: dedupCheck,
		},
		{
			// The series keep the maps: the reservoir is made for the
			// normalised set.
			name:   "AlwaysOn exemplars, filter drops route",
			cfg:    xConfig{filter: exemplar.AlwaysOnFilter, readers: bothTemporalities, views: []sdkmetric.View{exemplarView("route")}},
			cycles: 3, setup: dedupWorkload, check: wantExemplars,
		},
		{
			// The maps are dropped: exemplars carry them, normalised, as
			// filtered attributes.
			name:   "AlwaysOn exemplars, filter drops the maps",
			cfg:    xConfig{filter: exemplar.AlwaysOnFilter, readers: bothTemporalities, views: []sdkmetric.View{exemplarView("m", "s")}},
			cycles: 3, setup: dedupWorkload, check: wantExemplars,
		},
		{
			// The default reservoir of an explicit histogram samples per
			// bucket; with every measurement in a bucket of its own the
			// result is deterministic, so no view replaces the reservoirs.
			name: "AlwaysOn exemplars in default histogram reservoirs, filter drops the maps",
			cfg: xConfig{filter: exemplar.AlwaysOnFilter, readers: bothTemporalities, views: []sdkmetric.View{
				sdkmetric.NewView(sdkmetric.Instrument{Name: "histogram"}, sdkmetric.Stream{AttributeFilter: attribute.NewDenyKeysFilter("m", "s")}),
			}},
			cycles: 3,
			setup: func(t *testing.T, m metric.Meter) func(int) {
				h, err := m.Float64Histogram("histogram")
				if err != nil {
					t.Fatal(err)
				}
				// One value per default bucket: (0,5], (5,10], (10,25], ...
				values := []float64{1, 7, 20, 30, 60, 80, 200, 300, 600, 800, 2000, 3000}
				return func(c int) {
					for i, kvs := range [][]attribute.KeyValue{dedupMapRaw, dedupNestedRaw, dedupMapNorm, dedupMapRaw2} {
						h.Record(context.Background(), values[4*c+i], metric.WithAttributes(kvs...))
					}
				}
			},
			check: func(t *testing.T, got [][]metricdata.ResourceMetrics) {
				n := 0
				for _, m := range flatten(got[0][0]) {
					for _, p := range m.Data.(metricdata.Histogram[float64]).DataPoints {
						for _, e := range p.Exemplars {
							if len(e.FilteredAttributes) > 0 {
								n++
							}
						}
					}
				}
				if n == 0 {
					t.Fatal("official SDK: no exemplar with filtered attributes; the scenario expects some")
				}
			},
		},
		{
			name: "WithUnsafeAttributes",
			cfg:  xConfig{readers: bothTemporalities},
			setup: func(t *testing.T, m metric.Meter) func(int) {
				c, err := m.Int64Counter("counter")
				if err != nil {
					t.Fatal(err)
				}
				return func(int) {
					ctx := context.Background()
					c.Add(ctx, 1, x.WithUnsafeAttributes(dedupMapRaw...))
					c.Add(ctx, 2, x.WithUnsafeAttributes(dedupMapNorm...))
					c.Add(ctx, 4, metric.WithAttributes(dedupNestedNorm[1]), x.WithUnsafeAttributes(dedupNestedRaw[0]))
					c.Add(ctx, 8, x.WithUnsafeAttributes(dedupNestedNorm...))
				}
			},
			check: func(t *testing.T, got [][]metricdata.ResourceMetrics) {
				if n := len(attrsOf(got[0][0], "counter")); n != 2 {
					t.Fatalf("official SDK: %d series, the scenario expects 2", n)
				}
			},
		},
	})
}

// Scope attributes are normalised too: meters whose scopes differ only by a
// duplicate map key are one meter with one scope.
func TestDuplicateMapKeysInScopeAttributes(t *testing.T) {
	var ref metricdata.ResourceMetrics
	for _, p := range xProviders(t, xConfig{}) {
		m1 := p.mp.Meter("dedup.scope", metric.WithInstrumentationAttributes(dedupMapRaw...))
		m2 := p.mp.Meter("dedup.scope", metric.WithInstrumentationAttributes(dedupMapNorm...))
		m3 := p.mp.Meter("dedup.scope", metric.WithInstrumentationAttributes(dedupMapRaw2...))
		if m1 != m2 || m2 != m3 {
			t.Errorf("%s: the scopes are distinct meters", p.name)
		}
		for i, m := range []metric.Meter{m1, m2, m3} {
			c, err := m.Int64Counter("scoped")
			if err != nil {
				t.Fatal(err)
			}
			c.Add(context.Background(), int64(i+1))
		}
		var rm metricdata.ResourceMetrics
		if err := p.collect[0](context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		if p.name == "official" {
			ref = rm
			if len(rm.ScopeMetrics) != 1 {
				t.Fatalf("official SDK: %d scopes, the scenario expects 1", len(rm.ScopeMetrics))
			}
			continue
		}
		metricdatatest.AssertEqual(t, ref, rm, metricdatatest.IgnoreTimestamp())
	}
}
