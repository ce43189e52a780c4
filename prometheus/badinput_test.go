package prometheus

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// hostileData is what a buggy bridge or a careless caller can hand the
// exporter through a Producer, next to one valid metric.
func hostileData() []metricdata.ScopeMetrics {
	gauge := func(name string, v float64, attrs ...attribute.KeyValue) metricdata.Metrics {
		return metricdata.Metrics{Name: name, Data: metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{
			{Attributes: attribute.NewSet(attrs...), Value: v},
		}}}
	}
	return []metricdata.ScopeMetrics{{
		Scope: instrumentation.Scope{Name: "evil \"scope\"\n\xff", Version: "v\\1"},
		Metrics: []metricdata.Metrics{
			gauge("good", 42),
			gauge("😀", 1),
			gauge("", 1),
			gauge("__", 1),
			gauge("123abc", 1),
			gauge("a b-c", 1),
			gauge("nan", math.NaN()),
			gauge("pos.inf", math.Inf(1)),
			gauge("neg.inf", math.Inf(-1)),
			gauge("quoted", 1,
				attribute.String("q", `he said "hi"`),
				attribute.String("nl", "line1\nline2\r\n"),
				attribute.String("bs", `C:\path\`),
				attribute.String("bad", "ok\xff\xfe"),
				attribute.String("tab", "a\tb"),
				attribute.String("utf8", "ünïcødé ✓"),
			),
			{Name: "bad.help", Description: "line one\nline \"two\" \\ \xff", Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{{Value: 5}}}},
			{Name: "nan.counter", Data: metricdata.Sum[float64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
				DataPoints: []metricdata.DataPoint[float64]{{Value: math.NaN()}}}},
			{Name: "odd.hist", Data: metricdata.Histogram[float64]{Temporality: metricdata.CumulativeTemporality, DataPoints: []metricdata.HistogramDataPoint[float64]{
				{Attributes: attribute.NewSet(attribute.String("k", "broken")), Bounds: []float64{1, 2}, BucketCounts: []uint64{1}, Count: 1, Sum: 1},
				{Attributes: attribute.NewSet(attribute.String("k", "unsorted")), Bounds: []float64{2, 1}, BucketCounts: []uint64{1, 0, 0}, Count: 1, Sum: 1},
				{Attributes: attribute.NewSet(attribute.String("k", "fine")), Bounds: []float64{1, 2}, BucketCounts: []uint64{1, 1, 1}, Count: 3, Sum: math.Inf(1)},
			}}},
		},
	}}
}

// TestBadInputAlwaysParsable checks that hostile names, label values and
// values never break any format, that valid data is never lost because of
// a bad neighbour, and that each problem is reported with the metric name.
func TestBadInputAlwaysParsable(t *testing.T) {
	for _, strategy := range []otlptranslator.TranslationStrategyOption{
		otlptranslator.UnderscoreEscapingWithSuffixes,
		otlptranslator.NoTranslation,
	} {
		t.Run(string(strategy), func(t *testing.T) {
			errs := errorCatcher(t)
			exp, mp := newTestExporter(t, WithProducer(producer{hostileData()}), WithTranslationStrategy(strategy))
			// The same hostile label values through a real instrument.
			c, err := mp.Meter("real").Int64Counter("real.requests")
			must(t, err)
			c.Add(context.Background(), 9, metric.WithAttributes(attribute.String("path", "/a\"b\n\xff")))

			for _, accept := range []string{acceptText, acceptOpenMetrics, acceptProtobuf, "text/plain;version=1.0.0;escaping=allow-utf-8"} {
				res := scrapeHTTP(t, exp, accept, "")
				if res.status != 200 {
					t.Fatalf("%s: status %d", accept, res.status)
				}
				families := parse(t, res)
				if v := families["good"].GetMetric()[0].GetGauge().GetValue(); v != 42 {
					t.Errorf("%s: good = %v, want 42", accept, v)
				}
				real := "real_requests_total"
				if strategy == otlptranslator.NoTranslation {
					real = "real_requests"
					if strings.Contains(accept, "allow-utf-8") {
						real = "real.requests"
					}
				}
				// OpenMetrics serves a counter without _total as "unknown"
				// (expfmt's rule), so the value may come back untyped.
				if m := findSeries(t, families[real], nil); m.GetCounter().GetValue()+m.GetUntyped().GetValue() != 9 || labelsOf(m)["path"] != "/a\"b\n\uFFFD" {
					t.Errorf("%s: %s = %v", accept, real, m)
				}
				q := findSeries(t, families["quoted"], nil)
				want := map[string]string{"q": `he said "hi"`, "nl": "line1\nline2\r\n", "bs": `C:\path\`, "bad": "ok\uFFFD", "tab": "a\tb", "utf8": "ünïcødé ✓"}
				for k, v := range want {
					if got := labelsOf(q)[k]; got != v {
						t.Errorf("%s: label %s = %q, want %q", accept, k, got, v)
					}
				}
				if labelsOf(q)["otel_scope_name"] != "evil \"scope\"\n\uFFFD" {
					t.Errorf("%s: scope label = %q", accept, labelsOf(q)["otel_scope_name"])
				}
				if v := families["nan"].GetMetric()[0].GetGauge().GetValue(); !math.IsNaN(v) {
					t.Errorf("%s: nan = %v", accept, v)
				}
				posInf, negInf := "pos_inf", "neg_inf"
				if strategy == otlptranslator.NoTranslation && strings.Contains(accept, "allow-utf-8") {
					posInf, negInf = "pos.inf", "neg.inf"
				}
				if v := families[posInf].GetMetric()[0].GetGauge().GetValue(); !math.IsInf(v, 1) {
					t.Errorf("%s: pos_inf = %v", accept, v)
				}
				if v := families[negInf].GetMetric()[0].GetGauge().GetValue(); !math.IsInf(v, -1) {
					t.Errorf("%s: neg_inf = %v", accept, v)
				}
				hist := families["odd_hist"]
				if strategy == otlptranslator.NoTranslation && strings.Contains(accept, "allow-utf-8") {
					hist = families["odd.hist"]
				}
				if hist == nil || len(hist.Metric) != 1 || labelsOf(hist.Metric[0])["k"] != "fine" {
					t.Errorf("%s: odd histogram = %v, want only the valid data point", accept, hist)
				}
			}
			if strategy == otlptranslator.UnderscoreEscapingWithSuffixes {
				families := gather(t, exp)
				for _, name := range []string{"_123abc", "a_b_c"} {
					if families[name] == nil {
						t.Errorf("%q not served; have %v", name, familyNames(families))
					}
				}
				for _, name := range []string{"😀", "", "__"} {
					if !anyContains(errs(), "metric "+quote(name), "invalid name") {
						t.Errorf("invalid name %q not reported: %v", name, errs())
					}
				}
			}
			if !anyContains(errs(), `"odd.hist"`, "bucket counts") || !anyContains(errs(), `"odd.hist"`, "strictly increasing") {
				t.Errorf("broken histogram data points not reported: %v", errs())
			}
		})
	}
}

func quote(s string) string { return `"` + s + `"` }

// TestUnusableExporterClearError: a scrape the exporter cannot answer at
// all gets an HTTP 500 saying why, not an empty 200.
func TestUnusableExporterClearError(t *testing.T) {
	exp, err := New(WithoutRegistration())
	must(t, err)
	res := scrapeHTTP(t, exp, "", "")
	if res.status != 500 || !strings.Contains(string(res.body), "not registered") {
		t.Errorf("unregistered: status %d body %q", res.status, res.body)
	}

	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	must(t, mp.Shutdown(context.Background()))
	res = scrapeHTTP(t, exp, "", "")
	if res.status != 500 || !strings.Contains(string(res.body), "shutdown") {
		t.Errorf("shut down: status %d body %q", res.status, res.body)
	}
}

// TestInvalidNamespace is rejected by New, not at scrape time.
func TestInvalidNamespace(t *testing.T) {
	if _, err := New(WithoutRegistration(), WithNamespace("__")); err == nil {
		t.Error("New accepted namespace \"__\"")
	}
}
