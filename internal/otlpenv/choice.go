package otlpenv

// EnvExporterChoice chooses the exporter behind fastmeter's OTLP settings
// in autoconfig and otelconf: "native" (the default), fastmeter's own
// github.com/fastmeter/fastmeter/otlp, or "official", the official
// otlpmetricgrpc/otlpmetrichttp exporters. It is fastmeter's own variable
// (OTEL_GO_ is the Go SDK's prefix for its own).
const EnvExporterChoice = "OTEL_GO_FASTMETER_OTLP_EXPORTER"

// OfficialFromEnv reads EnvExporterChoice (case-insensitive): whether the
// official exporters are chosen.
func OfficialFromEnv() (bool, *Error) {
	v, ok := LookupEnum(EnvExporterChoice)
	switch {
	case !ok, v == "native":
		return false, nil
	case v == "official":
		return true, nil
	}
	raw, _ := Lookup(EnvExporterChoice)
	return false, &Error{Name: EnvExporterChoice, Value: raw, Reason: "accepted: native (the default), official"}
}
