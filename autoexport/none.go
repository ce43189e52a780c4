package autoexport

import (
	"context"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// noneReader is the reader for OTEL_METRICS_EXPORTER=none: a ManualReader
// nobody collects from, so nothing is exported. It is a distinct type so
// that IsNoneMetricReader can recognise it.
type noneReader struct {
	*sdkmetric.ManualReader
}

// IsNoneMetricReader reports whether r is the reader NewMetricReader
// returns for OTEL_METRICS_EXPORTER=none. A program can then leave it out
// of its provider, which then aggregates nothing for it.
func IsNoneMetricReader(r sdkmetric.Reader) bool {
	_, ok := r.(noneReader)
	return ok
}

// noneProducer is the producer for OTEL_METRICS_PRODUCERS=none: it
// contributes no metrics.
type noneProducer struct{}

// Produce returns no metrics.
func (noneProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	return nil, nil
}
