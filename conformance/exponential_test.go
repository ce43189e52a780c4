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

// TestExponentialHistogramDifferential: Base2 exponential histograms
// (selected by a view; the full feature is issue 3) must equal the official
// SDK's, bucket for bucket, including rescaling when MaxSize is small, zero
// and negative values, both temporalities, and NoMinMax.
func TestExponentialHistogramDifferential(t *testing.T) {
	ctx := context.Background()
	aggs := []struct {
		name string
		agg  sdkmetric.AggregationBase2ExponentialHistogram
	}{
		{"default", sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}},
		{"small", sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 4, MaxScale: 20}},
		{"low scale", sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 2}},
		{"no min max", sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 20, MaxScale: 10, NoMinMax: true}},
	}
	rounds := [][]float64{
		{1, 2, 3, 0.5},
		{0, 0, 1000, 1e6, 0.001},
		{-1, -2.5, 7},
		{},
		{42},
	}
	results := map[string][]metricdata.ResourceMetrics{} // "sdk/agg/temporality" -> per round
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, a := range aggs {
			for _, temp := range []sdkmetric.TemporalitySelector{allCumulative, allDelta} {
				key := fmt.Sprintf("%s/%v", a.name, temp(sdkmetric.InstrumentKindHistogram))
				h := s.manual(t, providerConfig{
					readers: []readerConfig{{temporality: temp}},
					views:   []sdkmetric.View{sdkmetric.NewView(sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram}, sdkmetric.Stream{Aggregation: a.agg})},
				})
				meter := h.provider.Meter("exp")
				fh, _ := meter.Float64Histogram("f")
				ih, _ := meter.Int64Histogram("i")
				var got []metricdata.ResourceMetrics
				for _, values := range rounds {
					for j, v := range values {
						attrs := metric.WithAttributes(attribute.Int("series", j%2))
						fh.Record(ctx, v, attrs)
						ih.Record(ctx, int64(v), attrs)
					}
					got = append(got, h.collectReader(t, 0))
				}
				results[s.name+"/"+key] = got
				if f, ok := findMetric(flatten(got[0]), "f"); !ok {
					t.Fatalf("%s: no data", key)
				} else if _, ok := f.Data.(metricdata.ExponentialHistogram[float64]); !ok {
					t.Fatalf("%s: data is %T, not an exponential histogram", key, f.Data)
				}
				ref, ok := results["official/"+key]
				if !ok || s.name == "official" {
					continue
				}
				run(t, key, func(t *testing.T) {
					for r := range rounds {
						metricdatatest.AssertEqual(t, ref[r], got[r], metricdatatest.IgnoreTimestamp())
					}
				})
			}
		}
	})
}
