// Package autoconfig builds a ready fastmeter MeterProvider from the
// standard OpenTelemetry environment variables, so that a service can be
// pointed at a collector, scraped by Prometheus or silenced without a code
// change:
//
//	mp, err := autoconfig.NewMeterProvider(ctx)
//	if err != nil {
//		log.Fatal(err) // names every bad variable and its value
//	}
//	defer mp.Shutdown(context.Background()) // flushes and stops exporters and servers
//	otel.SetMeterProvider(mp)
//
// Options (WithExporters, WithInterval, WithResource, ...) override the
// variable they correspond to; autoconfig then does not read or validate
// that variable. (fastmeter's NewPeriodicReader and NewMeterProvider, like
// the official SDK's, still look at OTEL_METRIC_EXPORT_INTERVAL, _TIMEOUT
// and OTEL_METRICS_EXEMPLAR_FILTER themselves and report an invalid value
// through otel.Handle, even though autoconfig's explicit setting wins.)
//
// NewReader builds a single reader (otlp, console or prometheus) from the
// same variables with the same validation, for code that assembles its
// provider itself; github.com/fastmeter/fastmeter/autoexport is built on
// it. WithProducer adds an external source of metrics (such as the
// Prometheus bridge) to every reader.
//
// # Variables
//
//   - OTEL_SDK_DISABLED: "true" gives a provider with no reader (records
//     and exports nothing, starts nothing) and autoconfig reads no other
//     variable.
//   - OTEL_METRICS_EXPORTER: comma-separated list of otlp (default),
//     prometheus, console, none. Each push exporter (otlp, console) gets
//     its own periodic reader.
//   - OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, then OTEL_EXPORTER_OTLP_PROTOCOL:
//     grpc, http/protobuf (default) or http/json (the last only with the
//     native exporter: the official Go exporters cannot send it).
//   - OTEL_GO_FASTMETER_OTLP_EXPORTER: native (default) builds fastmeter's
//     own OTLP exporter (github.com/fastmeter/fastmeter/otlp), official the
//     official otlpmetricgrpc/otlpmetrichttp. In code,
//     WithOfficialOTLPExporter or an official exporter's options
//     (WithOTLPGRPCOptions, WithOTLPHTTPOptions) select the official one and
//     WithOTLPOptions the native one, whatever the variable says.
//   - OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT, _HEADERS, _COMPRESSION (gzip,
//     none), _TIMEOUT (ms), _INSECURE, _CERTIFICATE, _CLIENT_CERTIFICATE,
//     _CLIENT_KEY: read by the exporter, which gives the METRICS_ form
//     precedence, after autoconfig validated them with the same parser the
//     native exporter uses, so that a bad value is an error whichever
//     exporter is used (the official ones would log it and go on). The
//     general endpoint is a base URL (/v1/metrics is appended), the METRICS_
//     one is used as it is. Endpoints are URLs with a scheme
//     (http://host:4318); for grpc also host:port (TLS unless
//     _INSECURE=true), unix: and dns:.
//     With none of the endpoint, insecure or certificate variables and no
//     exporter option, the exporter sends plaintext to localhost (the
//     specification's http://localhost:4318, or :4317 for grpc) instead of
//     the Go exporters' TLS default.
//     OTEL_EXPORTER_OTLP_TIMEOUT bounds each whole export, retries
//     included, with the native exporter and the official grpc one, and
//     each HTTP attempt with the official otlpmetrichttp;
//     OTEL_METRIC_EXPORT_TIMEOUT bounds every export in all cases.
//     HTTPS_PROXY, HTTP_PROXY and NO_PROXY apply as net/http and grpc-go
//     apply them (see the otlp package).
//   - OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: cumulative
//     (default), delta, lowmemory. OTLP only.
//   - OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION:
//     explicit_bucket_histogram (default), base2_exponential_bucket_histogram
//     (max size 160, max scale 20). OTLP only.
//   - OTEL_METRIC_EXPORT_INTERVAL (default 60000) and
//     OTEL_METRIC_EXPORT_TIMEOUT (default 30000): positive whole
//     milliseconds; 0, negative and non-numeric values are errors.
//   - OTEL_METRICS_EXEMPLAR_FILTER: trace_based (default), always_on,
//     always_off.
//   - OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES: merged over the detected
//     resource (service.name fallback, telemetry.sdk.*, host, OS, process
//     PID/executable/runtime, container ID). Malformed entries are errors.
//   - OTEL_EXPORTER_PROMETHEUS_HOST (default localhost) and
//     OTEL_EXPORTER_PROMETHEUS_PORT (default 9464): where the prometheus
//     exporter serves /metrics. The server belongs to the provider and
//     stops with its Shutdown. To serve the metrics from your own mux
//     instead, build the exporter yourself and pass it with WithReader.
//
// Enumerated values are case-insensitive. An empty variable counts as
// unset.
//
// # Invalid values
//
// An invalid value is an error naming the variable and the value (except
// headers, whose values usually hold credentials and are never echoed);
// NewMeterProvider returns all of them together and starts nothing. The
// only fallbacks are the ones the specification mandates for booleans
// (OTEL_SDK_DISABLED, OTEL_EXPORTER_OTLP_[METRICS_]INSECURE): a value other
// than true or false counts as false, with a warning through otel.Handle.
//
// A value the exporter would put into every request but cannot send is
// invalid too, because accepting it would make every export fail and lose
// all metrics:
//
//   - OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES keys and (decoded)
//     values must be valid UTF-8, the only text OTLP carries. Multi-byte
//     UTF-8 (é, 日本), raw or percent-encoded, is accepted. The error shows
//     the value quoted (an invalid byte as \xff) and the byte and offset.
//   - OTEL_EXPORTER_OTLP_[METRICS_]HEADERS must be sendable by the
//     protocol in use, judged after the exporter's decoding and trimming.
//     For http/protobuf, net/http refuses a value with a control
//     character other than tab (CR, LF, NUL, DEL...); bytes from 0x80 up
//     are sent. HTTP/2, which https endpoints negotiate, also refuses
//     Upgrade and Transfer-Encoding other than chunked, Connection other
//     than close or keep-alive and TE other than trailers; these are
//     errors whatever the scheme. For grpc, keys must be [0-9a-z-_.] in
//     any case, values printable ASCII except under a key ending in -bin
//     (sent base64-encoded), and Connection is refused by gRPC servers.
//     The error names the entry, its key and the offending byte, never
//     the value; an invalid key is shown only up to its first invalid
//     character.
//
// Nothing in NewMeterProvider connects to a collector: an unreachable
// endpoint is discovered by the first export, whose error the periodic
// reader reports through otel.Handle; export attempts are bounded by the
// export timeout, and Shutdown returns by its context's deadline.
package autoconfig
