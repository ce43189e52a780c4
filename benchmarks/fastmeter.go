package benchmarks

import (
	"github.com/fastmeter/fastmeter"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// fastmeterSDK is github.com/fastmeter/fastmeter configured exactly like
// officialSDK: a ManualReader, defaults everywhere else.
type fastmeterSDK struct{}

func (fastmeterSDK) Name() string { return "fastmeter" }

func (fastmeterSDK) NewPipeline(temporality metricdata.Temporality) (pipeline, error) {
	reader := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(temporalityFor(temporality)))
	mp := fastmeter.NewMeterProvider(
		fastmeter.WithReader(reader),
		fastmeter.WithCardinalityLimit(cardinalityLimit),
		fastmeter.WithView(fastmeter.NewView(expHistogramView())),
	)
	return newOTelPipeline(mp, reader.Collect, mp.Shutdown, fastmeterBinder{}), nil
}
