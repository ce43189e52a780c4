package autoconfig

import (
	sdkmetric "github.com/fastmeter/fastmeter"
)

// The exponential histogram the specification prescribes for
// base2_exponential_bucket_histogram (and the official exporters use).
const (
	exponentialMaxSize  = 160
	exponentialMaxScale = 20
)

// exponentialHistogramSelector is the default aggregation except for
// histograms, which become base-2 exponential histograms.
func exponentialHistogramSelector(kind sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	if kind == sdkmetric.InstrumentKindHistogram {
		return sdkmetric.AggregationBase2ExponentialHistogram{
			MaxSize:  exponentialMaxSize,
			MaxScale: exponentialMaxScale,
		}
	}
	return sdkmetric.DefaultAggregationSelector(kind)
}

// aggregationFromEnv reads
// OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION. A nil selector
// means the variable is unset and the exporter's default applies.
func aggregationFromEnv() (sdkmetric.AggregationSelector, error) {
	v, ok := lookupEnum(envHistogramAggregation)
	if !ok {
		return nil, nil
	}
	switch v {
	case "explicit_bucket_histogram":
		return sdkmetric.DefaultAggregationSelector, nil
	case "base2_exponential_bucket_histogram":
		return exponentialHistogramSelector, nil
	}
	return nil, &EnvError{Name: envHistogramAggregation, Value: rawEnv(envHistogramAggregation),
		Reason: "accepted: explicit_bucket_histogram, base2_exponential_bucket_histogram"}
}
