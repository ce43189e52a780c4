package autoconfig

import "fmt"

// EnvError reports an environment variable whose value autoconfig cannot
// use. NewMeterProvider returns one EnvError per unusable variable, joined
// with errors.Join, so every mistake is reported at once; use errors.As to
// inspect them. Values that fall back to a default (the boolean variables)
// are reported as an EnvError through otel.Handle instead.
type EnvError struct {
	// Name is the environment variable, e.g. "OTEL_METRIC_EXPORT_INTERVAL".
	Name string
	// Value is the value as set, or a description of it where the value
	// may hold credentials (OTEL_EXPORTER_OTLP_HEADERS is never echoed).
	Value string
	// Reason says what is wrong and, where useful, what is accepted.
	Reason string
}

// Error returns "autoconfig: NAME="value": reason".
func (e *EnvError) Error() string {
	return fmt.Sprintf("autoconfig: %s=%q: %s", e.Name, e.Value, e.Reason)
}

// redacted stands in for a value that must not appear in logs.
const redacted = "<redacted>"
