package otlp

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/otel"

	"github.com/fastmeter/fastmeter/internal/otlpenv"
)

// EnvError reports an OTEL_EXPORTER_OTLP_* environment variable whose value
// New cannot use. New returns one per unusable variable, joined with
// errors.Join; use errors.As to inspect them.
type EnvError struct {
	// Name is the variable, e.g. "OTEL_EXPORTER_OTLP_ENDPOINT".
	Name string
	// Value is the value as set, or "<redacted>" for headers, whose values
	// usually hold credentials.
	Value string
	// Reason says what is wrong and, where useful, what is accepted.
	Reason string
}

// Error returns `otlp: NAME="value": reason`.
func (e *EnvError) Error() string { return fmt.Sprintf("otlp: %s=%q: %s", e.Name, e.Value, e.Reason) }

// newConfig builds the configuration the way the official exporters do:
// the defaults, then the OTEL_EXPORTER_OTLP_* variables (the METRICS_ form
// of each winning over the general one), then the options, each overriding
// what came before setting by setting. A variable whose setting an option
// gives is neither used nor validated; any other unusable variable is an
// *EnvError (the official exporters log it and ignore it instead).
func newConfig(opts []Option) (config, error) {
	// The options are applied to a scratch configuration first, to learn
	// the protocol (the variables are validated for it) and which settings
	// they give. Options only set fields, so applying them twice is safe.
	var probe config
	probe.applyOptions(opts)
	var protocol otlpenv.Protocol
	if probe.set[otlpenv.SettingProtocol] {
		protocol = otlpenv.Protocol(probe.protocol.String())
	}
	env, problems := otlpenv.Read(protocol)

	c := defaultConfig()
	c.applyEnv(&env, probe.set)
	c.applyOptions(opts)

	for _, w := range env.Warnings {
		otel.Handle(&EnvError{Name: w.Name, Value: w.Value, Reason: w.Reason})
	}
	var errs []error
	for _, p := range problems {
		if !c.set[p.Setting] {
			errs = append(errs, &EnvError{Name: p.Name, Value: p.Value, Reason: p.Reason})
		}
	}
	return c, errors.Join(errs...)
}

// applyEnv sets what env says, except the settings the options give (set).
func (c *config) applyEnv(env *otlpenv.Config, set map[otlpenv.Setting]bool) {
	switch env.Protocol {
	case otlpenv.ProtocolGRPC:
		c.protocol = GRPC
	case otlpenv.ProtocolHTTPJSON:
		c.protocol = HTTPJSON
	default:
		c.protocol = HTTPProtobuf
	}
	// As in the official exporters, WithEndpoint replaces only the host of
	// an endpoint variable: its path and the TLS choice of its scheme stay
	// (WithURLPath, WithInsecure and WithEndpointURL replace those).
	if env.EndpointVar != "" && !set[otlpenv.SettingEndpoint] {
		c.endpoint = env.Host
		if env.Protocol == otlpenv.ProtocolGRPC {
			c.endpoint = env.GRPCTarget
		}
	}
	if env.URLPath != "" {
		c.urlPath = env.URLPath
	}
	if env.InsecureSet {
		c.insecure = env.Insecure
	}
	if env.Headers != nil {
		c.headers = env.Headers
	}
	if env.Compression != "" {
		c.gzip = env.Compression == "gzip"
	}
	if env.Timeout > 0 {
		c.timeout = env.Timeout
	}
	if env.TLS != nil {
		c.tls = env.TLS
	}
	if env.Temporality != nil {
		c.temporality = env.Temporality
	}
	if env.Aggregation != nil {
		c.aggregation = env.Aggregation
	}
}
