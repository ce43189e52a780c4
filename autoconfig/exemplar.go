package autoconfig

import (
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
)

// defaultExemplarFilter is the specification's default: keep exemplars of
// measurements made inside a sampled span.
var defaultExemplarFilter exemplar.Filter = exemplar.TraceBasedFilter

// exemplarFilterFromEnv reads OTEL_METRICS_EXEMPLAR_FILTER.
func exemplarFilterFromEnv() (exemplar.Filter, error) {
	v, ok := lookupEnum(envExemplarFilter)
	if !ok {
		return defaultExemplarFilter, nil
	}
	switch v {
	case "always_on":
		return exemplar.AlwaysOnFilter, nil
	case "always_off":
		return exemplar.AlwaysOffFilter, nil
	case "trace_based":
		return exemplar.TraceBasedFilter, nil
	}
	return nil, &EnvError{Name: envExemplarFilter, Value: rawEnv(envExemplarFilter), Reason: "accepted: always_on, always_off, trace_based"}
}
