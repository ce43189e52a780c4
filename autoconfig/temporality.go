package autoconfig

import (
	sdkmetric "github.com/fastmeter/fastmeter"
)

// temporalityFromEnv reads OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE.
// A nil selector means the variable is unset and the exporter's default
// (cumulative) applies.
func temporalityFromEnv() (sdkmetric.TemporalitySelector, error) {
	v, ok := lookupEnum(envTemporalityPref)
	if !ok {
		return nil, nil
	}
	switch v {
	case "cumulative":
		return sdkmetric.CumulativeTemporalitySelector, nil
	case "delta":
		return sdkmetric.DeltaTemporalitySelector, nil
	case "lowmemory":
		return sdkmetric.LowMemoryTemporalitySelector, nil
	}
	return nil, &EnvError{Name: envTemporalityPref, Value: rawEnv(envTemporalityPref), Reason: "accepted: cumulative, delta, lowmemory"}
}
