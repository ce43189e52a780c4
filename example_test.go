package fastmeter_test

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// A provider with a ManualReader: record, then collect on demand.
func ExampleNewMeterProvider() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(ctx)

	orders, _ := provider.Meter("shop").Int64Counter("orders", metric.WithUnit("{order}"))
	nl := metric.WithAttributeSet(attribute.NewSet(attribute.String("country", "NL")))
	orders.Add(ctx, 2, nl)
	orders.Add(ctx, 3, nl)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	sum := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64])
	fmt.Println(rm.ScopeMetrics[0].Metrics[0].Name, sum.DataPoints[0].Value)
	// Output: orders 5
}

// A PeriodicReader pushes to any official exporter, here stdoutmetric.
func ExampleNewPeriodicReader() {
	ctx := context.Background()
	exporter, err := stdoutmetric.New()
	if err != nil {
		panic(err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(
		sdkmetric.NewPeriodicReader(exporter, sdkmetric.WithInterval(10*time.Second))))
	// Shutdown exports what was recorded since the last interval.
	defer provider.Shutdown(ctx)

	requests, _ := provider.Meter("server").Int64Counter("http.server.requests")
	requests.Add(ctx, 1)
}

// Views rename streams and choose their aggregation; here an exponential
// histogram for every instrument whose name ends in ".duration".
func ExampleNewView() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(reader),
		sdkmetric.WithView(sdkmetric.NewView(
			sdkmetric.Instrument{Name: "*.duration"},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}},
		)),
	)
	latency, _ := provider.Meter("server").Float64Histogram("http.server.duration", metric.WithUnit("s"))
	latency.Record(ctx, 0.25)
	latency.Record(ctx, 0.5)

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	h := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.ExponentialHistogram[float64])
	fmt.Println(h.DataPoints[0].Count, h.DataPoints[0].Sum)
	// Output: 2 0.75
}

// Delta temporality: each collection reports what happened since the
// previous one.
func ExampleWithTemporalitySelector() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(sdkmetric.DeltaTemporalitySelector))
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	hits, _ := provider.Meter("cache").Int64Counter("hits")

	var rm metricdata.ResourceMetrics
	for _, n := range []int64{4, 6} {
		hits.Add(ctx, n)
		_ = reader.Collect(ctx, &rm)
		fmt.Println(rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64]).DataPoints[0].Value)
	}
	// Output:
	// 4
	// 6
}
