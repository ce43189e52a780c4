package autoconfig_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/autoconfig"
)

// setenv stands in for the deployment, which normally sets the variables.
func setenv(kv ...string) (restore func()) {
	for i := 0; i < len(kv); i += 2 {
		os.Setenv(kv[i], kv[i+1])
	}
	return func() {
		for i := 0; i < len(kv); i += 2 {
			os.Unsetenv(kv[i])
		}
	}
}

// The whole setup of a service whose metrics configuration comes from the
// environment. Here the environment asks for no exporter and the example
// reads the metrics back with a ManualReader; in production it would say,
// for example, OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318.
func ExampleNewMeterProvider() {
	defer setenv(
		"OTEL_METRICS_EXPORTER", "none",
		"OTEL_SERVICE_NAME", "checkout",
		"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=staging",
	)()

	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp, err := autoconfig.NewMeterProvider(ctx, autoconfig.WithReader(reader))
	if err != nil {
		log.Fatal(err)
	}
	defer mp.Shutdown(ctx) // exports what is left and stops exporters and servers
	otel.SetMeterProvider(mp)

	orders, _ := otel.Meter("shop").Int64Counter("orders")
	orders.Add(ctx, 3)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	service, _ := rm.Resource.Set().Value("service.name")
	env, _ := rm.Resource.Set().Value("deployment.environment.name")
	sum := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64])
	fmt.Println("service:", service.AsString(), "in", env.AsString())
	fmt.Println("orders:", sum.DataPoints[0].Value)
	// Output:
	// service: checkout in staging
	// orders: 3
}

// A mistake in the environment is an error naming the variable and its
// value; nothing is started.
func ExampleNewMeterProvider_invalidEnvironment() {
	defer setenv("OTEL_METRIC_EXPORT_INTERVAL", "10s")()

	_, err := autoconfig.NewMeterProvider(context.Background())
	fmt.Println(err)
	// Output:
	// autoconfig: OTEL_METRIC_EXPORT_INTERVAL="10s": not a whole number of milliseconds
}

// OTEL_METRICS_EXPORTER=prometheus serves /metrics on
// OTEL_EXPORTER_PROMETHEUS_HOST:OTEL_EXPORTER_PROMETHEUS_PORT (default
// localhost:9464) until Shutdown. WithPrometheusListener picks the listener
// instead, here a free port.
func ExampleWithPrometheusListener() {
	defer setenv("OTEL_METRICS_EXPORTER", "prometheus")()

	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	mp, err := autoconfig.NewMeterProvider(ctx, autoconfig.WithPrometheusListener(l))
	if err != nil {
		log.Fatal(err)
	}
	defer mp.Shutdown(ctx)

	orders, _ := mp.Meter("shop").Int64Counter("orders")
	orders.Add(ctx, 3)

	resp, err := http.Get("http://" + l.Addr().String() + "/metrics")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "orders_total") {
			fmt.Println(lines.Text())
		}
	}
	// Output:
	// orders_total{otel_scope_name="shop"} 3
}
