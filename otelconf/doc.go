// Package otelconf builds a fastmeter MeterProvider from an OpenTelemetry
// declarative configuration file (OTEL_CONFIG_FILE).
package otelconf
