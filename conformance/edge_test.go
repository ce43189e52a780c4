package conformance

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
)

// outcome is what an edge scenario observed: the collections it made (with
// their errors, as text presence) and anything else worth comparing.
type outcome struct {
	collections []metricdata.ResourceMetrics
	errs        []bool // errs[i]: collection i (or step i) returned an error
	// summary replaces collections where comparing every point with
	// metricdatatest would be quadratic (thousands of points).
	summary string
}

// edgeCase is a scenario whose expected result is "whatever the official
// SDK does": corners where reading the official code is the spec.
type edgeCase struct {
	name string
	cfg  providerConfig
	run  func(t *testing.T, h manualHarness) outcome
}

// runEdgeCases runs every case on every SDK and asserts each SDK's outcome
// equals the official SDK's (data with metricdatatest, timestamps ignored).
func runEdgeCases(t *testing.T, cases []edgeCase) {
	t.Helper()
	ref := map[string]outcome{}
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, tc := range cases {
			run(t, tc.name, func(t *testing.T) {
				got := tc.run(t, s.manual(t, tc.cfg))
				if s.name == "official" {
					ref[tc.name] = got
					return
				}
				want, ok := ref[tc.name]
				if !ok {
					t.Skip("official SDK did not run")
				}
				if got.summary != want.summary {
					t.Errorf("summary %s, official %s", got.summary, want.summary)
				}
				if fmt.Sprint(got.errs) != fmt.Sprint(want.errs) {
					t.Errorf("errors %v, official %v", got.errs, want.errs)
				}
				if len(got.collections) != len(want.collections) {
					t.Fatalf("%d collections, official %d", len(got.collections), len(want.collections))
				}
				for i := range want.collections {
					metricdatatest.AssertEqual(t, want.collections[i], got.collections[i], metricdatatest.IgnoreTimestamp())
				}
			})
		}
	})
}

// collectOutcome collects reader 0 n times, running between(i) before
// collection i.
func collectOutcome(h manualHarness, ctx context.Context, n int, between func(i int)) outcome {
	var o outcome
	for i := range n {
		if between != nil {
			between(i)
		}
		var rm metricdata.ResourceMetrics
		err := h.collect[0](ctx, &rm)
		o.collections = append(o.collections, rm)
		o.errs = append(o.errs, err != nil)
	}
	return o
}

// TestEdgeCasesMatchOfficial. Not included: Unregister called from inside
// the callback it unregisters; the official SDK deadlocks on it (the
// pipeline lock is held while callbacks run), so there is no reference.
func TestEdgeCasesMatchOfficial(t *testing.T) {
	ctx := context.Background()
	a := metric.WithAttributes(attribute.String("k", "v"))
	customHist := func(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
		if k == sdkmetric.InstrumentKindHistogram {
			return sdkmetric.AggregationExplicitBucketHistogram{Boundaries: []float64{100}}
		}
		return nil // nil means the default aggregation
	}
	observeTwice := func(kind sdkmetric.InstrumentKind, temporality sdkmetric.TemporalitySelector) edgeCase {
		return edgeCase{
			name: fmt.Sprintf("same attributes observed twice in one callback/%v/%v", kind, temporality(kind)),
			cfg:  providerConfig{readers: []readerConfig{{temporality: temporality}}},
			run: func(t *testing.T, h manualHarness) outcome {
				round := 0
				_, _, err := newInstrument(h.provider.Meter("edge"), instr{kind: kind}, "twice", testAttrs, func() (float64, bool) { return 0, false })
				if err != nil {
					t.Fatal(err)
				}
				// A second registration via RegisterCallback observing the
				// same series twice per collection.
				meter := h.provider.Meter("edge2")
				var obs metric.Int64Observable
				switch kind {
				case sdkmetric.InstrumentKindObservableCounter:
					obs, _ = meter.Int64ObservableCounter("twice")
				case sdkmetric.InstrumentKindObservableUpDownCounter:
					obs, _ = meter.Int64ObservableUpDownCounter("twice")
				default:
					obs, _ = meter.Int64ObservableGauge("twice")
				}
				if _, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
					o.ObserveInt64(obs, int64(10*round+1), a)
					o.ObserveInt64(obs, int64(10*round+2), a)
					return nil
				}, obs); err != nil {
					t.Fatal(err)
				}
				return collectOutcome(h, ctx, 3, func(i int) { round = i })
			},
		}
	}
	cases := []edgeCase{
		{
			name: "view asking for AggregationDefault ignores the reader's aggregation",
			cfg: providerConfig{
				readers: []readerConfig{{aggregation: customHist}},
				views: []sdkmetric.View{sdkmetric.NewView(sdkmetric.Instrument{Name: "viewed"},
					sdkmetric.Stream{Aggregation: sdkmetric.AggregationDefault{}})},
			},
			run: func(t *testing.T, h manualHarness) outcome {
				meter := h.provider.Meter("edge")
				for _, name := range []string{"viewed", "not.viewed"} {
					hist, _ := meter.Float64Histogram(name)
					hist.Record(ctx, 50)
				}
				return collectOutcome(h, ctx, 1, nil)
			},
		},
		{
			name: "reader aggregation selector returning nil means default",
			cfg:  providerConfig{readers: []readerConfig{{aggregation: func(sdkmetric.InstrumentKind) sdkmetric.Aggregation { return nil }}}},
			run: func(t *testing.T, h manualHarness) outcome {
				meter := h.provider.Meter("edge")
				for _, in := range allInstruments {
					record, _, _ := newInstrument(meter, in, in.String(), testAttrs, func() (float64, bool) { return 1, true })
					if record != nil {
						record(1)
					}
				}
				return collectOutcome(h, ctx, 1, nil)
			},
		},
		{
			name: "rename view colliding with another instrument's name",
			cfg: providerConfig{views: []sdkmetric.View{sdkmetric.NewView(sdkmetric.Instrument{Name: "a"},
				sdkmetric.Stream{Name: "b"})}},
			run: func(t *testing.T, h manualHarness) outcome {
				meter := h.provider.Meter("edge")
				ca, _ := meter.Int64Counter("a")
				cb, _ := meter.Int64Counter("b")
				ca.Add(ctx, 1)
				cb.Add(ctx, 2)
				return collectOutcome(h, ctx, 1, nil)
			},
		},
		{
			name: "Collect with a cancelled context, no callbacks",
			run: func(t *testing.T, h manualHarness) outcome {
				c, _ := h.provider.Meter("edge").Int64Counter("c")
				c.Add(ctx, 1)
				cancelled, cancel := context.WithCancel(ctx)
				cancel()
				return collectOutcome(h, cancelled, 1, nil)
			},
		},
		{
			name: "Collect with a cancelled context and a callback",
			run: func(t *testing.T, h manualHarness) outcome {
				c, _ := h.provider.Meter("edge").Int64Counter("c")
				c.Add(ctx, 1)
				_, _ = h.provider.Meter("edge").Int64ObservableGauge("g", metric.WithInt64Callback(
					func(_ context.Context, o metric.Int64Observer) error { o.Observe(1); return nil }))
				cancelled, cancel := context.WithCancel(ctx)
				cancel()
				return collectOutcome(h, cancelled, 1, nil)
			},
		},
		{
			name: "two callbacks observing the same series",
			run: func(t *testing.T, h manualHarness) outcome {
				meter := h.provider.Meter("edge")
				counter, _ := meter.Int64ObservableCounter("counter")
				gauge, _ := meter.Int64ObservableGauge("gauge")
				for i := range 2 {
					if _, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
						o.ObserveInt64(counter, int64(5+i), a)
						o.ObserveInt64(gauge, int64(5+i), a)
						return nil
					}, counter, gauge); err != nil {
						t.Fatal(err)
					}
				}
				return collectOutcome(h, ctx, 2, nil)
			},
		},
		{
			name: "delta reader, instrument created after the first collection",
			cfg:  providerConfig{readers: []readerConfig{{temporality: allDelta}}},
			run: func(t *testing.T, h manualHarness) outcome {
				meter := h.provider.Meter("edge")
				return collectOutcome(h, ctx, 3, func(i int) {
					if i == 1 {
						c, _ := meter.Int64Counter("late")
						c.Add(ctx, 1)
						_, _ = meter.Int64ObservableCounter("late.obs", metric.WithInt64Callback(
							func(_ context.Context, o metric.Int64Observer) error { o.Observe(4); return nil }))
					}
				})
			},
		},
		{
			name: "callbacks of dropped observables",
			cfg: providerConfig{views: []sdkmetric.View{sdkmetric.NewView(sdkmetric.Instrument{Name: "dropped*"},
				sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}})}},
			run: func(t *testing.T, h manualHarness) outcome {
				meter := h.provider.Meter("edge")
				var perInstrument, registered, mixed int
				_, _ = meter.Int64ObservableGauge("dropped.a", metric.WithInt64Callback(
					func(_ context.Context, o metric.Int64Observer) error { perInstrument++; o.Observe(1); return nil }))
				dropped, _ := meter.Int64ObservableGauge("dropped.b")
				kept, _ := meter.Int64ObservableGauge("kept")
				_, err1 := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
					registered++
					o.ObserveInt64(dropped, 1)
					return nil
				}, dropped)
				_, err2 := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
					mixed++
					o.ObserveInt64(dropped, 1)
					o.ObserveInt64(kept, 2)
					return nil
				}, dropped, kept)
				o := collectOutcome(h, ctx, 2, nil)
				o.errs = append(o.errs, err1 != nil, err2 != nil)
				o.summary = fmt.Sprintf("callback runs: per-instrument %d, registered on dropped %d, mixed %d", perInstrument, registered, mixed)
				return o
			},
		},
		{
			name: "Enabled of an existing instrument after Shutdown",
			run: func(t *testing.T, h manualHarness) outcome {
				c, _ := h.provider.Meter("edge").Int64Counter("c")
				before := c.Enabled(ctx)
				_ = h.shutdown(ctx)
				return outcome{summary: fmt.Sprintf("before %v after %v", before, c.Enabled(ctx))}
			},
		},
		{
			name: "default cardinality limit",
			run: func(t *testing.T, h manualHarness) outcome {
				c, _ := h.provider.Meter("edge").Int64Counter("c")
				for i := range 2100 {
					c.Add(ctx, 1, metric.WithAttributes(attribute.Int("i", i)))
				}
				o := collectOutcome(h, ctx, 1, nil)
				// Summarise: the number of points, the overflow point's value
				// and the largest kept index.
				points, overflow, maxKept := 0, int64(0), int64(-1)
				for _, m := range flatten(o.collections[0]) {
					for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
						points++
						if v, ok := p.Attributes.Value("i"); ok {
							maxKept = max(maxKept, v.AsInt64())
						} else {
							overflow = p.Value
						}
					}
				}
				o.summary = fmt.Sprintf("points=%d overflow=%d maxKept=%d", points, overflow, maxKept)
				o.collections = nil
				return o
			},
		},
		{
			name: "cardinality limit on a delta reader admits new sets after a collection",
			cfg:  providerConfig{readers: []readerConfig{{temporality: allDelta}}, cardinalityLimit: 3},
			run: func(t *testing.T, h manualHarness) outcome {
				c, _ := h.provider.Meter("edge").Int64Counter("c")
				return collectOutcome(h, ctx, 3, func(round int) {
					for i := range 4 {
						c.Add(ctx, 1, metric.WithAttributes(attribute.Int("i", 10*round+i)))
					}
				})
			},
		},
		{
			name: "cardinality limit on a cumulative reader keeps overflowing",
			cfg:  providerConfig{cardinalityLimit: 3},
			run: func(t *testing.T, h manualHarness) outcome {
				c, _ := h.provider.Meter("edge").Int64Counter("c")
				return collectOutcome(h, ctx, 2, func(round int) {
					for i := range 4 {
						c.Add(ctx, 1, metric.WithAttributes(attribute.Int("i", 10*round+i)))
					}
				})
			},
		},
		{
			name: "cardinality limit counts sets after the view's attribute filter",
			cfg: providerConfig{cardinalityLimit: 3, views: []sdkmetric.View{sdkmetric.NewView(sdkmetric.Instrument{Name: "c"},
				sdkmetric.Stream{AttributeFilter: attribute.NewAllowKeysFilter("kept")})}},
			run: func(t *testing.T, h manualHarness) outcome {
				c, _ := h.provider.Meter("edge").Int64Counter("c")
				for i := range 6 {
					c.Add(ctx, 1, metric.WithAttributes(attribute.Int("kept", i%2), attribute.Int("dropped", i)))
				}
				return collectOutcome(h, ctx, 1, nil)
			},
		},
		{
			name: "cardinality limit on an observable",
			cfg:  providerConfig{cardinalityLimit: 3},
			run: func(t *testing.T, h manualHarness) outcome {
				_, _ = h.provider.Meter("edge").Int64ObservableGauge("g", metric.WithInt64Callback(
					func(_ context.Context, o metric.Int64Observer) error {
						for i := range 5 {
							o.Observe(int64(i), metric.WithAttributes(attribute.Int("i", i)))
						}
						return nil
					}))
				return collectOutcome(h, ctx, 2, nil)
			},
		},
		{
			name: "negative values in an Int64Histogram",
			run: func(t *testing.T, h manualHarness) outcome {
				hist, _ := h.provider.Meter("edge").Int64Histogram("h")
				hist.Record(ctx, -5)
				hist.Record(ctx, 3)
				return collectOutcome(h, ctx, 1, nil)
			},
		},
		{
			name: "scope attributes in any order are one scope",
			run: func(t *testing.T, h manualHarness) outcome {
				x, y := attribute.String("x", "1"), attribute.String("y", "2")
				for _, m := range []metric.Meter{
					h.provider.Meter("scoped", metric.WithInstrumentationAttributes(x, y)),
					h.provider.Meter("scoped", metric.WithInstrumentationAttributes(y, x)),
				} {
					c, _ := m.Int64Counter("c")
					c.Add(ctx, 1)
				}
				return collectOutcome(h, ctx, 1, nil)
			},
		},
		{
			name: "gauge series on a delta reader",
			cfg:  providerConfig{readers: []readerConfig{{temporality: allDelta}}},
			run: func(t *testing.T, h manualHarness) outcome {
				g, _ := h.provider.Meter("edge").Float64Gauge("g")
				return collectOutcome(h, ctx, 3, func(round int) {
					for i := range round + 1 {
						g.Record(ctx, float64(round*10+i), metric.WithAttributes(attribute.Int("i", i%2)))
					}
				})
			},
		},
	}
	for _, kind := range []sdkmetric.InstrumentKind{
		sdkmetric.InstrumentKindObservableCounter,
		sdkmetric.InstrumentKindObservableUpDownCounter,
		sdkmetric.InstrumentKindObservableGauge,
	} {
		cases = append(cases, observeTwice(kind, allCumulative), observeTwice(kind, allDelta))
	}
	runEdgeCases(t, cases)
}
