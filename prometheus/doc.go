// Package prometheus is a pull exporter that serves the metrics of a fastmeter
// MeterProvider to Prometheus.
//
// An [Exporter] is a fastmeter Reader: register it with
// fastmeter.WithReader. Every scrape collects the provider on demand (always
// cumulative, the only temporality Prometheus understands) and translates the
// result to Prometheus metric families. The same data is offered three ways:
//
//   - as an [net/http.Handler] ([Exporter.ServeHTTP]) that negotiates the
//     exposition format with the scraper through promhttp: text 0.0.4,
//     OpenMetrics 1.0 (with exemplars) and protobuf (with native histograms),
//     gzip-compressed when the scraper asks for it;
//   - as a [github.com/prometheus/client_golang/prometheus.Collector]
//     ([Exporter.Collector]), registered by default with the client_golang
//     default registry exactly like the official OpenTelemetry exporter, so
//     fastmeter metrics can sit next to Go runtime and process collectors;
//   - as a [github.com/prometheus/client_golang/prometheus.Gatherer]
//     ([Exporter.Gather]).
//
// Names follow the OpenTelemetry → Prometheus compatibility specification,
// computed by github.com/prometheus/otlptranslator: dots become underscores,
// units become suffixes (ms → _milliseconds, By → _bytes), monotonic sums get
// _total and unit "1" gauges get _ratio. [WithTranslationStrategy] keeps UTF-8
// names and/or turns suffixes off. The resource becomes the target_info
// metric and the instrumentation scope becomes otel_scope_* labels on every
// series ([WithoutTargetInfo], [WithoutScopeInfo] turn them off).
//
// Input that cannot be served as is never breaks a scrape: label values are
// made valid UTF-8, attribute keys that cannot become label names are dropped,
// and metrics whose names cannot be translated, or whose Prometheus name
// collides with another metric of a different type, are left out of the
// response. Each such problem is reported once through otel.Handle, naming
// the metric.
package prometheus
