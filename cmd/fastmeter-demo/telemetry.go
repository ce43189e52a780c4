package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/sdk/resource"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/metricz"
	"github.com/fastmeter/fastmeter/prometheus"
)

// telemetry is the demo's MeterProvider and the readers it feeds.
type telemetry struct {
	provider      *sdkmetric.MeterProvider
	metricz       *metricz.Handler        // the live page
	prometheus    *prometheus.Exporter    // /metrics
	summaryReader *sdkmetric.ManualReader // the console summary
	pushing       string                  // where OTLP goes, "" when nowhere
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

// newTelemetry builds the provider with its three pull-side readers (page,
// Prometheus, console) and, when OTEL_EXPORTER_OTLP_ENDPOINT (or its
// METRICS variant) is set, a periodic OTLP push. Everything else the
// standard variables say (service name, resource attributes, protocol,
// headers, export interval) is honoured.
//
// TODO(issue 7): build the provider with autoconfig.NewMeterProvider once
// package autoconfig accepts fastmeter readers (it is still written against
// the official SDK's Reader type); then OTEL_METRICS_EXPORTER and the other
// variables it validates apply too.
func newTelemetry(ctx context.Context, metriczInterval time.Duration) (*telemetry, error) {
	res, err := demoResource(ctx)
	if err != nil {
		return nil, err
	}
	page := metricz.New(metricz.WithInterval(metriczInterval))
	prom, err := prometheus.New(prometheus.WithoutRegistration())
	if err != nil {
		_ = page.Shutdown(ctx)
		return nil, fmt.Errorf("prometheus exporter: %w", err)
	}
	t := &telemetry{metricz: page, prometheus: prom, summaryReader: sdkmetric.NewManualReader()}
	opts := []sdkmetric.Option{
		sdkmetric.WithResource(res),
		sdkmetric.WithReader(page),
		sdkmetric.WithReader(prom),
		sdkmetric.WithReader(t.summaryReader),
		sdkmetric.WithView(durationViews()...),
	}
	if endpoint := otlpEndpoint(); endpoint != "" {
		exporter, protocol, err := newOTLPExporter(ctx)
		if err != nil {
			_ = page.Shutdown(ctx)
			_ = prom.Shutdown(ctx)
			return nil, err
		}
		// The periodic reader takes its interval and timeout from
		// OTEL_METRIC_EXPORT_INTERVAL and OTEL_METRIC_EXPORT_TIMEOUT.
		opts = append(opts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exporter)))
		t.pushing = "OTLP (" + protocol + ") to " + endpoint
	}
	t.provider = sdkmetric.NewMeterProvider(opts...)
	return t, nil
}

// demoResource names the service "fastmeter-demo" unless OTEL_SERVICE_NAME
// or OTEL_RESOURCE_ATTRIBUTES say otherwise.
func demoResource(ctx context.Context) (*resource.Resource, error) {
	fromEnv, err := resource.New(ctx, resource.WithFromEnv(), resource.WithTelemetrySDK(), resource.WithProcessRuntimeName())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("resource from OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	res, err := resource.Merge(resource.NewSchemaless(attribute.String("service.name", "fastmeter-demo")), fromEnv)
	if err != nil {
		return nil, fmt.Errorf("resource: %w", err)
	}
	return res, nil
}

func otlpEndpoint() string {
	if e := os.Getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"); e != "" {
		return e
	}
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
}

// newOTLPExporter builds the official OTLP exporter for the protocol the
// standard variables choose (http/protobuf by default, or grpc); the
// exporters read the endpoint, headers, TLS and compression variables
// themselves.
func newOTLPExporter(ctx context.Context) (sdkmetric.Exporter, string, error) {
	protocol := os.Getenv("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL")
	if protocol == "" {
		protocol = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch strings.ToLower(protocol) {
	case "", "http/protobuf":
		exp, err := otlpmetrichttp.New(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("OTLP http exporter: %w", err)
		}
		return exp, "http/protobuf", nil
	case "grpc":
		exp, err := otlpmetricgrpc.New(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("OTLP grpc exporter: %w", err)
		}
		return exp, "grpc", nil
	}
	return nil, "", fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: accepted values are http/protobuf and grpc", protocol)
}

// shutdown flushes every exporter (a last OTLP push) and stops the readers.
func (t *telemetry) shutdown(ctx context.Context) error {
	return t.provider.Shutdown(ctx)
}
