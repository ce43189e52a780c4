// Package benchmarks runs the same metric workloads, in one process, against
// fastmeter, the official OpenTelemetry Go SDK (go.opentelemetry.io/otel/sdk/metric
// v1.47.0, ManualReader, defaults except the cardinality limit) and
// prometheus/client_golang, so that every speed claim fastmeter makes can be
// checked side by side.
//
// Each library is one small adapter (a [library] that builds a [pipeline]); each
// workload is written once per instrumentation API: the OpenTelemetry loops are
// shared by fastmeter and the official SDK (same API calls, only the provider
// differs), and client_golang has the equivalent loops in its own API.
//
// Benchmarks are named Benchmark<Workload>/<library>/<case...> so that
// cmd/report can pair the libraries. See README.md.
package benchmarks
