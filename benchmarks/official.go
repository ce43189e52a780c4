package benchmarks

import (
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// officialSDK is go.opentelemetry.io/otel/sdk/metric v1.47.0 with a
// ManualReader and every setting but the cardinality limit (see
// cardinalityLimit) at its default, e.g. the trace-based exemplar filter.
type officialSDK struct{}

func (officialSDK) Name() string { return "official" }

func (officialSDK) NewPipeline(temporality metricdata.Temporality) (pipeline, error) {
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(temporalityFor(temporality)))
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(reader),
		sdkmetric.WithCardinalityLimit(cardinalityLimit),
		sdkmetric.WithView(sdkmetric.NewView(expHistogramView())),
	)
	// The official SDK has no Bind: the bound case is reported as not available.
	return newOTelPipeline(mp, reader.Collect, mp.Shutdown, nil), nil
}
