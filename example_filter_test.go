package fastmeter_test

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// debugFilter drops the debug.* metrics and keeps only the successful
// requests of http.server.requests.
type debugFilter struct{}

func (debugFilter) TestMetric(_ instrumentation.Scope, name string, _ sdkmetric.InstrumentKind, _ string) sdkmetric.MetricFilterResult {
	switch {
	case strings.HasPrefix(name, "debug."):
		return sdkmetric.MetricFilterDrop
	case name == "http.server.requests":
		return sdkmetric.MetricFilterAcceptPartial
	}
	return sdkmetric.MetricFilterAccept
}

func (debugFilter) TestAttributes(_ instrumentation.Scope, _ string, _ sdkmetric.InstrumentKind, _ string, attrs attribute.Set) sdkmetric.AttributesFilterResult {
	if status, _ := attrs.Value("status"); status.AsInt64() < 500 {
		return sdkmetric.AttributesFilterAccept
	}
	return sdkmetric.AttributesFilterDrop
}

// A MetricFilter decides at collection which streams and points a reader
// gets. The dropped debug gauge's callback is not even run for this reader.
func ExampleWithMetricFilter() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader(sdkmetric.WithMetricFilter(debugFilter{}))
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(ctx)
	meter := provider.Meter("server")

	requests, _ := meter.Int64Counter("http.server.requests")
	requests.Add(ctx, 3, metric.WithAttributes(attribute.Int("status", 200)))
	requests.Add(ctx, 1, metric.WithAttributes(attribute.Int("status", 503)))
	_, _ = meter.Int64ObservableGauge("debug.queue", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		fmt.Println("debug callback ran") // not printed: the filter drops its only stream
		o.Observe(7)
		return nil
	}))

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
			status, _ := p.Attributes.Value("status")
			fmt.Println(m.Name, status.AsInt64(), p.Value)
		}
	}
	// Output: http.server.requests 200 3
}
