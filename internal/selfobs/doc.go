// Package selfobs is fastmeter's self-observability: the metrics the SDK
// emits about itself when OTEL_GO_X_OBSERVABILITY=true (or the older
// OTEL_GO_X_SELF_OBSERVABILITY=true), the switch of the official SDK.
//
// The metric the official SDK emits, otel.sdk.metric_reader.collection.duration,
// is reproduced with the official name, unit, description, scope, attribute
// values and reader numbering. fastmeter's extras (series per stream,
// measurements routed to overflow or dropped as invalid, callbacks abandoned
// or panicking, failed exports, the Prometheus exporter's scrapes) use a
// semantic-conventions name where one exists and a fastmeter.* name
// otherwise; they are emitted under the same switch, in a scope of their own.
//
// Nothing here runs on the measurement hot path. The events are counted
// where fastmeter already handles them in a slow path (a locked table
// insert, the rate-limited report of an invalid measurement, a callback's
// recover or abandonment, a failed export) with one atomic add, and are read
// by observable instruments at collection time. Those callbacks read atomics
// and snapshots only, never a pipeline lock, so the global MeterProvider may
// be the observed provider itself.
package selfobs
