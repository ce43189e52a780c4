// Package otelconf builds a fastmeter MeterProvider from an OpenTelemetry
// declarative configuration file, the file the ecosystem names with
// OTEL_CONFIG_FILE, with the API of go.opentelemetry.io/contrib/otelconf
// (NewSDK, WithContext, WithOpenTelemetryConfiguration, ParseYAML, and an
// SDK value with MeterProvider, TracerProvider, LoggerProvider, Propagator
// and Shutdown). A program using contrib otelconf switches by changing its
// import; SDK.MeterProvider returns fastmeter's *MeterProvider, which is a
// metric.MeterProvider.
//
// # What builds what
//
// The file is read with otelconf's own parser and model (v0.27.0): no
// schema is written here. The meter_provider section and the resource build
// fastmeter's MeterProvider; its otlp_http and otlp_grpc exporters are
// fastmeter's native OTLP exporter (github.com/fastmeter/fastmeter/otlp),
// or the official otlpmetrichttp/otlpmetricgrpc with
// WithOfficialOTLPExporter or OTEL_GO_FASTMETER_OTLP_EXPORTER=official; they
// and stdoutmetric plug into fastmeter's PeriodicReader, and
// a pull reader is fastmeter's prometheus exporter served at
// host:port/metrics by a server the SDK's Shutdown stops. Everything else
// (tracer_provider, logger_provider, propagator) is built by contrib
// otelconf itself, from the same configuration without its meter_provider
// section, so traces and logs behave exactly as with otelconf.
//
// # Strict
//
// Every entry of meter_provider is honoured or rejected: an entry fastmeter
// cannot honour is a [*PathError] naming its path in the file, wrapping
// [ErrUnsupported], for example
//
//	otelconf: meter_provider.readers[1].periodic.exporter.otlp_grpc.compression: not supported by fastmeter: value "zstd" (gzip or none)
//
// and so is a key the schema does not define, anywhere in the file
// (otelconf's parser drops those silently), or a literal of the wrong type.
//
// # Supported entries
//
//   - readers: periodic (interval, timeout, cardinality_limits, producers,
//     exporter) and pull (exporter prometheus/development, from otelconf's
//     experimental model: host, port, translation_strategy,
//     with_resource_constant_labels, without_scope_info,
//     without_target_info; producers). A pull reader's cardinality_limits
//     is rejected: fastmeter's prometheus exporter has no per-reader limit.
//   - exporters: otlp_http and otlp_grpc (endpoint, headers, headers_list,
//     compression gzip/none, timeout, tls files and insecure,
//     temporality_preference, default_histogram_aggregation; OTLP/HTTP
//     encoding protobuf or json, json only with the native exporter, the
//     default: the official one sends protobuf) and console. Like the
//     official exporters under contrib otelconf, the OTLP exporters also
//     read the OTEL_EXPORTER_OTLP_* variables, and the file's entries win.
//   - producers: prometheus/development, the contrib Prometheus bridge
//     (go.opentelemetry.io/contrib/bridges/prometheus) reading
//     client_golang's default gatherer; opencensus is rejected.
//   - views: every selector criterion (instrument_name with * and ?
//     wildcards, instrument_type, unit, meter_name, meter_version,
//     meter_schema_url) and stream entry (name, description, every
//     aggregation with its options, attribute_keys included/excluded,
//     aggregation_cardinality_limit).
//   - meter_configurator/development (from otelconf's experimental model):
//     fastmeter's MeterConfigurator. A meter takes the config of the first
//     meters entry whose name equals its name or matches it as a * and ?
//     pattern (case-sensitive), else default_config; disabled defaults to
//     false. A disabled meter records nothing, runs no callback and exports
//     nothing. An entry without name or config is rejected.
//   - exemplar_filter, and resource (attributes, attributes_list,
//     schema_url; the stable model has no detectors).
//
// # Differences from contrib otelconf v0.27.0
//
// Where otelconf v0.27.0 drops a setting of the schema, fastmeter follows
// the schema: exemplar_filter, default_histogram_aggregation,
// aggregation_cardinality_limit, resource.attributes_list, instrument_type
// gauge, pull readers and meter_configurator/development (which otelconf's
// experimental package parses and never applies) are honoured
// (attributes_list in the meter
// provider's resource: otelconf's tracer and logger providers still ignore
// it); record_min_max defaults to true and
// explicit_bucket_histogram without boundaries gets the default boundaries;
// "drop:" (a key with no value) selects the aggregation. A file using none
// of these gives the same data through both, which a differential test
// checks.
//
// # Its own module
//
// This package is its own Go module (github.com/fastmeter/fastmeter/otelconf)
// because contrib otelconf's module graph is large: its resource detectors
// and propagators bring the Kubernetes client, the AWS, GCP and Azure SDKs.
// Programs that do not read a configuration file do not pay for them.
package otelconf
