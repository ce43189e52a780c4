package autoconfig

import (
	"errors"

	"github.com/fastmeter/fastmeter/internal/otlpenv"
)

// The otlp exporter is fastmeter's native one (github.com/fastmeter/fastmeter/otlp)
// unless the official otlpmetricgrpc/otlpmetrichttp exporters are chosen,
// in code (WithOfficialOTLPExporter, or options of an official exporter) or
// with OTEL_GO_FASTMETER_OTLP_EXPORTER=official (otlpenv.EnvExporterChoice,
// shared with otelconf), read only when no option decides.

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
	official, err := otlpenv.OfficialFromEnv()
	if err != nil {
		return false, envError(err)
	}
	return official, nil
}

// errConflictingOTLPOptions reports options for both OTLP exporters.
var errConflictingOTLPOptions = errors.New("autoconfig: WithOTLPOptions (the native exporter) cannot be combined with " +
	"WithOfficialOTLPExporter, WithOTLPGRPCOptions or WithOTLPHTTPOptions (the official exporters)")
