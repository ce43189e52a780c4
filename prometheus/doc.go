// Package prometheus is a pull exporter that serves the metrics of a fastmeter
// MeterProvider to Prometheus.
//
// An [Exporter] is a fastmeter Reader: register it with
// fastmeter.WithReader. Every scrape collects the provider on demand (always
// cumulative, the only temporality Prometheus understands) and translates the
// result to Prometheus metric families. The same data is offered three ways:
//
//   - as a [net/http.Handler] ([Exporter.ServeHTTP]) that negotiates the
//     exposition format with the scraper through promhttp: text 0.0.4,
//     OpenMetrics 1.0 (with exemplars) and protobuf (with native histograms),
//     gzip-compressed when the scraper asks for it. The text formats and
//     delimited protobuf are written by the exporter itself, from labels it
//     caches per series across scrapes, byte for byte as promhttp would;
//   - as a [github.com/prometheus/client_golang/prometheus.Collector]
//     ([Exporter.Collector]), registered by default with the client_golang
//     default registry exactly like the official OpenTelemetry exporter, so
//     fastmeter metrics can sit next to Go runtime and process collectors;
//   - as a [github.com/prometheus/client_golang/prometheus.Gatherer]
//     ([Exporter.Gather]).
//
// A program that wants the metrics on an address of their own, without a
// server of its own, registers a [ServedReader] ([NewServedReader], or
// [Serve] on a listener it opened) instead: the exporter served at
// host:port/metrics by an HTTP server that belongs to the provider and
// stops with its Shutdown.
//
// Names follow the OpenTelemetry → Prometheus compatibility specification,
// computed by github.com/prometheus/otlptranslator: dots become underscores,
// units become suffixes (ms → _milliseconds, By → _bytes), monotonic sums get
// _total and unit "1" gauges get _ratio. [WithTranslationStrategy] keeps UTF-8
// names and/or turns suffixes off. The resource becomes the target_info
// metric and the instrumentation scope becomes otel_scope_* labels on every
// series ([WithoutTargetInfo], [WithoutScopeInfo] turn them off).
//
// Input that cannot be served as is never breaks a scrape, in any format:
//
//   - label values are made valid UTF-8 (invalid bytes become U+FFFD);
//   - attribute keys that cannot become label names are dropped, keys that
//     translate to the same name have their values joined with ";", and a
//     histogram's "le" (a summary's "quantile") attribute is dropped;
//   - a metric whose name cannot be translated, whose Prometheus name (or
//     sample names, like x_count next to a histogram x) belongs to a metric
//     of another type, or whose temporality is delta (from a Producer) is
//     left out; the first metric ever seen under a name keeps it, and its
//     help text is served, for the exporter's life;
//   - two data points that translate to the same series are served once.
//
// Each problem is reported once through otel.Handle, naming the metric; the
// rest of the scrape is served. A scrape that cannot be answered at all (no
// provider, provider shut down) gets an HTTP 500 with the reason.
package prometheus
