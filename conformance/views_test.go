package conformance

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
)

var noAttrs = attribute.NewSet()

func cumulativeHist(name string, points ...metricdata.HistogramDataPoint[float64]) metricdata.Metrics {
	return metricdata.Metrics{Name: name, Data: metricdata.Histogram[float64]{
		DataPoints: points, Temporality: metricdata.CumulativeTemporality,
	}}
}

func float64Sum(name string, temporality metricdata.Temporality, monotonic bool, v float64) metricdata.Metrics {
	return metricdata.Metrics{Name: name, Data: metricdata.Sum[float64]{
		DataPoints:  []metricdata.DataPoint[float64]{{Attributes: noAttrs, Value: v}},
		Temporality: temporality, IsMonotonic: monotonic,
	}}
}

func view(criteria sdkmetric.Instrument, mask sdkmetric.Stream) sdkmetric.View {
	return sdkmetric.NewView(criteria, mask)
}

// viewCase is one provider configuration, the measurements made on it, and
// the metrics one cumulative collection must return.
type viewCase struct {
	name    string
	views   []sdkmetric.View
	readers []readerConfig
	// record creates instruments on m and records; it reports whether an
	// instrument constructor returned an error.
	record func(t *testing.T, m metric.Meter) (gotErr bool)
	// wantErr: instrument creation returns an error.
	wantErr bool
	want    []metricdata.Metrics
}

func runViewCases(t *testing.T, cases []viewCase) {
	t.Helper()
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, tc := range cases {
			run(t, tc.name, func(t *testing.T) {
				h := s.manual(t, providerConfig{views: tc.views, readers: tc.readers})
				if gotErr := tc.record(t, h.provider.Meter("views")); gotErr != tc.wantErr {
					t.Errorf("instrument creation returned an error: %v, want %v", gotErr, tc.wantErr)
				}
				got := h.collectMetrics(t)
				metricdatatest.AssertEqual(t,
					metricdata.ScopeMetrics{Scope: instrumentation.Scope{Name: "views"}, Metrics: tc.want},
					metricdata.ScopeMetrics{Scope: instrumentation.Scope{Name: "views"}, Metrics: got},
					metricdatatest.IgnoreTimestamp())
			})
		}
	})
}

// histogram creates a Float64Histogram and records values.
func histogram(m metric.Meter, name string, values []float64, opts ...metric.Float64HistogramOption) bool {
	h, err := m.Float64Histogram(name, opts...)
	for _, v := range values {
		h.Record(context.Background(), v)
	}
	return err != nil
}

func float64Counter(m metric.Meter, name string, values []float64, opts ...metric.Float64CounterOption) bool {
	c, err := m.Float64Counter(name, opts...)
	for _, v := range values {
		c.Add(context.Background(), v)
	}
	return err != nil
}

func TestAggregationOverrides(t *testing.T) {
	explicit := func(bounds []float64, noMinMax bool) sdkmetric.Stream {
		return sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: bounds, NoMinMax: noMinMax}}
	}
	histSelector := func(bounds []float64) sdkmetric.AggregationSelector {
		return func(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
			if k == sdkmetric.InstrumentKindHistogram {
				return sdkmetric.AggregationExplicitBucketHistogram{Boundaries: bounds}
			}
			return sdkmetric.DefaultAggregationSelector(k)
		}
	}
	runViewCases(t, []viewCase{
		{
			name:  "Drop",
			views: []sdkmetric.View{view(sdkmetric.Instrument{Name: "h"}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}})},
			record: func(t *testing.T, m metric.Meter) bool {
				return histogram(m, "h", []float64{1})
			},
		},
		{
			name:   "Sum on a histogram",
			views:  []sdkmetric.View{view(sdkmetric.Instrument{Name: "h"}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationSum{}})},
			record: func(t *testing.T, m metric.Meter) bool { return histogram(m, "h", []float64{1, 7}) },
			want:   []metricdata.Metrics{float64Sum("h", metricdata.CumulativeTemporality, true, 8)},
		},
		{
			name:  "Sum on an up-down counter is not monotonic",
			views: []sdkmetric.View{view(sdkmetric.Instrument{Name: "u"}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationSum{}})},
			record: func(t *testing.T, m metric.Meter) bool {
				u, err := m.Float64UpDownCounter("u")
				u.Add(context.Background(), -3)
				return err != nil
			},
			want: []metricdata.Metrics{float64Sum("u", metricdata.CumulativeTemporality, false, -3)},
		},
		{
			name:  "LastValue on a gauge",
			views: []sdkmetric.View{view(sdkmetric.Instrument{Name: "g"}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationLastValue{}})},
			record: func(t *testing.T, m metric.Meter) bool {
				g, err := m.Float64Gauge("g")
				g.Record(context.Background(), 1)
				g.Record(context.Background(), 2)
				return err != nil
			},
			want: []metricdata.Metrics{{Name: "g", Data: metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{{Attributes: noAttrs, Value: 2}}}}},
		},
		{
			// The spec's compatibility table has no LastValue for a
			// counter: the official SDK returns an error and makes no
			// stream.
			name:    "incompatible LastValue on a counter",
			views:   []sdkmetric.View{view(sdkmetric.Instrument{Name: "c"}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationLastValue{}})},
			record:  func(t *testing.T, m metric.Meter) bool { return float64Counter(m, "c", []float64{1}) },
			wantErr: true,
		},
		{
			name:   "histogram default boundaries",
			record: func(t *testing.T, m metric.Meter) bool { return histogram(m, "h", []float64{0, 5, 5.5, 10001}) },
			want:   []metricdata.Metrics{cumulativeHist("h", histPoint[float64](noAttrs, defaultBounds, false, 0, 5, 5.5, 10001))},
		},
		{
			name: "advisory boundaries",
			record: func(t *testing.T, m metric.Meter) bool {
				return histogram(m, "h", []float64{1, 1.5, 10}, metric.WithExplicitBucketBoundaries(1, 2, 3))
			},
			want: []metricdata.Metrics{cumulativeHist("h", histPoint[float64](noAttrs, []float64{1, 2, 3}, false, 1, 1.5, 10))},
		},
		{
			name:    "advisory boundaries beat the reader's",
			readers: []readerConfig{{aggregation: histSelector([]float64{100})}},
			record: func(t *testing.T, m metric.Meter) bool {
				return histogram(m, "h", []float64{1.5}, metric.WithExplicitBucketBoundaries(1, 2, 3))
			},
			want: []metricdata.Metrics{cumulativeHist("h", histPoint[float64](noAttrs, []float64{1, 2, 3}, false, 1.5))},
		},
		{
			name:    "reader's boundaries",
			readers: []readerConfig{{aggregation: histSelector([]float64{100})}},
			record:  func(t *testing.T, m metric.Meter) bool { return histogram(m, "h", []float64{1.5, 200}) },
			want:    []metricdata.Metrics{cumulativeHist("h", histPoint[float64](noAttrs, []float64{100}, false, 1.5, 200))},
		},
		{
			name:    "reader's invalid boundaries fall back to the default",
			readers: []readerConfig{{aggregation: histSelector([]float64{5, 1})}},
			record:  func(t *testing.T, m metric.Meter) bool { return histogram(m, "h", []float64{1.5}) },
			want:    []metricdata.Metrics{cumulativeHist("h", histPoint[float64](noAttrs, defaultBounds, false, 1.5))},
		},
		{
			name: "invalid advisory boundaries: error, default boundaries, working instrument",
			record: func(t *testing.T, m metric.Meter) bool {
				return histogram(m, "h", []float64{1.5}, metric.WithExplicitBucketBoundaries(3, 2, 1))
			},
			wantErr: true,
			want:    []metricdata.Metrics{cumulativeHist("h", histPoint[float64](noAttrs, defaultBounds, false, 1.5))},
		},
		{
			name:  "view boundaries beat advisory ones",
			views: []sdkmetric.View{view(sdkmetric.Instrument{Name: "h"}, explicit([]float64{5}, false))},
			record: func(t *testing.T, m metric.Meter) bool {
				return histogram(m, "h", []float64{1.5, 6}, metric.WithExplicitBucketBoundaries(1, 2, 3))
			},
			want: []metricdata.Metrics{cumulativeHist("h", histPoint[float64](noAttrs, []float64{5}, false, 1.5, 6))},
		},
		{
			// The official SDK resolves AggregationDefault in a view to the
			// kind's default without the advisory boundaries; fastmeter
			// keeps them (a known, deliberate difference).
			name:  "AggregationDefault view with advisory boundaries",
			views: []sdkmetric.View{view(sdkmetric.Instrument{Name: "h"}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationDefault{}})},
			record: func(t *testing.T, m metric.Meter) bool {
				return histogram(m, "h", []float64{1.5}, metric.WithExplicitBucketBoundaries(1, 2, 3))
			},
			want: []metricdata.Metrics{cumulativeHist("h", histPoint[float64](noAttrs, defaultBounds, false, 1.5))},
		},
		{
			// The official SDK only rejects MaxSize <= 0; fastmeter
			// requires 2 (a known, deliberate difference).
			name: "exponential histogram with MaxSize 1",
			views: []sdkmetric.View{view(sdkmetric.Instrument{Name: "h"}, sdkmetric.Stream{
				Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 1, MaxScale: 20}})},
			record: func(t *testing.T, m metric.Meter) bool { return histogram(m, "h", []float64{1.5, 3}) },
			want: []metricdata.Metrics{{Name: "h", Data: metricdata.ExponentialHistogram[float64]{
				Temporality: metricdata.CumulativeTemporality,
				DataPoints: []metricdata.ExponentialHistogramDataPoint[float64]{{
					Attributes: noAttrs, Count: 2, Sum: 4.5, Min: metricdata.NewExtrema(1.5), Max: metricdata.NewExtrema(3.0),
					Scale: -1, PositiveBucket: metricdata.ExponentialBucket{Offset: 0, Counts: []uint64{2}},
				}},
			}}},
		},
		{
			name:  "rename view keeps advisory boundaries",
			views: []sdkmetric.View{view(sdkmetric.Instrument{Name: "h"}, sdkmetric.Stream{Name: "renamed"})},
			record: func(t *testing.T, m metric.Meter) bool {
				return histogram(m, "h", []float64{1.5}, metric.WithExplicitBucketBoundaries(1, 2, 3))
			},
			want: []metricdata.Metrics{cumulativeHist("renamed", histPoint[float64](noAttrs, []float64{1, 2, 3}, false, 1.5))},
		},
		{
			name:   "NoMinMax",
			views:  []sdkmetric.View{view(sdkmetric.Instrument{Name: "h"}, explicit([]float64{5}, true))},
			record: func(t *testing.T, m metric.Meter) bool { return histogram(m, "h", []float64{1.5, 6}) },
			want:   []metricdata.Metrics{cumulativeHist("h", histPoint[float64](noAttrs, []float64{5}, true, 1.5, 6))},
		},
		{
			name:   "no boundaries: one bucket",
			views:  []sdkmetric.View{view(sdkmetric.Instrument{Name: "h"}, explicit([]float64{}, false))},
			record: func(t *testing.T, m metric.Meter) bool { return histogram(m, "h", []float64{-1, 1e9}) },
			want:   []metricdata.Metrics{cumulativeHist("h", histPoint[float64](noAttrs, []float64{}, false, -1, 1e9))},
		},
		{
			name:   "histogram of a counter keeps the sum",
			views:  []sdkmetric.View{view(sdkmetric.Instrument{Name: "c"}, explicit([]float64{1, 10}, false))},
			record: func(t *testing.T, m metric.Meter) bool { return float64Counter(m, "c", []float64{2, 5}) },
			want:   []metricdata.Metrics{cumulativeHist("c", histPoint[float64](noAttrs, []float64{1, 10}, false, 2, 5))},
		},
		{
			// The spec: no sum for instruments that can record negative
			// values.
			name:  "histogram of an up-down counter has no sum",
			views: []sdkmetric.View{view(sdkmetric.Instrument{Name: "u"}, explicit([]float64{1, 10}, false))},
			record: func(t *testing.T, m metric.Meter) bool {
				u, err := m.Float64UpDownCounter("u")
				u.Add(context.Background(), 2)
				u.Add(context.Background(), 5)
				return err != nil
			},
			want: func() []metricdata.Metrics {
				p := histPoint[float64](noAttrs, []float64{1, 10}, false, 2, 5)
				p.Sum = 0
				return []metricdata.Metrics{cumulativeHist("u", p)}
			}(),
		},
	})
}

func TestViews(t *testing.T) {
	ctx := context.Background()
	described := func(name, desc string, v float64) metricdata.Metrics {
		m := float64Sum(name, metricdata.CumulativeTemporality, true, v)
		m.Description = desc
		return m
	}
	counters := func(names ...string) func(*testing.T, metric.Meter) bool {
		return func(t *testing.T, m metric.Meter) bool {
			for _, n := range names {
				if float64Counter(m, n, []float64{1}) {
					return true
				}
			}
			return false
		}
	}
	sum := func(name string) metricdata.Metrics {
		return float64Sum(name, metricdata.CumulativeTemporality, true, 1)
	}
	runViewCases(t, []viewCase{
		{
			name:   "no match: default stream",
			views:  []sdkmetric.View{view(sdkmetric.Instrument{Name: "other"}, sdkmetric.Stream{Name: "x"})},
			record: counters("c"),
			want:   []metricdata.Metrics{sum("c")},
		},
		{
			name:   "rename",
			views:  []sdkmetric.View{view(sdkmetric.Instrument{Name: "old"}, sdkmetric.Stream{Name: "new"})},
			record: counters("old", "kept"),
			want:   []metricdata.Metrics{sum("new"), sum("kept")},
		},
		{
			name:   "wildcard * sets a description on every instrument",
			views:  []sdkmetric.View{view(sdkmetric.Instrument{Name: "*"}, sdkmetric.Stream{Description: "all"})},
			record: counters("a", "b.c"),
			want:   []metricdata.Metrics{described("a", "all", 1), described("b.c", "all", 1)},
		},
		{
			name:   "prefix wildcard",
			views:  []sdkmetric.View{view(sdkmetric.Instrument{Name: "req*"}, sdkmetric.Stream{Description: "matched"})},
			record: counters("requests", "req", "xreq"),
			want:   []metricdata.Metrics{described("requests", "matched", 1), described("req", "matched", 1), sum("xreq")},
		},
		{
			name:   "? matches exactly one character",
			views:  []sdkmetric.View{view(sdkmetric.Instrument{Name: "a?c"}, sdkmetric.Stream{Description: "matched"})},
			record: counters("abc", "ac", "abbc"),
			want:   []metricdata.Metrics{described("abc", "matched", 1), sum("ac"), sum("abbc")},
		},
		{
			name: "description and unit masks",
			views: []sdkmetric.View{view(sdkmetric.Instrument{Name: "c"},
				sdkmetric.Stream{Description: "new description", Unit: "By"})},
			record: func(t *testing.T, m metric.Meter) bool {
				return float64Counter(m, "c", []float64{1}, metric.WithDescription("old"), metric.WithUnit("1"))
			},
			want: func() []metricdata.Metrics {
				m := described("c", "new description", 1)
				m.Unit = "By"
				return []metricdata.Metrics{m}
			}(),
		},
		{
			name:   "criteria by kind",
			views:  []sdkmetric.View{view(sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}})},
			record: func(t *testing.T, m metric.Meter) bool { return histogram(m, "h", []float64{1}) || counters("c")(t, m) },
			want:   []metricdata.Metrics{sum("c")},
		},
		{
			name:  "criteria by unit",
			views: []sdkmetric.View{view(sdkmetric.Instrument{Unit: "ms"}, sdkmetric.Stream{Name: "in.ms"})},
			record: func(t *testing.T, m metric.Meter) bool {
				return float64Counter(m, "c", []float64{1}, metric.WithUnit("ms")) || counters("plain")(t, m)
			},
			want: func() []metricdata.Metrics {
				m := sum("in.ms")
				m.Unit = "ms"
				return []metricdata.Metrics{m, sum("plain")}
			}(),
		},
		{
			name: "criteria by scope",
			views: []sdkmetric.View{
				view(sdkmetric.Instrument{Scope: instrumentation.Scope{Name: "views"}}, sdkmetric.Stream{Description: "this scope"}),
				view(sdkmetric.Instrument{Scope: instrumentation.Scope{Name: "another"}}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}}),
			},
			record: counters("c"),
			want:   []metricdata.Metrics{described("c", "this scope", 1)},
		},
		{
			name: "attribute filter merges series",
			views: []sdkmetric.View{view(sdkmetric.Instrument{Name: "c"},
				sdkmetric.Stream{AttributeFilter: attribute.NewAllowKeysFilter("keep")})},
			record: func(t *testing.T, m metric.Meter) bool {
				c, err := m.Int64Counter("c")
				c.Add(ctx, 1, metric.WithAttributes(attribute.String("keep", "a"), attribute.String("drop", "x")))
				c.Add(ctx, 2, metric.WithAttributes(attribute.String("keep", "a"), attribute.String("drop", "y")))
				c.Add(ctx, 4, metric.WithAttributes(attribute.String("keep", "b")))
				c.Add(ctx, 8, metric.WithAttributes(attribute.String("drop", "z")))
				return err != nil
			},
			want: []metricdata.Metrics{int64Sum("c", metricdata.CumulativeTemporality, true,
				int64Point(3, attribute.String("keep", "a")),
				int64Point(4, attribute.String("keep", "b")),
				int64Point(8))},
		},
		{
			name: "two views matching one instrument: two streams",
			views: []sdkmetric.View{
				view(sdkmetric.Instrument{Name: "h"}, sdkmetric.Stream{Name: "h.sum", Aggregation: sdkmetric.AggregationSum{}}),
				view(sdkmetric.Instrument{Name: "h"}, sdkmetric.Stream{Name: "h.hist"}),
			},
			record: func(t *testing.T, m metric.Meter) bool { return histogram(m, "h", []float64{2, 3}) },
			want: []metricdata.Metrics{
				float64Sum("h.sum", metricdata.CumulativeTemporality, true, 5),
				cumulativeHist("h.hist", histPoint[float64](noAttrs, defaultBounds, false, 2, 3)),
			},
		},
		{
			name: "two identical views: one stream",
			views: []sdkmetric.View{
				view(sdkmetric.Instrument{Name: "c"}, sdkmetric.Stream{Name: "same"}),
				view(sdkmetric.Instrument{Name: "c"}, sdkmetric.Stream{Name: "same"}),
			},
			record: counters("c"),
			want:   []metricdata.Metrics{sum("same")},
		},
		{
			name: "a view that drops and one that keeps",
			views: []sdkmetric.View{
				view(sdkmetric.Instrument{Name: "c"}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}}),
				view(sdkmetric.Instrument{Name: "c"}, sdkmetric.Stream{Name: "kept"}),
			},
			record: counters("c"),
			want:   []metricdata.Metrics{sum("kept")},
		},
		{
			name: "custom View func",
			views: []sdkmetric.View{func(i sdkmetric.Instrument) (sdkmetric.Stream, bool) {
				if i.Name != "c" {
					return sdkmetric.Stream{}, false
				}
				return sdkmetric.Stream{Name: "custom." + i.Name, Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: []float64{0.5}}}, true
			}},
			record: counters("c"),
			want:   []metricdata.Metrics{cumulativeHist("custom.c", histPoint[float64](noAttrs, []float64{0.5}, false, 1))},
		},
	})
}

// TestTwoReaders: one provider, two readers with different temporality and
// aggregation; each sees its own view of the same measurements.
func TestTwoReaders(t *testing.T) {
	ctx := context.Background()
	histAsSum := func(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
		if k == sdkmetric.InstrumentKindHistogram {
			return sdkmetric.AggregationSum{}
		}
		return sdkmetric.DefaultAggregationSelector(k)
	}
	forEachSDK(t, func(t *testing.T, s sdk) {
		h := s.manual(t, providerConfig{readers: []readerConfig{
			{temporality: allCumulative},
			{temporality: allDelta, aggregation: histAsSum},
		}})
		meter := h.provider.Meter("readers")
		c, _ := meter.Int64Counter("c")
		hist, _ := meter.Float64Histogram("h")
		_, err := meter.Int64ObservableCounter("o", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(10)
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		rounds := []struct {
			add          int64
			record       float64
			cumCount     int64
			cumHist      []float64
			deltaObserve int64
		}{
			{add: 1, record: 2, cumCount: 1, cumHist: []float64{2}, deltaObserve: 10},
			{add: 5, record: 7, cumCount: 6, cumHist: []float64{2, 7}, deltaObserve: 0},
		}
		for i, r := range rounds {
			c.Add(ctx, r.add)
			hist.Record(ctx, r.record)
			wantCumulative := []metricdata.Metrics{
				int64Sum("c", metricdata.CumulativeTemporality, true, int64Point(r.cumCount)),
				cumulativeHist("h", histPoint[float64](noAttrs, defaultBounds, false, r.cumHist...)),
				int64Sum("o", metricdata.CumulativeTemporality, true, int64Point(10)),
			}
			wantDelta := []metricdata.Metrics{
				int64Sum("c", metricdata.DeltaTemporality, true, int64Point(r.add)),
				float64Sum("h", metricdata.DeltaTemporality, true, r.record),
				int64Sum("o", metricdata.DeltaTemporality, true, int64Point(r.deltaObserve)),
			}
			for reader, want := range [][]metricdata.Metrics{wantCumulative, wantDelta} {
				scope := instrumentation.Scope{Name: "readers"}
				got := h.collectReader(t, reader)
				if len(got.ScopeMetrics) != 1 {
					t.Fatalf("round %d reader %d: %d scopes", i, reader, len(got.ScopeMetrics))
				}
				metricdatatest.AssertEqual(t, metricdata.ScopeMetrics{Scope: scope, Metrics: want},
					got.ScopeMetrics[0], metricdatatest.IgnoreTimestamp())
			}
		}
	})
}
