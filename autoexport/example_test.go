package autoexport_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/autoexport"
)

// A service takes its exporter from OTEL_METRICS_EXPORTER. In production
// the deployment sets it (and, say, OTEL_EXPORTER_OTLP_ENDPOINT); here it
// says "none".
func ExampleNewMetricReader() {
	os.Setenv("OTEL_METRICS_EXPORTER", "none")
	defer os.Unsetenv("OTEL_METRICS_EXPORTER")

	ctx := context.Background()
	reader, err := autoexport.NewMetricReader(ctx)
	if err != nil {
		log.Fatal(err) // names the bad variable and its value
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx) // flushes and stops the exporter (and its server)

	fmt.Println("exporting:", !autoexport.IsNoneMetricReader(reader))
	// Output:
	// exporting: false
}

// A program can add its own value of OTEL_METRICS_EXPORTER; here a
// ManualReader the program reads itself.
func ExampleRegisterMetricReader() {
	manual := sdkmetric.NewManualReader()
	autoexport.RegisterMetricReader("in-process", func(context.Context) (sdkmetric.Reader, error) {
		return manual, nil
	})
	os.Setenv("OTEL_METRICS_EXPORTER", "in-process")
	defer os.Unsetenv("OTEL_METRICS_EXPORTER")

	ctx := context.Background()
	reader, err := autoexport.NewMetricReader(ctx)
	if err != nil {
		log.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)
	orders, _ := mp.Meter("shop").Int64Counter("orders")
	orders.Add(ctx, 3)

	var rm metricdata.ResourceMetrics
	if err := manual.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	sum := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64])
	fmt.Println("orders:", sum.DataPoints[0].Value)
	// Output:
	// orders: 3
}
