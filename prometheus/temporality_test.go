package prometheus

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// TestReaderAsksForCumulative: whatever the options, every instrument kind
// is collected cumulatively, and a scrape shows the running total since the
// start, not what changed since the previous scrape.
func TestReaderAsksForCumulative(t *testing.T) {
	ctx := context.Background()
	exp, mp := newTestExporter(t, WithAggregationSelector(sdkmetric.DefaultAggregationSelector))
	m := mp.Meter("temporality")
	c, err := m.Int64Counter("c")
	must(t, err)
	ud, err := m.Float64UpDownCounter("ud")
	must(t, err)
	h, err := m.Int64Histogram("h")
	must(t, err)
	_, err = m.Int64ObservableCounter("oc", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(5)
		return nil
	}))
	must(t, err)
	_, err = m.Float64ObservableUpDownCounter("oud", metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
		o.Observe(-1)
		return nil
	}))
	must(t, err)
	c.Add(ctx, 2)
	ud.Add(ctx, 1)
	h.Record(ctx, 1)

	var rm metricdata.ResourceMetrics
	must(t, exp.Collect(ctx, &rm))
	seen := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			var temporality metricdata.Temporality
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				temporality = d.Temporality
			case metricdata.Sum[float64]:
				temporality = d.Temporality
			case metricdata.Histogram[int64]:
				temporality = d.Temporality
			default:
				t.Fatalf("%s: unexpected %T", m.Name, m.Data)
			}
			if temporality != metricdata.CumulativeTemporality {
				t.Errorf("%s collected with %v temporality", m.Name, temporality)
			}
			seen++
		}
	}
	if seen != 5 {
		t.Fatalf("collected %d metrics, want 5", seen)
	}

	gather(t, exp)
	c.Add(ctx, 3)
	h.Record(ctx, 1)
	families := gather(t, exp)
	if v := families["c_total"].GetMetric()[0].GetCounter().GetValue(); v != 5 {
		t.Errorf("second scrape: c_total = %v, want the running total 5", v)
	}
	if n := families["h"].GetMetric()[0].GetHistogram().GetSampleCount(); n != 2 {
		t.Errorf("second scrape: h_count = %d, want the running total 2", n)
	}
	if v := families["oc_total"].GetMetric()[0].GetCounter().GetValue(); v != 5 {
		t.Errorf("observable counter = %v, want 5", v)
	}
}

// TestMisuseDoesNotPanic: an Exporter not made by New, and nil options,
// give clear errors instead of panics.
func TestMisuseDoesNotPanic(t *testing.T) {
	errs := errorCatcher(t)
	var zero Exporter
	if _, err := zero.Gather(); err == nil {
		t.Error("zero Exporter: Gather returned no error")
	}
	if res := scrapeHTTP(t, &zero, "", ""); res.status != 500 || !strings.Contains(string(res.body), "not created by New") {
		t.Errorf("zero Exporter: status %d body %q, want 500 naming the problem", res.status, res.body)
	}
	var nilExp *Exporter
	if res := scrapeHTTP(t, nilExp, "", ""); res.status != 500 {
		t.Errorf("nil Exporter: status %d, want 500", res.status)
	}
	reg := prometheus.NewRegistry()
	must(t, reg.Register(zero.Collector()))
	if mfs, err := reg.Gather(); err != nil || len(mfs) != 0 {
		t.Errorf("zero Exporter's collector: %v, %v; want nothing", mfs, err)
	}
	if !anyContains(errs(), "not created by New") {
		t.Errorf("zero Exporter's collector did not report: %v", errs())
	}

	// Nil options fall back to the defaults.
	exp, mp := newTestExporter(t, WithProducer(nil), WithAggregationSelector(nil), WithResourceAsConstantLabels(nil))
	c, err := mp.Meter("nil").Int64Counter("ops")
	must(t, err)
	c.Add(context.Background(), 1)
	if v := parse(t, scrapeHTTP(t, exp, acceptText, ""))["ops_total"].GetMetric()[0].GetCounter().GetValue(); v != 1 {
		t.Errorf("ops_total = %v, want 1", v)
	}
}
