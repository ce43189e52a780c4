package benchmarks

import (
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// officialSDK is go.opentelemetry.io/otel/sdk/metric v1.47.0 with a
// ManualReader and every other setting at its default (trace-based exemplar
// filter, default cardinality limit).
type officialSDK struct{}

func (officialSDK) Name() string { return "official" }

func (officialSDK) NewPipeline(temporality metricdata.Temporality) (pipeline, error) {
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(temporalityFor(temporality)))
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(reader),
		sdkmetric.WithView(sdkmetric.NewView(expHistogramView())),
	)
	// The official SDK has no Bind: the bound case is reported as not available.
	return newOTelPipeline(mp, reader.Collect, mp.Shutdown, nil), nil
}
