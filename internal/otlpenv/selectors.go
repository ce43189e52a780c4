package otlpenv

import (
	"github.com/fastmeter/fastmeter"
)

// The exponential histogram the specification prescribes for
// base2_exponential_bucket_histogram (and the official exporters use).
const (
	exponentialMaxSize  = 160
	exponentialMaxScale = 20
)

// ExponentialHistogramSelector is the default aggregation except for
// histograms, which become base-2 exponential histograms: what
// base2_exponential_bucket_histogram selects.
func ExponentialHistogramSelector(kind fastmeter.InstrumentKind) fastmeter.Aggregation {
	if kind == fastmeter.InstrumentKindHistogram {
		return fastmeter.AggregationBase2ExponentialHistogram{
			MaxSize:  exponentialMaxSize,
			MaxScale: exponentialMaxScale,
		}
	}
	return fastmeter.DefaultAggregationSelector(kind)
}

// temporalityFromEnv reads OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE;
// nil means unset.
func temporalityFromEnv() (fastmeter.TemporalitySelector, *Error) {
	v, ok := LookupEnum(EnvTemporalityPreference)
	if !ok {
		return nil, nil
	}
	switch v {
	case "cumulative":
		return fastmeter.CumulativeTemporalitySelector, nil
	case "delta":
		return fastmeter.DeltaTemporalitySelector, nil
	case "lowmemory":
		return fastmeter.LowMemoryTemporalitySelector, nil
	}
	raw, _ := Lookup(EnvTemporalityPreference)
	return nil, &Error{Name: EnvTemporalityPreference, Value: raw, Reason: "accepted: cumulative, delta, lowmemory"}
}

// aggregationFromEnv reads
// OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION; nil means unset.
func aggregationFromEnv() (fastmeter.AggregationSelector, *Error) {
	v, ok := LookupEnum(EnvHistogramAggregation)
	if !ok {
		return nil, nil
	}
	switch v {
	case "explicit_bucket_histogram":
		return fastmeter.DefaultAggregationSelector, nil
	case "base2_exponential_bucket_histogram":
		return ExponentialHistogramSelector, nil
	}
	raw, _ := Lookup(EnvHistogramAggregation)
	return nil, &Error{Name: EnvHistogramAggregation, Value: raw,
		Reason: "accepted: explicit_bucket_histogram, base2_exponential_bucket_histogram"}
}
