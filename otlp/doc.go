// Package otlp is fastmeter's native OTLP metrics exporter: it encodes
// metricdata.ResourceMetrics straight into the OTLP wire bytes (protobuf, or
// the OTLP JSON mapping) into a buffer reused across exports, and sends them
// over OTLP/HTTP (protobuf or JSON) or OTLP/gRPC, with the OTLP
// specification's retry, throttling and partial-success behaviour.
//
// The Exporter implements the official go.opentelemetry.io/otel/sdk/metric
// Exporter interface (fastmeter.Exporter is an alias of it), so it works with
// fastmeter's readers and with the official SDK's alike:
//
//	exp, err := otlp.New(ctx, otlp.WithEndpointURL("http://localhost:4318/v1/metrics"))
//	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(fastmeter.NewPeriodicReader(exp)))
//
// What it does not do yet: read OTEL_EXPORTER_OTLP_* environment variables
// (configure it with options), and autoconfig does not select it (it still
// builds the official exporters). See the README's "Native OTLP exporter".
package otlp
