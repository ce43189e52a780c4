package autoconfig

import (
	"github.com/fastmeter/fastmeter/internal/otlpenv"
)

// Names of the environment variables autoconfig reads itself. The OTLP
// exporter's OTEL_EXPORTER_OTLP_* variables are read by internal/otlpenv
// (otlp_env.go).
const (
	envSDKDisabled          = "OTEL_SDK_DISABLED"
	envMetricsExporter      = "OTEL_METRICS_EXPORTER"
	envOTLPProtocol         = otlpenv.EnvProtocol
	envOTLPMetricsProtocol  = otlpenv.EnvMetricsProtocol
	envTemporalityPref      = otlpenv.EnvTemporalityPreference
	envHistogramAggregation = otlpenv.EnvHistogramAggregation
	envExportInterval       = "OTEL_METRIC_EXPORT_INTERVAL"
	envExportTimeout        = "OTEL_METRIC_EXPORT_TIMEOUT"
	envExemplarFilter       = "OTEL_METRICS_EXEMPLAR_FILTER"
	envServiceName          = "OTEL_SERVICE_NAME"
	envResourceAttributes   = "OTEL_RESOURCE_ATTRIBUTES"
	envPrometheusHost       = "OTEL_EXPORTER_PROMETHEUS_HOST"
	envPrometheusPort       = "OTEL_EXPORTER_PROMETHEUS_PORT"
	envOTLPExporter         = otlpenv.EnvExporterChoice
)

// lookupEnv returns the variable's value with surrounding white space
// removed; ok is false for an empty value, which the specification treats
// as unset.
func lookupEnv(name string) (value string, ok bool) { return otlpenv.Lookup(name) }

// lookupEnum is lookupEnv for variables whose values are case-insensitive
// keywords: it also lower-cases the value.
func lookupEnum(name string) (value string, ok bool) { return otlpenv.LookupEnum(name) }

// rawEnv is the variable's value as set (white space trimmed, case kept),
// for error messages about enumerated variables that lookupEnum lower-cased.
func rawEnv(name string) string {
	v, _ := lookupEnv(name)
	return v
}

// envBool reads a boolean variable the way the specification requires:
// "true" (any case) is true; anything else is false, and a value other than
// "false" is warned about through warn, because the specification mandates
// that fallback rather than an error.
func envBool(name string, warn func(error)) bool {
	v, _, warning := otlpenv.Bool(name)
	if warning != nil {
		warn(envError(warning))
	}
	return v
}
