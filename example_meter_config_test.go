package fastmeter_test

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// A MeterConfigurator disables the meters of a noisy library; at run time
// SetMeterConfigurator turns them back on, for the meters and instruments
// that already exist.
func ExampleWithMeterConfigurator() {
	ctx := context.Background()
	quietDebug := func(s instrumentation.Scope) fastmeter.MeterConfig {
		return fastmeter.MeterConfig{Disabled: strings.HasPrefix(s.Name, "example.com/debug")}
	}
	reader := fastmeter.NewManualReader()
	provider := fastmeter.NewMeterProvider(fastmeter.WithReader(reader), fastmeter.WithMeterConfigurator(quietDebug))
	defer provider.Shutdown(ctx)

	orders, _ := provider.Meter("example.com/shop").Int64Counter("orders")
	probes, _ := provider.Meter("example.com/debug/probe").Int64Counter("probes")
	orders.Add(ctx, 1)
	probes.Add(ctx, 1) // dropped: the meter is disabled
	fmt.Println("probes enabled:", probes.Enabled(ctx))
	printScopes(ctx, reader)

	provider.SetMeterConfigurator(nil) // every meter enabled again
	probes.Add(ctx, 2)
	fmt.Println("probes enabled:", probes.Enabled(ctx))
	printScopes(ctx, reader)
	// Output:
	// probes enabled: false
	// example.com/shop orders=1
	// probes enabled: true
	// example.com/shop orders=1
	// example.com/debug/probe probes=2
}

func printScopes(ctx context.Context, reader *fastmeter.ManualReader) {
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			fmt.Printf("%s %s=%d\n", sm.Scope.Name, m.Name, m.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
		}
	}
}
