package benchmarks

import (
	"errors"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// errNotAvailable marks a workload a library has no equivalent for; the
// benchmark is skipped and the report prints "n/a".
var errNotAvailable = errors.New("not available in this library")

// library is one metrics implementation under test.
type library interface {
	// Name is the library's part of every benchmark name.
	Name() string
	// NewPipeline builds a fresh provider (or registry) with one reader using
	// the given temporality.
	NewPipeline(temporality metricdata.Temporality) (pipeline, error)
}

// pipeline is one provider plus its reader. Each instrument kind has one
// instrument per pipeline, shared by the workloads and Populate.
type pipeline interface {
	// Workload returns the hot loop measuring instrument kind with the attribute case.
	Workload(kind instrumentKind, attrs attrCase) (workload, error)
	// Populate records one measurement into each of the first n distinct
	// pre-built series of kind (n ≤ maxPopulatedSeries).
	Populate(kind instrumentKind, n int) error
	// Collect gathers every series once, reusing the pipeline's buffers the
	// way a periodic reader does.
	Collect() error
	// Export collects and hands the result to exporter.
	Export(exporter sdkmetric.Exporter) error
	// Totals collects and summarises what kind's instrument holds.
	Totals(kind instrumentKind) (totals, error)
	// Shutdown releases the pipeline.
	Shutdown()
}

// workload is one hot loop, written once per instrumentation API.
type workload interface {
	// RunSerial makes n measurements on the calling goroutine.
	RunSerial(n int)
	// RunParallel makes measurements until pb says stop; used with b.RunParallel.
	RunParallel(pb *testing.PB)
}

// totals summarises one instrument after a collection, to check that every
// library did the same work.
type totals struct {
	// Series is the number of data points (distinct attribute sets).
	Series int
	// Sum is the counter total or the histogram sum.
	Sum float64
	// Count is the number of histogram measurements (0 for counters and gauges).
	Count uint64
	// Aggregation is what the library aggregated into: "sum", "gauge",
	// "histogram" (explicit buckets) or "exponential-histogram".
	Aggregation string
}

// expectedAggregation is the aggregation each instrument kind must produce for
// the libraries to be doing the same work.
func expectedAggregation(kind instrumentKind) string {
	switch kind {
	case counter:
		return "sum"
	case histogram:
		return "histogram"
	case expHistogram:
		return "exponential-histogram"
	case gauge:
		return "gauge"
	}
	return "unknown"
}

// libraries lists the libraries under test, in the order the report shows them.
func libraries() []library {
	return []library{fastmeterSDK{}, officialSDK{}, clientGolang{}}
}
