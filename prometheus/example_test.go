package prometheus_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/prometheus"
)

// Serve a provider's metrics on /metrics with the exporter's own handler.
func Example() {
	ctx := context.Background()
	exporter, err := prometheus.New(prometheus.WithoutRegistration())
	if err != nil {
		panic(err)
	}
	provider := fastmeter.NewMeterProvider(
		fastmeter.WithReader(exporter),
		fastmeter.WithResource(resource.NewSchemaless(attribute.String("service.name", "shop"))),
	)
	defer func() { _ = provider.Shutdown(ctx) }()

	orders, _ := provider.Meter("shop").Int64Counter("orders", metric.WithDescription("Orders placed."))
	orders.Add(ctx, 3, metric.WithAttributes(attribute.String("payment.method", "card")))

	// In a program: http.Handle("/metrics", exporter)
	server := httptest.NewServer(exporter)
	defer server.Close()
	resp, err := http.Get(server.URL + "/metrics")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(os.Stdout, resp.Body)
	// Output:
	// # HELP orders_total Orders placed.
	// # TYPE orders_total counter
	// orders_total{otel_scope_name="shop",payment_method="card"} 3
	// # HELP target_info Target metadata
	// # TYPE target_info gauge
	// target_info{service_name="shop"} 1
}

// Serve fastmeter metrics from an existing client_golang registry, next to
// the Go runtime metrics.
func ExampleWithRegisterer() {
	ctx := context.Background()
	registry := promclient.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector())

	exporter, err := prometheus.New(prometheus.WithRegisterer(registry))
	if err != nil {
		panic(err)
	}
	provider := fastmeter.NewMeterProvider(fastmeter.WithReader(exporter))
	defer func() { _ = provider.Shutdown(ctx) }()
	jobs, _ := provider.Meter("worker").Int64UpDownCounter("jobs.queued")
	jobs.Add(ctx, 4)

	// In a program: http.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	families, err := registry.Gather()
	if err != nil {
		panic(err)
	}
	for _, mf := range families {
		switch mf.GetName() {
		case "go_goroutines", "jobs_queued":
			fmt.Println(mf.GetName(), mf.GetType())
		}
	}
	// Output:
	// go_goroutines GAUGE
	// jobs_queued GAUGE
}

// Serve a provider's metrics on an address of their own: the server belongs
// to the provider and stops with its Shutdown. Port 0 lets the system
// choose; Addr says which it chose.
func ExampleNewServedReader() {
	ctx := context.Background()
	reader, err := prometheus.NewServedReader("127.0.0.1:0", prometheus.WithoutRegistration())
	if err != nil {
		panic(err)
	}
	provider := fastmeter.NewMeterProvider(
		fastmeter.WithReader(reader),
		fastmeter.WithResource(resource.NewSchemaless(attribute.String("service.name", "shop"))),
	)
	defer func() { _ = provider.Shutdown(ctx) }() // stops the server too

	orders, _ := provider.Meter("shop").Int64Counter("orders", metric.WithDescription("Orders placed."))
	orders.Add(ctx, 3)

	resp, err := http.Get("http://" + reader.Addr().String() + prometheus.MetricsPath)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(os.Stdout, resp.Body)
	// Output:
	// # HELP orders_total Orders placed.
	// # TYPE orders_total counter
	// orders_total{otel_scope_name="shop"} 3
	// # HELP target_info Target metadata
	// # TYPE target_info gauge
	// target_info{service_name="shop"} 1
}

// dropDebug is a MetricFilter that leaves the debug.* metrics out.
type dropDebug struct{}

func (dropDebug) TestMetric(_ instrumentation.Scope, name string, _ fastmeter.InstrumentKind, _ string) fastmeter.MetricFilterResult {
	if strings.HasPrefix(name, "debug.") {
		return fastmeter.MetricFilterDrop
	}
	return fastmeter.MetricFilterAccept
}

func (dropDebug) TestAttributes(instrumentation.Scope, string, fastmeter.InstrumentKind, string, attribute.Set) fastmeter.AttributesFilterResult {
	return fastmeter.AttributesFilterAccept
}

// Serve only what a MetricFilter accepts: the debug.* metrics are recorded
// (another reader may export them) but never scraped.
func ExampleWithMetricFilter() {
	ctx := context.Background()
	exporter, err := prometheus.New(prometheus.WithoutRegistration(), prometheus.WithMetricFilter(dropDebug{}),
		prometheus.WithoutScopeInfo(), prometheus.WithoutTargetInfo())
	if err != nil {
		panic(err)
	}
	provider := fastmeter.NewMeterProvider(fastmeter.WithReader(exporter))
	defer func() { _ = provider.Shutdown(ctx) }()
	meter := provider.Meter("shop")
	orders, _ := meter.Int64Counter("orders", metric.WithDescription("Orders placed."))
	cache, _ := meter.Int64Counter("debug.cache.misses")
	orders.Add(ctx, 3)
	cache.Add(ctx, 40)

	server := httptest.NewServer(exporter)
	defer server.Close()
	resp, err := http.Get(server.URL + "/metrics")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(os.Stdout, resp.Body)
	// Output:
	// # HELP orders_total Orders placed.
	// # TYPE orders_total counter
	// orders_total 3
}
