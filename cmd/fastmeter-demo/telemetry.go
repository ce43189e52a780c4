package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
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
	pushing       string                  // where autoconfig's exporters send or serve, "" when nowhere
	disabled      bool                    // OTEL_SDK_DISABLED=true: nothing is recorded
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

// newTelemetry builds the provider through autoconfig, always, so every
// standard OTEL_* variable is read, validated (a bad value is an error
// naming it) and honoured, OTEL_SDK_DISABLED included. The demo adds its
// own readers (the page, /metrics, the summary) and chooses the exporters
// only where the environment leaves the choice open; see demoExporters.
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
	var exporters []string
	if raw := os.Getenv("OTEL_METRICS_EXPORTER"); raw != "" {
		t.pushing = "as OTEL_METRICS_EXPORTER=" + raw + " says"
		exporters = strings.Split(raw, ",")
	} else {
		exporters = demoExporters()
		opts = append(opts, autoconfig.WithExporters(exporters...))
	}
	t.pushing = describeExporters(exporters, t.pushing)
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
	// OTEL_SDK_DISABLED=true: autoconfig built a provider without readers,
	// so the demo's own were never registered. They are the demo's to stop.
	var probe metricdata.ResourceMetrics
	if errors.Is(t.summaryReader.Collect(ctx, &probe), sdkmetric.ErrReaderNotRegistered) {
		t.disabled = true
		t.pushing = ""
		_ = page.Shutdown(ctx)
		_ = prom.Shutdown(ctx)
	}
	return t, nil
}

// demoExporters chooses the exporters when OTEL_METRICS_EXPORTER is unset.
// autoconfig's default (otlp) would make a plain `go run` log an export
// error every minute without a collector, so the demo exports nothing by
// default; but any variable that configures OTLP or the export schedule
// (OTEL_EXPORTER_OTLP_*, OTEL_METRIC_EXPORT_*) turns otlp on, and any
// OTEL_EXPORTER_PROMETHEUS_* variable the prometheus exporter, so that
// autoconfig reads, checks and uses what was set instead of ignoring it.
func demoExporters() []string {
	var exporters []string
	if anySet("OTEL_EXPORTER_OTLP_", "OTEL_METRIC_EXPORT_") {
		exporters = append(exporters, "otlp")
	}
	if anySet("OTEL_EXPORTER_PROMETHEUS_") {
		exporters = append(exporters, "prometheus")
	}
	if len(exporters) == 0 {
		return []string{"none"}
	}
	return exporters
}

// anySet reports whether a non-empty variable starts with one of prefixes
// (autoconfig treats an empty variable as unset).
func anySet(prefixes ...string) bool {
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) && value != "" {
				return true
			}
		}
	}
	return false
}

// describeExporters says, for the console, where the exporters send or
// serve the metrics; why is the reason the user gave (if any).
func describeExporters(exporters []string, why string) string {
	var parts []string
	for _, e := range exporters {
		switch strings.ToLower(strings.TrimSpace(e)) {
		case "otlp":
			endpoint := otlpEndpoint()
			if endpoint == "" {
				endpoint = "the default endpoint (http://localhost:4318; localhost:4317 for grpc)"
			}
			parts = append(parts, "OTLP to "+endpoint)
		case "prometheus":
			host, port := os.Getenv("OTEL_EXPORTER_PROMETHEUS_HOST"), os.Getenv("OTEL_EXPORTER_PROMETHEUS_PORT")
			if host == "" {
				host = "localhost" // loopback: OTEL_EXPORTER_PROMETHEUS_HOST=0.0.0.0 for other machines
			}
			if port == "" {
				port = "9464"
			}
			parts = append(parts, "Prometheus at http://"+net.JoinHostPort(host, port)+"/metrics")
		case "console":
			parts = append(parts, "console (stdout)")
		}
	}
	if len(parts) == 0 {
		return ""
	}
	desc := strings.Join(parts, ", ")
	if why != "" {
		desc += " (" + why + ")"
	}
	return desc
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
