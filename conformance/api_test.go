package conformance

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.opentelemetry.io/otel/sdk/resource"
)

func int64Sum(name string, temporality metricdata.Temporality, monotonic bool, points ...metricdata.DataPoint[int64]) metricdata.Metrics {
	return metricdata.Metrics{Name: name, Data: metricdata.Sum[int64]{
		DataPoints: points, Temporality: temporality, IsMonotonic: monotonic,
	}}
}

func int64Point(v int64, kvs ...attribute.KeyValue) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{Attributes: attribute.NewSet(kvs...), Value: v}
}

func TestCallbacks(t *testing.T) {
	ctx := context.Background()
	forEachSDK(t, func(t *testing.T, s sdk) {
		run(t, "per-instrument callbacks all run", func(t *testing.T) {
			h := s.manual(t, providerConfig{})
			_, err := h.provider.Meter("cb").Int64ObservableCounter("obs",
				metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
					o.Observe(1, metric.WithAttributes(attribute.String("cb", "a")))
					return nil
				}),
				metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
					o.Observe(2, metric.WithAttributes(attribute.String("cb", "b")))
					return nil
				}))
			if err != nil {
				t.Fatal(err)
			}
			want := []metricdata.Metrics{int64Sum("obs", metricdata.CumulativeTemporality, true,
				int64Point(1, attribute.String("cb", "a")), int64Point(2, attribute.String("cb", "b")))}
			metricdatatest.AssertEqual(t, want[0], h.collectMetrics(t)[0], metricdatatest.IgnoreTimestamp())
		})

		run(t, "RegisterCallback and Unregister", func(t *testing.T) {
			h := s.manual(t, providerConfig{})
			meter := h.provider.Meter("cb")
			counter, err := meter.Int64ObservableCounter("counter")
			if err != nil {
				t.Fatal(err)
			}
			gauge, err := meter.Float64ObservableGauge("gauge")
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			reg, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
				calls++
				o.ObserveInt64(counter, int64(10*calls))
				o.ObserveFloat64(gauge, 2.5)
				return nil
			}, counter, gauge)
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= 2; i++ {
				want := []metricdata.Metrics{
					int64Sum("counter", metricdata.CumulativeTemporality, true, int64Point(int64(10*i))),
					{Name: "gauge", Data: metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{{Value: 2.5}}}},
				}
				metricdatatest.AssertEqual(t,
					metricdata.ScopeMetrics{Scope: instrumentation.Scope{Name: "cb"}, Metrics: want},
					h.collectReader(t, 0).ScopeMetrics[0], metricdatatest.IgnoreTimestamp())
			}
			if err := reg.Unregister(); err != nil {
				t.Fatalf("Unregister: %v", err)
			}
			if got := h.collectMetrics(t); len(got) != 0 {
				t.Errorf("after Unregister: want no metrics, got %+v", got)
			}
			if calls != 2 {
				t.Errorf("callback ran %d times, want 2 (not after Unregister)", calls)
			}
		})

		run(t, "callback error is reported, other data kept", func(t *testing.T) {
			h := s.manual(t, providerConfig{})
			meter := h.provider.Meter("cb")
			_, err := meter.Int64ObservableGauge("failing", metric.WithInt64Callback(
				func(context.Context, metric.Int64Observer) error { return errors.New("callback failed") }))
			if err != nil {
				t.Fatal(err)
			}
			c, _ := meter.Int64Counter("kept")
			c.Add(ctx, 4)
			var rm metricdata.ResourceMetrics
			err = h.collect[0](ctx, &rm)
			if err == nil || !strings.Contains(err.Error(), "callback failed") {
				t.Errorf("Collect error = %v, want the callback's error", err)
			}
			if m, ok := findMetric(flatten(rm), "kept"); !ok {
				t.Errorf("counter data lost when another callback failed")
			} else {
				metricdatatest.AssertEqual(t, int64Sum("kept", metricdata.CumulativeTemporality, true, int64Point(4)),
					m, metricdatatest.IgnoreTimestamp())
			}
		})
	})
}

func TestInstrumentationScope(t *testing.T) {
	forEachSDK(t, func(t *testing.T, s sdk) {
		res := resource.NewSchemaless(attribute.String("service.name", "conformance"))
		h := s.manual(t, providerConfig{resource: res})
		scopeAttrs := attribute.NewSet(attribute.String("scope.k", "v"))
		full := h.provider.Meter("lib",
			metric.WithInstrumentationVersion("v1.2.3"),
			metric.WithSchemaURL("https://opentelemetry.io/schemas/1.26.0"),
			metric.WithInstrumentationAttributes(scopeAttrs.ToSlice()...))
		// The same scope asked twice is one meter and one ScopeMetrics.
		again := h.provider.Meter("lib",
			metric.WithInstrumentationVersion("v1.2.3"),
			metric.WithSchemaURL("https://opentelemetry.io/schemas/1.26.0"),
			metric.WithInstrumentationAttributes(scopeAttrs.ToSlice()...))
		other := h.provider.Meter("lib", metric.WithInstrumentationVersion("v2"))

		for _, m := range []metric.Meter{full, again, other} {
			c, err := m.Int64Counter("requests")
			if err != nil {
				t.Fatal(err)
			}
			c.Add(context.Background(), 1)
		}
		want := metricdata.ResourceMetrics{
			Resource: res,
			ScopeMetrics: []metricdata.ScopeMetrics{
				{
					Scope: instrumentation.Scope{
						Name: "lib", Version: "v1.2.3",
						SchemaURL:  "https://opentelemetry.io/schemas/1.26.0",
						Attributes: scopeAttrs,
					},
					Metrics: []metricdata.Metrics{int64Sum("requests", metricdata.CumulativeTemporality, true, int64Point(2))},
				},
				{
					Scope:   instrumentation.Scope{Name: "lib", Version: "v2"},
					Metrics: []metricdata.Metrics{int64Sum("requests", metricdata.CumulativeTemporality, true, int64Point(1))},
				},
			},
		}
		metricdatatest.AssertEqual(t, want, h.collectReader(t, 0), metricdatatest.IgnoreTimestamp())
	})
}

func TestDefaultResource(t *testing.T) {
	forEachSDK(t, func(t *testing.T, s sdk) {
		h := s.manual(t, providerConfig{})
		c, _ := h.provider.Meter("res").Int64Counter("c")
		c.Add(context.Background(), 1)
		got := h.collectReader(t, 0).Resource
		if !got.Equal(resource.Default()) {
			t.Errorf("default resource = %v, want resource.Default() = %v", got, resource.Default())
		}
	})
}

// TestIdenticalRegistration: asking twice for the same instrument returns
// the same instrument: one stream that both handles feed.
func TestIdenticalRegistration(t *testing.T) {
	ctx := context.Background()
	forEachSDK(t, func(t *testing.T, s sdk) {
		h := s.manual(t, providerConfig{})
		meter := h.provider.Meter("dup")
		for range 2 {
			c, err := meter.Int64Counter("same", metric.WithUnit("1"), metric.WithDescription("d"))
			if err != nil {
				t.Fatal(err)
			}
			c.Add(ctx, 3)
			hist, err := meter.Float64Histogram("same.hist", metric.WithUnit("s"))
			if err != nil {
				t.Fatal(err)
			}
			hist.Record(ctx, 1)
		}
		got := h.collectMetrics(t)
		want := []metricdata.Metrics{
			{Name: "same", Description: "d", Unit: "1", Data: metricdata.Sum[int64]{
				DataPoints: []metricdata.DataPoint[int64]{{Value: 6}}, Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
			}},
			{Name: "same.hist", Unit: "s", Data: metricdata.Histogram[float64]{
				DataPoints:  []metricdata.HistogramDataPoint[float64]{histPoint[float64](attribute.NewSet(), defaultBounds, false, 1, 1)},
				Temporality: metricdata.CumulativeTemporality,
			}},
		}
		metricdatatest.AssertEqual(t, metricdata.ScopeMetrics{Scope: instrumentation.Scope{Name: "dup"}, Metrics: want},
			metricdata.ScopeMetrics{Scope: instrumentation.Scope{Name: "dup"}, Metrics: got}, metricdatatest.IgnoreTimestamp())
	})
}

// TestConflictingDuplicates: same name, different identity (unit, kind,
// number type, description): both streams are kept and a warning is logged.
func TestConflictingDuplicates(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		create func(m metric.Meter, name string) []metricdata.Metrics
	}{
		{"unit", func(m metric.Meter, name string) []metricdata.Metrics {
			a, _ := m.Int64Counter(name, metric.WithUnit("ms"))
			b, _ := m.Int64Counter(name, metric.WithUnit("s"))
			a.Add(ctx, 1)
			b.Add(ctx, 2)
			return []metricdata.Metrics{
				{Name: name, Unit: "ms", Data: metricdata.Sum[int64]{DataPoints: []metricdata.DataPoint[int64]{{Value: 1}}, Temporality: metricdata.CumulativeTemporality, IsMonotonic: true}},
				{Name: name, Unit: "s", Data: metricdata.Sum[int64]{DataPoints: []metricdata.DataPoint[int64]{{Value: 2}}, Temporality: metricdata.CumulativeTemporality, IsMonotonic: true}},
			}
		}},
		{"kind", func(m metric.Meter, name string) []metricdata.Metrics {
			a, _ := m.Int64Counter(name)
			b, _ := m.Int64UpDownCounter(name)
			a.Add(ctx, 1)
			b.Add(ctx, -2)
			return []metricdata.Metrics{
				int64Sum(name, metricdata.CumulativeTemporality, true, int64Point(1)),
				int64Sum(name, metricdata.CumulativeTemporality, false, int64Point(-2)),
			}
		}},
		{"number", func(m metric.Meter, name string) []metricdata.Metrics {
			a, _ := m.Int64Counter(name)
			b, _ := m.Float64Counter(name)
			a.Add(ctx, 1)
			b.Add(ctx, 2.5)
			return []metricdata.Metrics{
				int64Sum(name, metricdata.CumulativeTemporality, true, int64Point(1)),
				{Name: name, Data: metricdata.Sum[float64]{DataPoints: []metricdata.DataPoint[float64]{{Value: 2.5}}, Temporality: metricdata.CumulativeTemporality, IsMonotonic: true}},
			}
		}},
		{"description", func(m metric.Meter, name string) []metricdata.Metrics {
			a, _ := m.Int64Counter(name, metric.WithDescription("one"))
			b, _ := m.Int64Counter(name, metric.WithDescription("two"))
			a.Add(ctx, 1)
			b.Add(ctx, 2)
			return []metricdata.Metrics{
				{Name: name, Description: "one", Data: metricdata.Sum[int64]{DataPoints: []metricdata.DataPoint[int64]{{Value: 1}}, Temporality: metricdata.CumulativeTemporality, IsMonotonic: true}},
				{Name: name, Description: "two", Data: metricdata.Sum[int64]{DataPoints: []metricdata.DataPoint[int64]{{Value: 2}}, Temporality: metricdata.CumulativeTemporality, IsMonotonic: true}},
			}
		}},
	}
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, tc := range cases {
			run(t, tc.name, func(t *testing.T) {
				h := s.manual(t, providerConfig{})
				// A name unique to this SDK and case, so the warning found in
				// the shared global log is this one.
				name := uniqueName("conflict." + s.name + "." + tc.name)
				want := tc.create(h.provider.Meter("conflict"), name)
				metricdatatest.AssertEqual(t,
					metricdata.ScopeMetrics{Scope: instrumentation.Scope{Name: "conflict"}, Metrics: want},
					metricdata.ScopeMetrics{Scope: instrumentation.Scope{Name: "conflict"}, Metrics: h.collectMetrics(t)},
					metricdatatest.IgnoreTimestamp())
				if !globalLogMentions(name) {
					t.Errorf("no warning mentioning %q sent to the OTel global logger or error handler", name)
				}
			})
		}
	})
}

// TestInvalidInstrumentNames: a name breaking the spec's syntax returns an
// error wrapping ErrInstrumentName, and the instrument still works.
func TestInvalidInstrumentNames(t *testing.T) {
	cases := []struct {
		name    string
		invalid bool
	}{
		{"", true},
		{"1starts.with.digit", true},
		{"has space", true},
		{"ünicode", true},
		{"bad*char", true},
		{strings.Repeat("a", 256), true},
		{strings.Repeat("a", 255), false},
		{"Valid_name.with-all/chars9", false},
	}
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, in := range allInstruments {
			run(t, in.String(), func(t *testing.T) {
				h := s.manual(t, providerConfig{})
				meter := h.provider.Meter("names")
				for _, tc := range cases {
					record, _, err := newInstrument(meter, in, tc.name, testAttrs, func() (float64, bool) { return 1, true })
					if got := errors.Is(err, sdkmetric.ErrInstrumentName); got != tc.invalid {
						t.Errorf("name %.20q: errors.Is(err, ErrInstrumentName) = %v (err %v), want %v", tc.name, got, err, tc.invalid)
					}
					if record != nil {
						record(1)
					}
				}
				got := h.collectMetrics(t)
				for _, tc := range cases {
					if _, ok := findMetric(got, tc.name); !ok {
						t.Errorf("name %.20q: instrument does not work: no data collected", tc.name)
					}
				}
			})
		}
	})
}

// TestEnabled: Enabled(ctx) is false exactly when every stream of the
// instrument (over all readers) is dropped.
func TestEnabled(t *testing.T) {
	dropNamed := func(name string) sdkmetric.View {
		return sdkmetric.NewView(sdkmetric.Instrument{Name: name}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}})
	}
	dropAll := func(sdkmetric.InstrumentKind) sdkmetric.Aggregation { return sdkmetric.AggregationDrop{} }
	cases := []struct {
		name        string
		cfg         providerConfig
		wantEnabled bool
	}{
		{"no view", providerConfig{}, true},
		{"dropped by view", providerConfig{views: []sdkmetric.View{dropNamed("inst")}}, false},
		{"view for another instrument", providerConfig{views: []sdkmetric.View{dropNamed("other")}}, true},
		{"dropped by reader aggregation", providerConfig{readers: []readerConfig{{aggregation: dropAll}}}, false},
		{"dropped on one reader of two", providerConfig{readers: []readerConfig{{aggregation: dropAll}, {}}}, true},
		{"dropped on both readers", providerConfig{readers: []readerConfig{{aggregation: dropAll}, {aggregation: dropAll}}}, false},
		{"one view drops, another keeps", providerConfig{views: []sdkmetric.View{
			dropNamed("inst"),
			sdkmetric.NewView(sdkmetric.Instrument{Name: "inst"}, sdkmetric.Stream{Name: "renamed"}),
		}}, true},
	}
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, tc := range cases {
			run(t, tc.name, func(t *testing.T) {
				h := s.manual(t, tc.cfg)
				for _, in := range allInstruments {
					if in.observable() {
						continue // observables have no Enabled
					}
					_, enabled, err := newInstrument(h.provider.Meter(in.String()), in, "inst", testAttrs, nil)
					if err != nil {
						t.Fatal(err)
					}
					if got := enabled(); got != tc.wantEnabled {
						t.Errorf("%v.Enabled = %v, want %v", in, got, tc.wantEnabled)
					}
				}
			})
		}
	})
}

// TestStartTimes compares properties of timestamps, never exact times:
// a cumulative stream's start is the provider/instrument start and stays
// the same over collections; a delta stream's start is the previous
// collection's time; every point's time is the collection time.
func TestStartTimes(t *testing.T) {
	kinds := []sdkmetric.InstrumentKind{
		sdkmetric.InstrumentKindCounter,
		sdkmetric.InstrumentKindUpDownCounter,
		sdkmetric.InstrumentKindHistogram,
		sdkmetric.InstrumentKindObservableCounter,
		sdkmetric.InstrumentKindObservableUpDownCounter,
	}
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, temp := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
			for _, kind := range kinds {
				in := instr{kind: kind}
				run(t, temp.String()+"/"+in.String(), func(t *testing.T) {
					before := time.Now()
					h := s.manual(t, providerConfig{readers: []readerConfig{{
						temporality: func(sdkmetric.InstrumentKind) metricdata.Temporality { return temp },
					}}})
					record, _, err := newInstrument(h.provider.Meter("times"), in, "inst", testAttrs,
						func() (float64, bool) { return 1, true })
					if err != nil {
						t.Fatal(err)
					}
					var prevStart, prevTime time.Time
					for i := range 3 {
						if record != nil {
							record(1)
						}
						beforeCollect := time.Now()
						got := h.collectMetrics(t)
						afterCollect := time.Now()
						if len(got) != 1 {
							t.Fatalf("collection %d: %d metrics", i, len(got))
						}
						start, now, ok := pointStartTimes(got[0])
						if !ok {
							t.Fatalf("unexpected data %T", got[0].Data)
						}
						if now.Before(beforeCollect) || now.After(afterCollect) {
							t.Errorf("collection %d: time %v not within the Collect call [%v, %v]", i, now, beforeCollect, afterCollect)
						}
						if !start.Before(now) && !start.Equal(now) {
							t.Errorf("collection %d: start %v after time %v", i, start, now)
						}
						switch {
						case i == 0:
							if start.Before(before) || start.After(beforeCollect) {
								t.Errorf("first start %v not between provider creation %v and first collection %v", start, before, beforeCollect)
							}
						case temp == metricdata.CumulativeTemporality:
							if !start.Equal(prevStart) {
								t.Errorf("collection %d: cumulative start moved from %v to %v", i, prevStart, start)
							}
						default:
							if !start.Equal(prevTime) {
								t.Errorf("collection %d: delta start %v, want the previous collection time %v", i, start, prevTime)
							}
						}
						prevStart, prevTime = start, now
					}
				})
			}
		}
	})
}
