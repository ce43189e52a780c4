// Package fastmeter is a drop-in replacement for go.opentelemetry.io/otel/sdk/metric.
package fastmeter
