package autoconfig

import (
	"os"
	"strings"
)

// Names of the environment variables autoconfig reads itself. The OTLP
// exporters additionally read the OTEL_EXPORTER_OTLP_* variables listed in
// otlp_env.go; autoconfig validates those before the exporter sees them.
const (
	envSDKDisabled          = "OTEL_SDK_DISABLED"
	envMetricsExporter      = "OTEL_METRICS_EXPORTER"
	envOTLPProtocol         = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envOTLPMetricsProtocol  = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
	envTemporalityPref      = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"
	envHistogramAggregation = "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION"
	envExportInterval       = "OTEL_METRIC_EXPORT_INTERVAL"
	envExportTimeout        = "OTEL_METRIC_EXPORT_TIMEOUT"
	envExemplarFilter       = "OTEL_METRICS_EXEMPLAR_FILTER"
	envServiceName          = "OTEL_SERVICE_NAME"
	envResourceAttributes   = "OTEL_RESOURCE_ATTRIBUTES"
	envPrometheusHost       = "OTEL_EXPORTER_PROMETHEUS_HOST"
	envPrometheusPort       = "OTEL_EXPORTER_PROMETHEUS_PORT"
)

// lookupEnv returns the variable's value with surrounding white space
// removed. The specification treats an empty value as unset, so ok is false
// for both.
func lookupEnv(name string) (value string, ok bool) {
	v := strings.TrimSpace(os.Getenv(name))
	return v, v != ""
}

// lookupEnum is lookupEnv for variables whose values are case-insensitive
// keywords: it also lower-cases the value.
func lookupEnum(name string) (value string, ok bool) {
	v, ok := lookupEnv(name)
	return strings.ToLower(v), ok
}

// rawEnv is the variable's value as set (white space trimmed, case kept),
// for error messages about enumerated variables that lookupEnum lower-cased.
func rawEnv(name string) string {
	v, _ := lookupEnv(name)
	return v
}

// lookupFirst returns the first of names that is set, with its name. It
// serves the per-signal variables that take precedence over the general
// ones (OTEL_EXPORTER_OTLP_METRICS_X before OTEL_EXPORTER_OTLP_X).
func lookupFirst(names ...string) (name, value string, ok bool) {
	for _, n := range names {
		if v, ok := lookupEnv(n); ok {
			return n, v, true
		}
	}
	return "", "", false
}

// envBool reads a boolean variable the way the specification requires:
// "true" (any case) is true; unset, empty and "false" are false; any other
// value is false too, with a warning through otel.Handle, because the
// specification mandates that fallback rather than an error.
func envBool(name string, warn func(error)) bool {
	v, ok := lookupEnum(name)
	if !ok {
		return false
	}
	switch v {
	case "true":
		return true
	case "false":
		return false
	}
	warn(&EnvError{Name: name, Value: os.Getenv(name), Reason: `not "true" or "false"; treated as false`})
	return false
}
