package otlp

import (
	"crypto/tls"
	"time"

	"google.golang.org/grpc"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/otlpenv"
)

// Protocol is the OTLP transport and encoding an Exporter uses.
type Protocol int

const (
	// HTTPProtobuf posts protobuf bodies (Content-Type
	// application/x-protobuf) to an OTLP/HTTP endpoint. The default.
	HTTPProtobuf Protocol = iota
	// HTTPJSON posts OTLP/JSON bodies (Content-Type application/json) to an
	// OTLP/HTTP endpoint.
	HTTPJSON
	// GRPC calls the OTLP/gRPC MetricsService.Export.
	GRPC
)

// String is the protocol's name as OTEL_EXPORTER_OTLP_PROTOCOL spells it.
func (p Protocol) String() string {
	switch p {
	case HTTPProtobuf:
		return "http/protobuf"
	case HTTPJSON:
		return "http/json"
	case GRPC:
		return "grpc"
	}
	return "unknown"
}

// RetryConfig configures how an export is retried after a failure the OTLP
// specification calls retryable: exponential backoff from InitialInterval,
// doubling up to MaxInterval, each wait randomised by ±50 %, until
// MaxElapsedTime has passed or the export's timeout expires. A receiver's
// Retry-After (HTTP) or RetryInfo (gRPC) delay replaces the backoff wait.
type RetryConfig struct {
	// Enabled turns retrying on.
	Enabled bool
	// InitialInterval is the wait after the first failure.
	InitialInterval time.Duration
	// MaxInterval caps the wait between attempts.
	MaxInterval time.Duration
	// MaxElapsedTime is how long after the first attempt retrying stops;
	// zero means only the export's timeout stops it.
	MaxElapsedTime time.Duration
}

// DefaultRetryConfig is the retry policy of a new Exporter: enabled, 5 s
// initial interval, 30 s maximum interval, 1 min in total (the official OTLP
// exporters' defaults).
var DefaultRetryConfig = RetryConfig{
	Enabled:         true,
	InitialInterval: 5 * time.Second,
	MaxInterval:     30 * time.Second,
	MaxElapsedTime:  time.Minute,
}

// config is what the options set.
type config struct {
	protocol    Protocol
	endpoint    string // host:port
	urlPath     string // HTTP only
	insecure    bool
	endpointURL string // overrides endpoint, urlPath and insecure when set
	headers     map[string]string
	gzip        bool
	timeout     time.Duration
	tls         *tls.Config
	retry       RetryConfig
	temporality fastmeter.TemporalitySelector
	aggregation fastmeter.AggregationSelector
	dialOptions []grpc.DialOption

	// set records which settings an option gave, so that the environment's
	// value of each is neither used nor validated (env.go).
	set map[otlpenv.Setting]bool
}

// mark records that an option gave setting.
func (c *config) mark(setting otlpenv.Setting) {
	if c.set == nil {
		c.set = map[otlpenv.Setting]bool{}
	}
	c.set[setting] = true
}

// defaultConfig is the configuration before the environment and the options.
func defaultConfig() config {
	return config{
		timeout:     10 * time.Second,
		retry:       DefaultRetryConfig,
		temporality: fastmeter.DefaultTemporalitySelector,
		aggregation: fastmeter.DefaultAggregationSelector,
		urlPath:     "/v1/metrics",
	}
}

// applyOptions applies opts in order.
func (c *config) applyOptions(opts []Option) {
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
}

// Option configures an Exporter.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithProtocol selects the transport and encoding, replacing
// OTEL_EXPORTER_OTLP_[METRICS_]PROTOCOL; the default is HTTPProtobuf.
func WithProtocol(p Protocol) Option {
	return optionFunc(func(c *config) { c.protocol = p; c.mark(otlpenv.SettingProtocol) })
}

// WithEndpoint sets the receiver's host:port. The default is localhost:4318
// for HTTP and localhost:4317 for gRPC. The connection uses TLS unless
// WithInsecure, OTEL_EXPORTER_OTLP_[METRICS_]INSECURE=true or an http://
// endpoint variable says otherwise. As in the official exporters, it
// replaces only the host of OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT: the
// variable's path and the TLS choice of its scheme still apply (WithURLPath,
// WithInsecure and WithEndpointURL replace them).
func WithEndpoint(hostport string) Option {
	return optionFunc(func(c *config) {
		c.endpoint, c.endpointURL = hostport, ""
		c.mark(otlpenv.SettingEndpoint)
	})
}

// WithEndpointURL sets the receiver by URL: its scheme chooses TLS (https) or
// not (http), its host the receiver, and for HTTP its path the request path
// (/v1/metrics when the URL has none). It overrides WithEndpoint,
// WithURLPath and WithInsecure, and replaces the endpoint and INSECURE
// variables.
func WithEndpointURL(u string) Option {
	return optionFunc(func(c *config) {
		c.endpointURL = u
		c.mark(otlpenv.SettingEndpoint)
		c.mark(otlpenv.SettingInsecure)
	})
}

// WithURLPath sets the HTTP request path, also over an endpoint variable's;
// the default is /v1/metrics.
func WithURLPath(path string) Option { return optionFunc(func(c *config) { c.urlPath = path }) }

// WithInsecure sends without TLS (http, or gRPC without transport security),
// whatever OTEL_EXPORTER_OTLP_[METRICS_]INSECURE and an endpoint variable's
// scheme say.
func WithInsecure() Option {
	return optionFunc(func(c *config) { c.insecure = true; c.mark(otlpenv.SettingInsecure) })
}

// WithTLSConfig sets the TLS configuration (server CA, client certificates
// for mTLS) of a secure connection, replacing the CERTIFICATE,
// CLIENT_CERTIFICATE and CLIENT_KEY variables.
func WithTLSConfig(tc *tls.Config) Option {
	return optionFunc(func(c *config) { c.tls = tc; c.mark(otlpenv.SettingTLS) })
}

// WithHeaders sets the headers of every request (gRPC: request metadata),
// replacing OTEL_EXPORTER_OTLP_[METRICS_]HEADERS.
func WithHeaders(h map[string]string) Option {
	return optionFunc(func(c *config) {
		c.mark(otlpenv.SettingHeaders)
		c.headers = make(map[string]string, len(h))
		for k, v := range h {
			c.headers[k] = v
		}
	})
}

// WithGzip compresses requests with gzip.
func WithGzip() Option {
	return optionFunc(func(c *config) { c.gzip = true; c.mark(otlpenv.SettingCompression) })
}

// WithNoCompression sends requests uncompressed, overriding WithGzip given
// before it and OTEL_EXPORTER_OTLP_[METRICS_]COMPRESSION=gzip.
func WithNoCompression() Option {
	return optionFunc(func(c *config) { c.gzip = false; c.mark(otlpenv.SettingCompression) })
}

// WithTimeout bounds each Export, retries included; the default is 10 s. Zero
// or less means only the caller's context bounds it.
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.timeout = d; c.mark(otlpenv.SettingTimeout) })
}

// WithRetry sets the retry policy; the default is DefaultRetryConfig.
func WithRetry(rc RetryConfig) Option { return optionFunc(func(c *config) { c.retry = rc }) }

// WithTemporalitySelector sets the temporality the Exporter asks readers for
// per instrument kind; the default is cumulative for every kind.
func WithTemporalitySelector(s fastmeter.TemporalitySelector) Option {
	return optionFunc(func(c *config) {
		if s != nil {
			c.temporality = s
			c.mark(otlpenv.SettingTemporality)
		}
	})
}

// WithAggregationSelector sets the aggregation the Exporter asks readers for
// per instrument kind; the default is fastmeter.DefaultAggregationSelector.
func WithAggregationSelector(s fastmeter.AggregationSelector) Option {
	return optionFunc(func(c *config) {
		if s != nil {
			c.aggregation = s
			c.mark(otlpenv.SettingAggregation)
		}
	})
}

// WithGRPCDialOption adds gRPC dial options (a custom dialer, keepalive) to
// the GRPC protocol's connection.
func WithGRPCDialOption(opts ...grpc.DialOption) Option {
	return optionFunc(func(c *config) { c.dialOptions = append(c.dialOptions, opts...) })
}
