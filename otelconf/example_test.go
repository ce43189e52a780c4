package otelconf_test

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/otelconf"
)

// A configuration file builds fastmeter's provider. Here the file's view
// renames a counter, and a ManualReader added in code shows the result; a
// program would name the file with OTEL_CONFIG_FILE and call NewSDK alone.
func ExampleNewSDK() {
	cfg, err := otelconf.ParseYAML([]byte(`
file_format: "1.0"
meter_provider:
  exemplar_filter: always_off
  views:
    - selector:
        instrument_name: http.requests
      stream:
        name: http.server.requests
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	reader := sdkmetric.NewManualReader()
	sdk, err := otelconf.NewSDK(
		otelconf.WithOpenTelemetryConfiguration(*cfg),
		otelconf.WithMeterProviderOptions(sdkmetric.WithReader(reader)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sdk.Shutdown(context.Background())

	counter, _ := sdk.MeterProvider().Meter("example").Int64Counter("http.requests")
	counter.Add(context.Background(), 3)

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	m := rm.ScopeMetrics[0].Metrics[0]
	fmt.Println(m.Name, m.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
	// Output: http.server.requests 3
}

// A misspelt key is an error naming its path in the file, where otelconf's
// own parser would drop it and run with the default interval.
func ExampleParseYAML_unknownKey() {
	_, err := otelconf.ParseYAML([]byte(`
file_format: "1.0"
meter_provider:
  readers:
    - periodic:
        interval_ms: 1000
        exporter:
          console:
`))
	fmt.Println(err)
	// Output: otelconf: meter_provider.readers[0].periodic.interval_ms: unknown key (known: cardinality_limits, exporter, interval, producers, timeout)
}
