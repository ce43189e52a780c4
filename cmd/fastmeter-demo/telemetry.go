package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/autoconfig"
	"github.com/fastmeter/fastmeter/metricz"
	"github.com/fastmeter/fastmeter/prometheus"
)

// telemetry is the demo's MeterProvider and the readers it feeds.
type telemetry struct {
	provider      *sdkmetric.MeterProvider
	metricz       *metricz.Handler        // the live page
	prometheus    *prometheus.Exporter    // /metrics
	summaryReader *sdkmetric.ManualReader // the console summary
	pushing       string                  // what the environment made autoconfig push, "" when nothing
}

// durationViews give the request-duration histogram two streams: the
// instrument's explicit buckets, and a base-2 exponential histogram under a
// second name, which needs no bucket choice and keeps its relative error
// bounded at every scale.
func durationViews() []sdkmetric.View {
	return []sdkmetric.View{
		sdkmetric.NewView(sdkmetric.Instrument{Name: requestDurationName}, sdkmetric.Stream{}),
		sdkmetric.NewView(sdkmetric.Instrument{Name: requestDurationName}, sdkmetric.Stream{
			Name:        requestDurationName + ".exponential",
			Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20},
		}),
	}
}

// newTelemetry builds the provider through autoconfig, so the standard
// OTEL_* variables apply (service name, resource attributes, protocol,
// headers, export interval, …) and a bad value is an error naming the
// variable. Push exporters are only started when asked for: with
// OTEL_METRICS_EXPORTER set, it decides; otherwise OTLP is on exactly when
// OTEL_EXPORTER_OTLP_ENDPOINT (or its METRICS variant) is set, so a plain
// `go run` needs no collector and logs no export errors.
func newTelemetry(ctx context.Context, metriczInterval time.Duration) (*telemetry, error) {
	page := metricz.New(metricz.WithInterval(metriczInterval))
	prom, err := prometheus.New(prometheus.WithoutRegistration())
	if err != nil {
		_ = page.Shutdown(ctx)
		return nil, fmt.Errorf("prometheus exporter: %w", err)
	}
	t := &telemetry{metricz: page, prometheus: prom, summaryReader: sdkmetric.NewManualReader()}

	opts := []autoconfig.Option{
		autoconfig.WithReader(page),
		autoconfig.WithReader(prom),
		autoconfig.WithReader(t.summaryReader),
		autoconfig.WithView(durationViews()...),
	}
	switch exporters, endpoint := os.Getenv("OTEL_METRICS_EXPORTER"), otlpEndpoint(); {
	case exporters != "":
		t.pushing = "as OTEL_METRICS_EXPORTER=" + exporters + " says"
	case endpoint != "":
		opts = append(opts, autoconfig.WithExporters("otlp"))
		t.pushing = "OTLP to " + endpoint
	default:
		opts = append(opts, autoconfig.WithExporters("none"))
	}
	if !serviceNameConfigured() {
		opts = append(opts, autoconfig.WithResource(resource.NewSchemaless(
			attribute.String("service.name", "fastmeter-demo"),
		)))
	}
	t.provider, err = autoconfig.NewMeterProvider(ctx, opts...)
	if err != nil {
		// The provider was not built, so nobody else shuts the readers down.
		_ = page.Shutdown(ctx)
		_ = prom.Shutdown(ctx)
		return nil, err
	}
	return t, nil
}

func otlpEndpoint() string {
	if e := os.Getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"); e != "" {
		return e
	}
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
}

// serviceNameConfigured reports whether the user named the service through
// the environment, which then wins over the demo's default name.
func serviceNameConfigured() bool {
	return os.Getenv("OTEL_SERVICE_NAME") != "" || strings.Contains(os.Getenv("OTEL_RESOURCE_ATTRIBUTES"), "service.name=")
}

// shutdown flushes every exporter (a last OTLP push) and stops the readers.
func (t *telemetry) shutdown(ctx context.Context) error {
	return t.provider.Shutdown(ctx)
}
