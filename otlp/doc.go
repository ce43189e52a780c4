// Package otlp is fastmeter's native OTLP metrics exporter: it encodes
// metricdata.ResourceMetrics straight into the OTLP wire bytes (protobuf, or
// the OTLP JSON mapping) into a buffer reused across exports, and sends them
// over OTLP/HTTP (protobuf or JSON) or OTLP/gRPC, with the OTLP
// specification's retry, throttling and partial-success behaviour.
//
// The Exporter implements the official go.opentelemetry.io/otel/sdk/metric
// Exporter interface (fastmeter.Exporter is an alias of it), so it works with
// fastmeter's readers and with the official SDK's alike:
//
//	exp, err := otlp.New(ctx, otlp.WithEndpointURL("http://localhost:4318/v1/metrics"))
//	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(fastmeter.NewPeriodicReader(exp)))
//
// # Environment
//
// Like the official exporters, New reads the OTEL_EXPORTER_OTLP_* variables
// of the metrics signal: _PROTOCOL (grpc, http/protobuf, http/json),
// _ENDPOINT (the general one is a base URL that gets /v1/metrics appended,
// the METRICS_ one is used as it is), _INSECURE, _HEADERS, _COMPRESSION,
// _TIMEOUT, _CERTIFICATE, _CLIENT_CERTIFICATE, _CLIENT_KEY, and
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE and
// _DEFAULT_HISTOGRAM_AGGREGATION; the METRICS_ form of each wins over the
// general one. Options override the variables setting by setting, as in the
// official exporters (WithEndpointURL replaces the endpoint variables,
// WithHeaders the header variables, WithEndpoint an endpoint variable's host
// only, ...), and a variable whose setting an option replaces is not
// validated. Unlike the official exporters, which log
// an unusable value and ignore it, New returns an *EnvError naming each
// unusable variable (never echoing a header value). autoconfig
// (github.com/fastmeter/fastmeter/autoconfig) parses the variables with the
// same code and uses this exporter by default.
//
// Over HTTP the exporter honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY
// (net/http's http.ProxyFromEnvironment). Over gRPC, grpc-go tunnels the
// connection through HTTPS_PROXY with HTTP CONNECT (not HTTP_PROXY) unless
// NO_PROXY excludes the target, passing the target's name to the proxy to
// resolve; a custom dialer given with WithGRPCDialOption, or
// grpc.WithNoProxy, turns that off.
//
// # Self-observability
//
// With OTEL_GO_X_OBSERVABILITY=true when New runs, the Exporter emits the
// metrics the official otlpmetrichttp and otlpmetricgrpc exporters emit, to
// the global MeterProvider, in their scopes and with their attributes:
// otel.sdk.exporter.metric_data_point.inflight,
// otel.sdk.exporter.metric_data_point.exported and
// otel.sdk.exporter.operation.duration, with otel.component.type
// otlp_http_metric_exporter (HTTP/protobuf and HTTP/JSON) or
// otlp_grpc_metric_exporter, otel.component.name "<type>/<n>" numbered per
// type from 0, server.address, server.port, the response status and, on a
// failure, error.type. The error.type values differ from the official
// exporters' (see the README's Self-observability section). Off, an export
// costs one nil check more; on, no allocation for a successful export.
package otlp
