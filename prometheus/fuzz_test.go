package prometheus

import (
	"math"
	"testing"

	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// FuzzExpositionParses feeds arbitrary names, units, attribute keys and
// values and numbers through every format: the output must always parse,
// and the valid neighbour metric must always be served.
//
//	go test -run '^$' -fuzz FuzzExpositionParses -fuzztime 30s ./prometheus
func FuzzExpositionParses(f *testing.F) {
	f.Add("http.requests", "ms", "http.method", "GET", 1.5, false)
	f.Add("😀", "{req}/s", "", "\xff\"\n\\", math.NaN(), true)
	f.Add("__", "1", "__name__", "x", math.Inf(-1), false)
	f.Add("a_b", "By", "le", "0.5", 3.0, true)
	f.Add("0", "%", "a.b", "a_b", -0.0, false)
	f.Add("good", "", "otel_scope_name", "shadow", 1e308, true)
	f.Add("x", "", "0 name  ", "0", 1.0, true) // escapes to __name__
	f.Add("0", "", ":", "0", math.NaN(), true) // legacy escaping keeps the colon
	f.Fuzz(func(t *testing.T, name, unit, key, value string, v float64, utf8 bool) {
		attrs := attribute.NewSet(attribute.String(key, value), attribute.String(key+".x", value+"y"))
		point := metricdata.DataPoint[float64]{Attributes: attrs, Value: v}
		data := []metricdata.ScopeMetrics{{
			Scope: instrumentation.Scope{Name: value, Version: key},
			Metrics: []metricdata.Metrics{
				{Name: "neighbour", Data: metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{{Value: 42}}}},
				{Name: name, Unit: unit, Description: value, Data: metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{point}}},
				{Name: name, Unit: unit, Data: metricdata.Sum[float64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
					DataPoints: []metricdata.DataPoint[float64]{point}}},
				{Name: name + ".h", Unit: unit, Data: metricdata.Histogram[float64]{Temporality: metricdata.CumulativeTemporality,
					DataPoints: []metricdata.HistogramDataPoint[float64]{{Attributes: attrs, Bounds: []float64{v}, BucketCounts: []uint64{1, 2}, Count: 3, Sum: v}}}},
			},
		}}
		strategy := otlptranslator.UnderscoreEscapingWithSuffixes
		if utf8 {
			strategy = otlptranslator.NoUTF8EscapingWithSuffixes
		}
		exp, _ := newTestExporter(t, WithProducer(producer{data}), WithTranslationStrategy(strategy))
		for _, accept := range []string{acceptText, acceptOpenMetrics, acceptProtobuf, "text/plain;version=1.0.0;escaping=allow-utf-8"} {
			res := scrapeHTTP(t, exp, accept, "")
			if res.status != 200 {
				t.Fatalf("%s: status %d: %s", accept, res.status, res.body)
			}
			families := parse(t, res)
			if len(families["neighbour"].GetMetric()) != 1 {
				t.Fatalf("%s: the valid neighbour is missing", accept)
			}
		}
	})
}
