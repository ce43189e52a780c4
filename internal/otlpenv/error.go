package otlpenv

import "fmt"

// Setting names the part of the exporter's configuration a variable sets, so
// that a caller whose explicit option replaces that part can ignore what the
// environment says about it (bad values included).
type Setting int

// The settings the variables configure.
const (
	SettingProtocol Setting = iota + 1
	SettingEndpoint
	SettingInsecure
	SettingHeaders
	SettingCompression
	SettingTimeout
	SettingTLS
	SettingTemporality
	SettingAggregation
)

// Error reports a variable whose value cannot be used.
type Error struct {
	// Name is the variable, e.g. "OTEL_EXPORTER_OTLP_ENDPOINT".
	Name string
	// Value is the value as set, or Redacted where it may hold credentials
	// (headers).
	Value string
	// Reason says what is wrong and, where useful, what is accepted.
	Reason string
	// Setting is what the variable configures.
	Setting Setting
}

// Error returns `NAME="value": reason`; callers add their own prefix.
func (e *Error) Error() string { return fmt.Sprintf("%s=%q: %s", e.Name, e.Value, e.Reason) }

// Redacted stands in for a value that must not appear in logs.
const Redacted = "<redacted>"
