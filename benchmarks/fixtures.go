package benchmarks

import (
	"strconv"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// rotationSize is the number of distinct attribute sets the rotatingSets case cycles through.
const rotationSize = 1000

// sdkSharePoolSize is the number of equal, separately built options the
// perCallSDKShare case rotates through: enough that no SDK can keep passing
// the same storage, few enough to stay in the L1 cache like a set built per
// call.
const sdkSharePoolSize = 8

// maxPopulatedSeries is the largest number of series a collect, memory or
// export workload creates.
const maxPopulatedSeries = 10000

// The three attributes every attributed hot-path measurement carries. They are
// all strings so that client_golang (string label values only) stores the same
// values.
var (
	attrKeys   = []string{"http.method", "http.route", "http.status_code"}
	attrValues = []string{"GET", "/api/v1/users/{id}", "200"}
	// promLabelNames are attrKeys as valid Prometheus label names.
	promLabelNames = []string{"http_method", "http_route", "http_status_code"}
)

// keyValues returns the three attributes with the third value replaced by
// status, so distinct status strings give distinct sets.
func keyValues(status string) [3]attribute.KeyValue {
	return [3]attribute.KeyValue{
		attribute.String(attrKeys[0], attrValues[0]),
		attribute.String(attrKeys[1], attrValues[1]),
		attribute.String(attrKeys[2], status),
	}
}

// otelFixtures are the OpenTelemetry API values the workloads pass, built once
// so that a benchmark measures the SDK, not the building of its inputs.
type otelFixtures struct {
	// kv are the three attributes, passed to metric.WithAttributes per call.
	kv [3]attribute.KeyValue
	// addSet and recordSet hold the one pre-made metric.WithAttributeSet option
	// for the precomputed set. A pre-made slice, because passing a single option
	// literal through the interface method makes Go heap-allocate the 16-byte
	// variadic slice on every call whatever the SDK does.
	addSet    []metric.AddOption
	recordSet []metric.RecordOption
	// set is the precomputed set itself (what a Bind helper binds to).
	set attribute.Set
	// shareAdd and shareRecord are the perCallSDKShare pool: pre-made option
	// slices, each option built by its own metric.WithAttributes(kv...) call,
	// so they hold equal attributes with the same API hash in distinct
	// storage, as sets built per call do.
	shareAdd    [sdkSharePoolSize][]metric.AddOption
	shareRecord [sdkSharePoolSize][]metric.RecordOption
	// sharePrimerAdd and sharePrimerRecord hold one more such option, passed
	// by the first measurement of every serial perCallSDKShare loop: the
	// warm-up before timing creates the series with it, so the series' set
	// shares storage with no pooled option and every timed lookup compares
	// the attributes, as for a per-call set.
	sharePrimerAdd    []metric.AddOption
	sharePrimerRecord []metric.RecordOption
	// rotationAdd and rotationRecord are rotationSize distinct pre-made options.
	rotationAdd    [][]metric.AddOption
	rotationRecord [][]metric.RecordOption
	// seriesAdd and seriesRecord are maxPopulatedSeries distinct pre-made
	// options for populating many series.
	seriesAdd    [][]metric.AddOption
	seriesRecord [][]metric.RecordOption
}

// promFixtures are the client_golang equivalents of otelFixtures.
type promFixtures struct {
	labelValues    []string
	rotationValues [][]string
	seriesValues   [][]string
}

var (
	fixturesOnce sync.Once
	otelFx       *otelFixtures
	promFx       *promFixtures
)

// fixtures returns the shared inputs, built on first use.
func fixtures() (*otelFixtures, *promFixtures) {
	fixturesOnce.Do(func() {
		otelFx, promFx = buildFixtures()
	})
	return otelFx, promFx
}

func buildFixtures() (*otelFixtures, *promFixtures) {
	o := &otelFixtures{kv: keyValues(attrValues[2])}
	o.set = attribute.NewSet(o.kv[:]...)
	o.addSet = []metric.AddOption{metric.WithAttributeSet(o.set)}
	o.recordSet = []metric.RecordOption{metric.WithAttributeSet(o.set)}
	for i := range sdkSharePoolSize {
		opt := metric.WithAttributes(o.kv[0], o.kv[1], o.kv[2])
		o.shareAdd[i] = []metric.AddOption{opt}
		o.shareRecord[i] = []metric.RecordOption{opt}
	}
	primer := metric.WithAttributes(o.kv[0], o.kv[1], o.kv[2])
	o.sharePrimerAdd = []metric.AddOption{primer}
	o.sharePrimerRecord = []metric.RecordOption{primer}
	p := &promFixtures{labelValues: append([]string(nil), attrValues...)}

	distinct := func(n int, prefix string) ([][]metric.AddOption, [][]metric.RecordOption, [][]string) {
		adds := make([][]metric.AddOption, n)
		records := make([][]metric.RecordOption, n)
		values := make([][]string, n)
		for i := range n {
			status := prefix + strconv.Itoa(i)
			kv := keyValues(status)
			opt := metric.WithAttributeSet(attribute.NewSet(kv[:]...))
			adds[i] = []metric.AddOption{opt}
			records[i] = []metric.RecordOption{opt}
			values[i] = []string{attrValues[0], attrValues[1], status}
		}
		return adds, records, values
	}
	o.rotationAdd, o.rotationRecord, p.rotationValues = distinct(rotationSize, "r")
	o.seriesAdd, o.seriesRecord, p.seriesValues = distinct(maxPopulatedSeries, "s")
	return o, p
}
