// Package fastmeter is an OpenTelemetry Metrics SDK for Go and a drop-in
// replacement for go.opentelemetry.io/otel/sdk/metric:
//
//	import sdkmetric "github.com/fastmeter/fastmeter" // was: go.opentelemetry.io/otel/sdk/metric
//
// It implements the OpenTelemetry metric API (go.opentelemetry.io/otel/metric),
// so every instrumented library reports through it, and it reuses the official
// SDK's exported contract types (Exporter, Producer, View, Stream, Instrument,
// the Aggregation configurations, the selectors, the errors and metricdata), so
// exporters, views and producers written for the official SDK work unchanged.
// Behind that contract everything is fastmeter's own: the MeterProvider, meters
// and instruments, the readers, and a lock-free aggregation engine (see
// ARCHITECTURE.md in the repository).
//
// A MeterProvider needs at least one Reader to report anything: a ManualReader
// that the application collects on demand, a PeriodicReader that pushes to an
// Exporter (for example the official otlpmetricgrpc, otlpmetrichttp or
// stdoutmetric exporters), or a pull exporter such as
// github.com/fastmeter/fastmeter/prometheus.
//
// Meters can be switched off and on by instrumentation scope, also at run
// time (WithMeterConfigurator, SetMeterConfigurator, DisableMeters: the
// specification's MeterConfigurator): a disabled meter behaves as the no-op
// meter, and a measurement on it costs one atomic load.
//
// Bad input never panics: invalid measurements (NaN or infinite values, negative
// Counter increments) are dropped and reported as errors of the OpenTelemetry
// global logger (otel.SetLogger), rate limited, naming the instrument; invalid
// configuration is reported and replaced by the documented default.
// Diagnostics use the official SDK's channels: warnings and configuration
// errors go to the global logger at its verbosity levels, errors of running
// operations (a failed periodic export, an abandoned callback) to otel.Handle. Strings that are not valid UTF-8 (names, units,
// descriptions, scope, resource, attribute keys and values), which an OTLP
// exporter cannot encode, are repaired where they enter (invalid bytes become
// U+FFFD) and reported, so one bad string never fails a whole export.
package fastmeter
