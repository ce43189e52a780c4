package benchmarks

// instrumentKind is the synchronous instrument a workload drives.
type instrumentKind int

const (
	// counter is an Int64Counter (client_golang: Counter).
	counter instrumentKind = iota
	// histogram is a Float64Histogram with the default explicit buckets
	// (client_golang: a classic Histogram with the same bucket boundaries).
	histogram
	// expHistogram is a Float64Histogram aggregated as a base-2 exponential
	// histogram through a View (client_golang: a native histogram).
	expHistogram
	// gauge is a Float64Gauge (client_golang: Gauge.Set).
	gauge
)

// String is the instrument's part of a benchmark name.
func (k instrumentKind) String() string {
	switch k {
	case counter:
		return "counter"
	case histogram:
		return "histogram"
	case expHistogram:
		return "exp-histogram"
	case gauge:
		return "gauge"
	}
	return "unknown"
}

// defaultHistogramBounds are the OpenTelemetry default explicit bucket
// boundaries; client_golang histograms get the same ones so both do the same
// bucket search.
var defaultHistogramBounds = []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}

// Exponential histogram settings, the OpenTelemetry defaults.
const (
	expHistogramMaxSize  = 160
	expHistogramMaxScale = 20
)

// histogramValue is the value the i-th Record call records: it walks over the
// default buckets so the bucket search is not always the same branch.
func histogramValue(i int) float64 {
	return float64(i & 1023)
}
