package fastmeter_test

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/x"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// Code written against the experimental x interfaces finds them on every
// fastmeter synchronous instrument: Bind fixes the attributes once, and
// Finish ends a series, which the next collection reports one last time
// before its state is released.
func Example_bindAndFinish() {
	reader := fastmeter.NewManualReader()
	provider := fastmeter.NewMeterProvider(fastmeter.WithReader(reader))
	ctx := context.Background()

	var requests metric.Int64Counter
	requests, _ = provider.Meter("example").Int64Counter("requests")
	attrs := []attribute.KeyValue{attribute.String("handler", "orders")}

	counter := requests
	if b, ok := requests.(x.Int64CounterBinder); ok {
		counter = b.Bind(attrs...) // Add skips attribute processing and the lookup
	}
	counter.Add(ctx, 2)
	counter.Add(ctx, 3)

	if f, ok := requests.(x.Finisher); ok {
		f.Finish(ctx, attrs...) // e.g. the handler was removed
	}
	show := func() {
		var rm metricdata.ResourceMetrics
		_ = reader.Collect(ctx, &rm)
		n := 0
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
					handler, _ := p.Attributes.Value("handler")
					fmt.Printf("handler=%s requests=%d\n", handler.AsString(), p.Value)
					n++
				}
			}
		}
		if n == 0 {
			fmt.Println("no series")
		}
	}
	show() // the final value
	show() // released

	counter.Add(ctx, 1) // the bound counter still works: a new series
	show()
	// Output:
	// handler=orders requests=5
	// no series
	// handler=orders requests=1
}
