package otlpenv

import (
	"crypto/tls"
	"net/url"
	"time"

	"github.com/fastmeter/fastmeter"
)

// Prefix starts the name of every variable this package reads.
const Prefix = "OTEL_EXPORTER_OTLP_"

// The protocol variables, METRICS_ first.
const (
	EnvProtocol        = Prefix + "PROTOCOL"
	EnvMetricsProtocol = Prefix + "METRICS_PROTOCOL"
)

// The metrics-only variables.
const (
	EnvTemporalityPreference = Prefix + "METRICS_TEMPORALITY_PREFERENCE"
	EnvHistogramAggregation  = Prefix + "METRICS_DEFAULT_HISTOGRAM_AGGREGATION"
)

// Config is what the variables say. A zero field (nil, "", 0, false with its
// Set flag false) means the variables leave that part to the exporter's
// default.
type Config struct {
	// Protocol is the effective protocol: the one Read was given, else
	// OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, OTEL_EXPORTER_OTLP_PROTOCOL,
	// http/protobuf.
	Protocol Protocol

	// EndpointVar is the variable the endpoint came from
	// (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT if set, else
	// OTEL_EXPORTER_OTLP_ENDPOINT), "" when neither is set.
	EndpointVar string
	// Host is the endpoint's host:port (HTTP protocols).
	Host string
	// URLPath is the HTTP request path: the general endpoint's path with
	// /v1/metrics appended, or the METRICS_ endpoint's path as it is ("/"
	// when it has none), as the specification prescribes.
	URLPath string
	// GRPCTarget is the gRPC target: the URL's host:port for http(s)
	// URLs, the value as it is for host:port and gRPC names (unix:,
	// unix-abstract:, dns:).
	GRPCTarget string

	// Insecure is whether to send without TLS: the endpoint's scheme
	// (http, unix and unix-abstract are plaintext), then
	// OTEL_EXPORTER_OTLP_INSECURE, then OTEL_EXPORTER_OTLP_METRICS_INSECURE,
	// each overriding the previous when set, in the official exporters'
	// order. InsecureSet says whether any of them is set.
	Insecure, InsecureSet bool

	// Headers are the request headers (gRPC: metadata), nil when unset.
	// The METRICS_ list replaces the general one.
	Headers map[string]string
	// Compression is "gzip", "none" or "" (unset).
	Compression string
	// Timeout bounds one export; zero when unset.
	Timeout time.Duration
	// TLS holds the trusted CA (CERTIFICATE) and the client key pair
	// (CLIENT_CERTIFICATE and CLIENT_KEY), nil when none is set.
	TLS *tls.Config

	// Temporality is the temporality preference, nil when unset.
	Temporality fastmeter.TemporalitySelector
	// Aggregation is the default histogram aggregation, nil when unset.
	Aggregation fastmeter.AggregationSelector

	// Warnings are the values that fell back to a default as the
	// specification mandates (a boolean other than true or false).
	Warnings []*Error
}

// TransportChosen reports whether the user chose the transport security: an
// endpoint, an INSECURE or a certificate variable is set.
func (c *Config) TransportChosen() bool {
	return c.EndpointVar != "" || c.InsecureSet || c.TLS != nil
}

// HTTPURL is the URL an HTTP exporter posts to: the scheme from Insecure,
// Host and URLPath. It is "" when no endpoint variable is set.
func (c *Config) HTTPURL() string {
	if c.EndpointVar == "" {
		return ""
	}
	scheme := "https"
	if c.Insecure {
		scheme = "http"
	}
	return (&url.URL{Scheme: scheme, Host: c.Host, Path: c.URLPath}).String()
}

// Read reads every OTEL_EXPORTER_OTLP_* variable of the metrics signal for
// protocol, or for the protocol the variables choose when protocol is "".
// Every unusable value is one *Error in problems (both the general and the
// METRICS_ form are checked, since the official exporters parse both); the
// Config then holds what could be read.
func Read(protocol Protocol) (c Config, problems []*Error) {
	add := func(err *Error, s Setting) {
		if err != nil {
			err.Setting = s
			problems = append(problems, err)
		}
	}
	c.Protocol = protocol
	if c.Protocol == "" {
		var err *Error
		c.Protocol, _, err = ProtocolFromEnv()
		add(err, SettingProtocol)
		if err != nil {
			c.Protocol = ProtocolHTTPProtobuf // to check the others against
		}
	}

	for _, metrics := range []bool{false, true} {
		name := func(s string) string {
			if metrics {
				return Prefix + "METRICS_" + s
			}
			return Prefix + s
		}
		if raw, ok := Lookup(name("ENDPOINT")); ok {
			e, err := parseEndpoint(name("ENDPOINT"), raw, c.Protocol, metrics)
			add(err, SettingEndpoint)
			if err == nil {
				c.EndpointVar, c.Host, c.URLPath, c.GRPCTarget = e.name, e.host, e.path, e.grpcTarget
				c.Insecure, c.InsecureSet = e.insecure, true
			} else {
				c.EndpointVar = name("ENDPOINT") // chosen, if unusable
			}
		}
	}
	// The INSECURE variables come after both endpoints, as in the official
	// exporters, so they override the endpoints' schemes.
	for _, n := range []string{Prefix + "INSECURE", Prefix + "METRICS_INSECURE"} {
		if v, set, warning := Bool(n); set {
			c.Insecure, c.InsecureSet = v, true
			if warning != nil {
				warning.Setting = SettingInsecure
				c.Warnings = append(c.Warnings, warning)
			}
		}
	}
	for _, n := range []string{Prefix + "HEADERS", Prefix + "METRICS_HEADERS"} {
		if raw, ok := Lookup(n); ok {
			h, err := parseHeaders(n, raw, c.Protocol)
			add(err, SettingHeaders)
			c.Headers = h
		}
	}
	for _, n := range []string{Prefix + "COMPRESSION", Prefix + "METRICS_COMPRESSION"} {
		if v, ok := LookupEnum(n); ok {
			if v != "gzip" && v != "none" {
				raw, _ := Lookup(n)
				add(&Error{Name: n, Value: raw, Reason: "accepted: gzip, none"}, SettingCompression)
				continue
			}
			c.Compression = v
		}
	}
	for _, n := range []string{Prefix + "TIMEOUT", Prefix + "METRICS_TIMEOUT"} {
		if d, ok, err := PositiveMillis(n); ok {
			add(err, SettingTimeout)
			if err == nil {
				c.Timeout = d
			}
		}
	}
	var tlsErrs []*Error
	c.TLS, tlsErrs = readTLS()
	for _, err := range tlsErrs {
		add(err, SettingTLS)
	}
	var err *Error
	c.Temporality, err = temporalityFromEnv()
	add(err, SettingTemporality)
	c.Aggregation, err = aggregationFromEnv()
	add(err, SettingAggregation)
	return c, problems
}
