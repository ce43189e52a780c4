package autoconfig

import (
	"errors"

	"github.com/fastmeter/fastmeter/internal/otlpenv"
)

// The OTEL_EXPORTER_OTLP_* variables are parsed and validated by
// internal/otlpenv, the parser fastmeter's own OTLP exporter reads them
// with. The official exporters read them themselves too, but react to a bad
// value by logging (or not even that) and ignoring it, or by quietly picking
// something else (any compression other than "gzip" means none); autoconfig
// checks them first so that every bad value becomes an error naming the
// variable, whichever exporter is used.

// otlpEnv is what the validation learnt that autoconfig itself needs.
type otlpEnv struct {
	// transportChosen is true when an endpoint, INSECURE or a certificate
	// is set: the user chose the transport security, so autoconfig must
	// not apply its default.
	transportChosen bool
	// gzip is true when the effective compression (METRICS_COMPRESSION,
	// else COMPRESSION) is gzip in any case. The official exporters compare
	// the value with "gzip" case-sensitively and take anything else as
	// none, so autoconfig, whose keywords are case-insensitive, then passes
	// gzip to them as an option instead of letting "GZIP" silently mean no
	// compression. (none needs no option: they read it right.)
	gzip bool
	// config is everything the variables say.
	config otlpenv.Config
}

// checkOTLPEnv validates every OTEL_EXPORTER_OTLP_* variable the exporter
// for protocol reads. warn receives the documented fallbacks. The
// variables of a setting an option replaces (skip) are not reported.
func checkOTLPEnv(protocol otlpProtocol, skip map[otlpenv.Setting]bool, warn func(error)) (otlpEnv, error) {
	cfg, problems := otlpenv.Read(protocol)
	for _, w := range cfg.Warnings {
		warn(envError(w))
	}
	var errs []error
	for _, p := range problems {
		if !skip[p.Setting] {
			errs = append(errs, envError(p))
		}
	}
	env := otlpEnv{transportChosen: cfg.TransportChosen(), gzip: cfg.Compression == "gzip", config: cfg}
	return env, errors.Join(errs...)
}

// envError is autoconfig's form of a variable's problem.
func envError(e *otlpenv.Error) *EnvError {
	return &EnvError{Name: e.Name, Value: e.Value, Reason: e.Reason}
}
