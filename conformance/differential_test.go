package conformance

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
)

// attrPool are the attribute sets the differential workload draws from,
// including the empty set and one given in a different key order.
var attrPool = [][]attribute.KeyValue{
	nil,
	{attribute.String("route", "/a")},
	{attribute.String("route", "/b"), attribute.Int("code", 200)},
	{attribute.Int("code", 200), attribute.String("route", "/b")}, // same set as above
	{attribute.String("route", "/c"), attribute.Bool("cached", true), attribute.Float64("ratio", 0.5)},
}

// TestDifferential runs one deterministic pseudo-random workload on every
// SDK: all 14 instruments, several attribute sets, views (rename, attribute
// filter, aggregation change), and two readers (cumulative with default
// aggregations; delta for every kind with custom histogram boundaries), over
// five collections; every collection of every SDK must equal the official
// SDK's. Values are multiples of 1/4 so float sums are exact in any order.
func TestDifferential(t *testing.T) {
	const (
		rounds         = 5
		measuresPerRnd = 200
	)
	customBounds := func(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
		if k == sdkmetric.InstrumentKindHistogram {
			return sdkmetric.AggregationExplicitBucketHistogram{Boundaries: []float64{0, 10, 100}}
		}
		return sdkmetric.DefaultAggregationSelector(k)
	}
	cfg := providerConfig{
		readers: []readerConfig{{}, {temporality: allDelta, aggregation: customBounds}},
		views: []sdkmetric.View{
			sdkmetric.NewView(sdkmetric.Instrument{Name: "Int64Counter"}, sdkmetric.Stream{Name: "renamed.counter"}),
			sdkmetric.NewView(sdkmetric.Instrument{Name: "Float64*"}, sdkmetric.Stream{AttributeFilter: attribute.NewAllowKeysFilter("route")}),
			sdkmetric.NewView(sdkmetric.Instrument{Name: "Int64Histogram"}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationSum{}}),
		},
	}

	// results[sdk][round][reader]
	results := map[string][][]metricdata.ResourceMetrics{}
	forEachSDK(t, func(t *testing.T, s sdk) {
		h := s.manual(t, cfg)
		meter := h.provider.Meter("differential", metric.WithInstrumentationVersion("1"))
		rng := rand.New(rand.NewPCG(1, 2))
		round := 0
		recorders := make([]func(float64, attribute.Set), len(allInstruments))
		for i, in := range allInstruments {
			if in.observable() {
				// Observables report, per attribute set, a value that only
				// grows (so it is a valid cumulative counter observation) and
				// depends on the round.
				observeAll := func(observe func(v float64, attrs attribute.Set)) {
					for a, kvs := range attrPool {
						if (a+round)%4 == 3 {
							continue // a set not observed this round disappears
						}
						observe(float64(10*round+a)+0.25, attribute.NewSet(kvs...))
					}
				}
				if err := registerObservable(meter, in, observeAll); err != nil {
					t.Fatal(err)
				}
				continue
			}
			recorders[i] = syncRecorder(t, meter, in)
		}
		var got [][]metricdata.ResourceMetrics
		for round = 0; round < rounds; round++ {
			for range measuresPerRnd {
				i := rng.IntN(len(allInstruments))
				if recorders[i] == nil {
					continue
				}
				v := float64(rng.IntN(800)) / 4 // 0 .. 199.75
				if k := allInstruments[i].kind; k == sdkmetric.InstrumentKindUpDownCounter || k == sdkmetric.InstrumentKindGauge {
					v -= 50
				}
				if !allInstruments[i].float {
					v = float64(int64(v))
				}
				recorders[i](v, attribute.NewSet(attrPool[rng.IntN(len(attrPool))]...))
			}
			got = append(got, []metricdata.ResourceMetrics{h.collectReader(t, 0), h.collectReader(t, 1)})
		}
		results[s.name] = got
		// Guard against a vacuous comparison: by the last round every
		// instrument has data on the cumulative reader.
		if n := len(flatten(got[rounds-1][0])); n != len(allInstruments) {
			t.Fatalf("last cumulative collection has %d metrics, want %d", n, len(allInstruments))
		}

		ref, ok := results["official"]
		if !ok || s.name == "official" {
			return
		}
		for r := range rounds {
			for reader := range 2 {
				run(t, fmt.Sprintf("round%d/reader%d", r, reader), func(t *testing.T) {
					metricdatatest.AssertEqual(t, ref[r][reader], got[r][reader], metricdatatest.IgnoreTimestamp())
				})
			}
		}
	})
}

// syncRecorder returns a function recording into the synchronous
// instrument in (created on meter under the instrument's own name).
func syncRecorder(t *testing.T, meter metric.Meter, in instr) func(float64, attribute.Set) {
	t.Helper()
	ctx := context.Background()
	name := in.String()
	var (
		add    func(float64, metric.AddOption)
		record func(float64, metric.RecordOption)
		err    error
	)
	switch {
	case in.float && in.kind == sdkmetric.InstrumentKindCounter:
		var i metric.Float64Counter
		i, err = meter.Float64Counter(name)
		add = func(v float64, o metric.AddOption) { i.Add(ctx, v, o) }
	case in.float && in.kind == sdkmetric.InstrumentKindUpDownCounter:
		var i metric.Float64UpDownCounter
		i, err = meter.Float64UpDownCounter(name)
		add = func(v float64, o metric.AddOption) { i.Add(ctx, v, o) }
	case in.float && in.kind == sdkmetric.InstrumentKindHistogram:
		var i metric.Float64Histogram
		i, err = meter.Float64Histogram(name)
		record = func(v float64, o metric.RecordOption) { i.Record(ctx, v, o) }
	case in.float && in.kind == sdkmetric.InstrumentKindGauge:
		var i metric.Float64Gauge
		i, err = meter.Float64Gauge(name)
		record = func(v float64, o metric.RecordOption) { i.Record(ctx, v, o) }
	case in.kind == sdkmetric.InstrumentKindCounter:
		var i metric.Int64Counter
		i, err = meter.Int64Counter(name)
		add = func(v float64, o metric.AddOption) { i.Add(ctx, int64(v), o) }
	case in.kind == sdkmetric.InstrumentKindUpDownCounter:
		var i metric.Int64UpDownCounter
		i, err = meter.Int64UpDownCounter(name)
		add = func(v float64, o metric.AddOption) { i.Add(ctx, int64(v), o) }
	case in.kind == sdkmetric.InstrumentKindHistogram:
		var i metric.Int64Histogram
		i, err = meter.Int64Histogram(name)
		record = func(v float64, o metric.RecordOption) { i.Record(ctx, int64(v), o) }
	case in.kind == sdkmetric.InstrumentKindGauge:
		var i metric.Int64Gauge
		i, err = meter.Int64Gauge(name)
		record = func(v float64, o metric.RecordOption) { i.Record(ctx, int64(v), o) }
	}
	if err != nil {
		t.Fatal(err)
	}
	// Alternate the two ways of passing attributes, so both paths are
	// exercised: a precomputed set and a list of key-values.
	var calls int
	if add != nil {
		return func(v float64, attrs attribute.Set) {
			calls++
			if calls%2 == 0 {
				add(v, metric.WithAttributeSet(attrs))
			} else {
				add(v, metric.WithAttributes(attrs.ToSlice()...))
			}
		}
	}
	return func(v float64, attrs attribute.Set) {
		calls++
		if calls%2 == 0 {
			record(v, metric.WithAttributeSet(attrs))
		} else {
			record(v, metric.WithAttributes(attrs.ToSlice()...))
		}
	}
}

// registerObservable creates the observable instrument in on meter, with a
// callback observing what observeAll gives.
func registerObservable(meter metric.Meter, in instr, observeAll func(func(float64, attribute.Set))) error {
	if in.float {
		return registerFloat64Observable(meter, in, observeAll)
	}
	return registerInt64Observable(meter, in, observeAll)
}

func registerFloat64Observable(meter metric.Meter, in instr, observeAll func(func(float64, attribute.Set))) error {
	cb := metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
		observeAll(func(v float64, attrs attribute.Set) { o.Observe(v, metric.WithAttributeSet(attrs)) })
		return nil
	})
	var err error
	switch in.kind {
	case sdkmetric.InstrumentKindObservableCounter:
		_, err = meter.Float64ObservableCounter(in.String(), cb)
	case sdkmetric.InstrumentKindObservableUpDownCounter:
		_, err = meter.Float64ObservableUpDownCounter(in.String(), cb)
	case sdkmetric.InstrumentKindObservableGauge:
		_, err = meter.Float64ObservableGauge(in.String(), cb)
	}
	return err
}

func registerInt64Observable(meter metric.Meter, in instr, observeAll func(func(float64, attribute.Set))) error {
	cb := metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		observeAll(func(v float64, attrs attribute.Set) { o.Observe(int64(v), metric.WithAttributeSet(attrs)) })
		return nil
	})
	var err error
	switch in.kind {
	case sdkmetric.InstrumentKindObservableCounter:
		_, err = meter.Int64ObservableCounter(in.String(), cb)
	case sdkmetric.InstrumentKindObservableUpDownCounter:
		_, err = meter.Int64ObservableUpDownCounter(in.String(), cb)
	case sdkmetric.InstrumentKindObservableGauge:
		_, err = meter.Int64ObservableGauge(in.String(), cb)
	}
	return err
}
