// Package e2e holds fastmeter's end-to-end tests against a real OpenTelemetry
// Collector: metrics are exported with the official OTLP exporters (gRPC and
// HTTP) through a fastmeter PeriodicReader, the collector writes what it
// receives to a JSON file, and the tests read that file back and compare it
// with what was recorded. The same is proven for a provider that autoconfig
// builds from OTEL_* environment variables alone. See README.md for how to
// run them and what they assert, including what happens to data while the
// collector is down.
//
// The package has no exported API; everything lives in _test.go files.
package e2e
