package fastmeter_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

func TestExponentialHistogramStream(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithView(fastmeter.NewView(
		fastmeter.Instrument{Name: "latency"},
		fastmeter.Stream{Aggregation: fastmeter.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}})))
	h, _ := mp.Meter("t").Float64Histogram("latency")
	for _, v := range []float64{1, 2, 4, -1, 0} {
		h.Record(context.Background(), v)
	}
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	d := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.ExponentialHistogram[float64])
	p := d.DataPoints[0]
	if p.Count != 5 || p.Sum != 6 || p.ZeroCount != 1 {
		t.Fatalf("count %d sum %v zero %d", p.Count, p.Sum, p.ZeroCount)
	}
	t.Logf("scale %d pos %+v neg %+v", p.Scale, p.PositiveBucket, p.NegativeBucket)
}
