// Package autoexport builds fastmeter metric readers from the standard
// OpenTelemetry environment variables, with the API of
// go.opentelemetry.io/contrib/exporters/autoexport for metrics. The contrib
// package returns the official SDK's readers, which a fastmeter
// MeterProvider cannot take (the official Reader interface is sealed); a
// program switches by changing its two imports:
//
//	import (
//		sdkmetric "github.com/fastmeter/fastmeter"  // was go.opentelemetry.io/otel/sdk/metric
//		"github.com/fastmeter/fastmeter/autoexport" // was go.opentelemetry.io/contrib/exporters/autoexport
//	)
//
//	reader, err := autoexport.NewMetricReader(ctx)
//	if err != nil {
//		log.Fatal(err)
//	}
//	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
//	defer mp.Shutdown(context.Background())
//
// NewMetricReader, WithFallbackMetricReader, RegisterMetricReader,
// RegisterMetricProducer, WithFallbackMetricProducer and
// IsNoneMetricReader have the contrib package's signatures, with fastmeter's
// Reader in place of the official one (Producer is the same type in both).
// The readers are those of github.com/fastmeter/fastmeter/autoconfig
// (autoconfig.NewReader), so both packages read the same variables the same
// way. Spans and logs are not covered: keep using the contrib package for
// NewSpanExporter and NewLogExporter.
//
// # Variables
//
//   - OTEL_METRICS_EXPORTER: otlp (default), prometheus, console, none, or
//     a name given to RegisterMetricReader.
//   - OTEL_METRICS_PRODUCERS: comma-separated producers whose metrics the
//     otlp, prometheus and console readers export next to the provider's:
//     prometheus (the bridge from the Prometheus client's default registry,
//     go.opentelemetry.io/contrib/bridges/prometheus; the prometheus
//     exporter leaves it out, as in contrib), none, or names given to
//     RegisterMetricProducer.
//   - The exporters' variables (OTEL_EXPORTER_OTLP_*, OTEL_METRIC_EXPORT_*,
//     OTEL_EXPORTER_PROMETHEUS_HOST and _PORT): see autoconfig.
//
// # Differences from the contrib package
//
// Apart from what follows, a program gets the same data out of both
// packages (a differential test and an end-to-end test against the real
// Collector check it). Deliberately:
//
//   - Bad values are errors. Every OTEL_EXPORTER_OTLP_* variable, the
//     export interval and timeout and the Prometheus port are validated,
//     and an unusable value is an *EnvError naming the variable and the
//     value, returned by NewMetricReader, where the official exporters log
//     and fall back to a default (or, for the port, fail to bind). An
//     OTEL_METRICS_EXPORTER naming several exporters is an error saying
//     so (contrib reports "unknown exporter"): NewMetricReader returns one
//     reader; autoconfig.NewMeterProvider builds one per exporter.
//   - Names and enumerated values are case-insensitive and white space
//     around them is ignored, as the specification requires ("OTLP",
//     "http/PROTOBUF"); an exactly matching registered name still wins.
//     OTEL_METRICS_PRODUCERS keeps the order of its names (contrib's is
//     random) and ignores empty entries.
//   - With no endpoint, insecure or certificate variable, the otlp
//     exporter sends plaintext to the specification's default endpoint
//     (http://localhost:4318, or :4317 for grpc), where the official
//     exporters default to TLS.
//   - The otlp reader's exporter is fastmeter's native one, which also
//     sends http/json; OTEL_GO_FASTMETER_OTLP_EXPORTER=official selects the
//     official exporters contrib uses.
//   - The prometheus reader serves only the OpenTelemetry metrics and
//     negotiates OpenMetrics (with exemplars) when the scraper asks for it;
//     contrib's also serves promhttp_metric_handler_errors_total and never
//     OpenMetrics. fastmeter's exporter leaves out empty labels (contrib
//     serves otel_scope_schema_url=""), which Prometheus treats as absent
//     anyway. Its Shutdown stops the server first, so no scrape sees
//     a reader already shut down. The reader is a
//     *github.com/fastmeter/fastmeter/prometheus.ServedReader, whose Addr
//     method gives its address (useful with OTEL_EXPORTER_PROMETHEUS_PORT=0).
//   - A factory returning a nil reader is an error; registering an empty
//     name or a nil factory panics at once. Factories may call
//     NewMetricReader themselves (contrib would deadlock).
package autoexport
