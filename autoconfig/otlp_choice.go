package autoconfig

import "errors"

// The otlp exporter is fastmeter's native one (github.com/fastmeter/fastmeter/otlp)
// unless the official otlpmetricgrpc/otlpmetrichttp exporters are chosen,
// in code (WithOfficialOTLPExporter, or options of an official exporter) or
// with OTEL_GO_FASTMETER_OTLP_EXPORTER=official. The variable is
// fastmeter's own (OTEL_GO_ is the Go SDK's prefix for its own variables),
// read only when no option decides.

// officialFromConfig says whether the otlp exporter is the official one.
func officialFromConfig(c *config) (bool, error) {
	if len(c.otlpOptions) > 0 {
		if c.officialOTLP {
			return false, errConflictingOTLPOptions
		}
		return false, nil
	}
	if c.officialOTLP {
		return true, nil
	}
	v, ok := lookupEnum(envOTLPExporter)
	switch {
	case !ok, v == "native":
		return false, nil
	case v == "official":
		return true, nil
	}
	return false, &EnvError{Name: envOTLPExporter, Value: rawEnv(envOTLPExporter), Reason: "accepted: native (the default), official"}
}

// errConflictingOTLPOptions reports options for both OTLP exporters.
var errConflictingOTLPOptions = errors.New("autoconfig: WithOTLPOptions (the native exporter) cannot be combined with " +
	"WithOfficialOTLPExporter, WithOTLPGRPCOptions or WithOTLPHTTPOptions (the official exporters)")
