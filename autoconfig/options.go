package autoconfig

import (
	"io"
	"net"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/resource"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/otlp"
	"github.com/fastmeter/fastmeter/prometheus"
)

// Option overrides what NewMeterProvider would otherwise take from the
// environment, or adds to it. An option always wins over the variable it
// replaces, and when it does autoconfig does not read the variable (so an
// invalid value in it is not an error; see the package documentation for
// the few variables the SDK itself still looks at).
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config holds the programmatic choices; a zero field means "take it from
// the environment".
type config struct {
	disabled       *bool
	exporters      []string
	exportersSet   bool
	protocol       string
	interval       time.Duration
	intervalSet    bool
	timeout        time.Duration
	timeoutSet     bool
	temporality    sdkmetric.TemporalitySelector
	aggregation    sdkmetric.AggregationSelector
	exemplarFilter exemplar.Filter
	resource       *resource.Resource
	otlpOptions    []otlp.Option
	officialOTLP   bool
	grpcOptions    []otlpmetricgrpc.Option
	httpOptions    []otlpmetrichttp.Option
	consoleWriter  io.Writer
	promListener   net.Listener
	promOptions    []prometheus.Option
	readers        []sdkmetric.Reader
	views          []sdkmetric.View
	providerOpts   []sdkmetric.Option
	producers      []sdkmetric.Producer

	// readerOnly is set by NewReader: resolve then skips the provider's
	// settings (exemplar filter, resource), which a reader does not use.
	readerOnly bool
}

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	return c
}

// WithDisabled overrides OTEL_SDK_DISABLED. When disabled is true,
// NewMeterProvider returns a provider without readers: it records and
// exports nothing and starts no goroutine, server or connection.
func WithDisabled(disabled bool) Option {
	return optionFunc(func(c *config) { c.disabled = &disabled })
}

// WithExporters overrides OTEL_METRICS_EXPORTER. Each name is one of
// "otlp", "prometheus", "console" or "none" (which must then be alone).
// Calling it with no names is the same as "none".
func WithExporters(names ...string) Option {
	return optionFunc(func(c *config) {
		c.exporters = append([]string(nil), names...)
		c.exportersSet = true
	})
}

// WithOTLPProtocol overrides OTEL_EXPORTER_OTLP_METRICS_PROTOCOL and
// OTEL_EXPORTER_OTLP_PROTOCOL: "grpc", "http/protobuf" or "http/json" (the
// last only with fastmeter's native exporter, the default).
func WithOTLPProtocol(protocol string) Option {
	return optionFunc(func(c *config) { c.protocol = protocol })
}

// WithInterval overrides OTEL_METRIC_EXPORT_INTERVAL: the time between the
// starts of two exports of every push exporter (otlp, console). It must be
// positive.
func WithInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.interval, c.intervalSet = d, true })
}

// WithTimeout overrides OTEL_METRIC_EXPORT_TIMEOUT: how long one collection
// and export may take. It must be positive.
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.timeout, c.timeoutSet = d, true })
}

// WithTemporalitySelector overrides
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE. It applies to the otlp
// and console exporters; Prometheus is always cumulative.
func WithTemporalitySelector(selector sdkmetric.TemporalitySelector) Option {
	return optionFunc(func(c *config) { c.temporality = selector })
}

// WithAggregationSelector overrides
// OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION. It applies to
// the otlp and console exporters.
func WithAggregationSelector(selector sdkmetric.AggregationSelector) Option {
	return optionFunc(func(c *config) { c.aggregation = selector })
}

// WithExemplarFilter overrides OTEL_METRICS_EXEMPLAR_FILTER.
func WithExemplarFilter(filter exemplar.Filter) Option {
	return optionFunc(func(c *config) { c.exemplarFilter = filter })
}

// WithResource merges res over the resource detected from the environment
// (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and the SDK's detectors):
// attributes of res win over detected ones with the same key.
func WithResource(res *resource.Resource) Option {
	return optionFunc(func(c *config) { c.resource = res })
}

// WithOTLPOptions adds options to fastmeter's native OTLP exporter
// (github.com/fastmeter/fastmeter/otlp), the one the otlp exporter uses by
// default. They are applied after the OTEL_EXPORTER_OTLP_* variables and
// after autoconfig's own settings, so they override them (endpoint,
// headers, TLS, retry, ...). Giving them selects the native exporter even
// when OTEL_GO_FASTMETER_OTLP_EXPORTER=official; combining them with
// WithOfficialOTLPExporter, WithOTLPGRPCOptions or WithOTLPHTTPOptions is an
// error.
func WithOTLPOptions(opts ...otlp.Option) Option {
	return optionFunc(func(c *config) { c.otlpOptions = appendNonNil(c.otlpOptions, opts) })
}

// WithOfficialOTLPExporter makes the otlp exporter the official
// otlpmetricgrpc/otlpmetrichttp exporter instead of fastmeter's native one,
// like OTEL_GO_FASTMETER_OTLP_EXPORTER=official (which it overrides). The
// official exporters cannot send http/json.
func WithOfficialOTLPExporter() Option {
	return optionFunc(func(c *config) { c.officialOTLP = true })
}

// WithOTLPGRPCOptions adds options to the official otlpmetricgrpc exporter
// used when the protocol is "grpc", and so selects the official exporters
// (as WithOfficialOTLPExporter does). They are applied after the
// OTEL_EXPORTER_OTLP_* variables, so they override them (endpoint, headers,
// TLS, ...).
func WithOTLPGRPCOptions(opts ...otlpmetricgrpc.Option) Option {
	return optionFunc(func(c *config) {
		c.grpcOptions = appendNonNil(c.grpcOptions, opts)
		c.officialOTLP = true
	})
}

// WithOTLPHTTPOptions adds options to the official otlpmetrichttp exporter
// used when the protocol is "http/protobuf", and so selects the official
// exporters (as WithOfficialOTLPExporter does). They are applied after the
// OTEL_EXPORTER_OTLP_* variables, so they override them.
func WithOTLPHTTPOptions(opts ...otlpmetrichttp.Option) Option {
	return optionFunc(func(c *config) {
		c.httpOptions = appendNonNil(c.httpOptions, opts)
		c.officialOTLP = true
	})
}

// WithConsoleWriter makes the console exporter write to w instead of
// standard output.
func WithConsoleWriter(w io.Writer) Option {
	return optionFunc(func(c *config) { c.consoleWriter = w })
}

// WithPrometheusListener makes the prometheus exporter serve /metrics on l
// instead of listening on OTEL_EXPORTER_PROMETHEUS_HOST and _PORT. The
// provider takes ownership of l: its Shutdown closes it. l is closed too if
// NewMeterProvider fails or does not use the prometheus exporter.
func WithPrometheusListener(l net.Listener) Option {
	return optionFunc(func(c *config) { c.promListener = l })
}

// WithPrometheusOptions adds options to the prometheus exporter (see
// github.com/fastmeter/fastmeter/prometheus). autoconfig builds it with
// prometheus.WithoutRegistration, because it serves the exporter's own
// handler; pass prometheus.WithRegisterer to register it as well.
func WithPrometheusOptions(opts ...prometheus.Option) Option {
	return optionFunc(func(c *config) { c.promOptions = appendNonNil(c.promOptions, opts) })
}

// WithReader adds a reader besides the ones the environment asks for, for
// example a ManualReader in tests or a pull exporter served by your own
// HTTP mux.
func WithReader(r sdkmetric.Reader) Option {
	return optionFunc(func(c *config) { c.readers = append(c.readers, r) })
}

// WithProducer adds an external source of metrics (for example the
// Prometheus bridge, go.opentelemetry.io/contrib/bridges/prometheus) to
// every reader autoconfig builds: its data is exported or served next to
// the provider's own. A nil producer is ignored.
func WithProducer(p sdkmetric.Producer) Option {
	return optionFunc(func(c *config) {
		if p != nil {
			c.producers = append(c.producers, p)
		}
	})
}

// WithView adds views to the provider.
func WithView(views ...sdkmetric.View) Option {
	return optionFunc(func(c *config) { c.views = append(c.views, views...) })
}

// WithMeterProviderOptions passes options to the underlying
// NewMeterProvider call after everything autoconfig sets, so they win
// (e.g. WithCardinalityLimit).
func WithMeterProviderOptions(opts ...sdkmetric.Option) Option {
	return optionFunc(func(c *config) { c.providerOpts = append(c.providerOpts, opts...) })
}

// appendNonNil appends the options that are not nil: the exporters call a
// method on every option they get, so a nil one would panic there.
func appendNonNil[O comparable](to, opts []O) []O {
	var zero O
	for _, o := range opts {
		if o != zero {
			to = append(to, o)
		}
	}
	return to
}
