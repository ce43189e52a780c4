package prometheus

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

func TestAttributeLabels(t *testing.T) {
	errs := errorCatcher(t)
	exp, mp := newTestExporter(t)
	c, err := mp.Meter("labels").Int64Counter("requests")
	must(t, err)
	ctx := context.Background()
	c.Add(ctx, 1, metric.WithAttributes(
		attribute.String("http.method", "GET"),
		attribute.String("1st", "a"),
		attribute.String("__name__", "evil"),
		attribute.String("a.b", "y"),
		attribute.String("a_b", "x"),
		attribute.Int("code", 200),
		attribute.StringSlice("tags", []string{"p", "q"}),
		attribute.String("", "dropped"),
	))
	got := labelsOf(gather(t, exp)["requests_total"].Metric[0])
	want := map[string]string{
		"http_method":     "GET",
		"key_1st":         "a",
		"key__name__":     "evil",
		"a_b":             "x;y", // merged, sorted by value
		"code":            "200",
		"tags":            `["p","q"]`,
		"otel_scope_name": "labels",
	}
	if len(got) != len(want) {
		t.Errorf("labels = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("label %q = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if !anyContains(errs(), `"requests"`, `attribute ""`) {
		t.Errorf("empty attribute key not reported with the metric name: %v", errs())
	}
}

func TestScopeAndResourceLabels(t *testing.T) {
	ctx := context.Background()
	record := func(t *testing.T, opts ...Option) *Exporter {
		exp, mp := newTestExporter(t, opts...)
		m := mp.Meter("io.shop/cart", metric.WithInstrumentationVersion("1.2.3"),
			metric.WithSchemaURL("https://opentelemetry.io/schemas/1.26.0"),
			metric.WithInstrumentationAttributes(attribute.String("team", "payments")))
		g, err := m.Int64Gauge("items")
		must(t, err)
		g.Record(ctx, 7, metric.WithAttributes(attribute.String("cart", "c1")))
		return exp
	}

	t.Run("default", func(t *testing.T) {
		families := gather(t, record(t))
		got := labelsOf(families["items"].Metric[0])
		want := map[string]string{
			"cart":                  "c1",
			"otel_scope_name":       "io.shop/cart",
			"otel_scope_version":    "1.2.3",
			"otel_scope_schema_url": "https://opentelemetry.io/schemas/1.26.0",
			"otel_scope_team":       "payments",
		}
		if len(got) != len(want) {
			t.Errorf("labels = %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("label %q = %q, want %q", k, got[k], v)
			}
		}
		ti := families["target_info"]
		if ti == nil || ti.GetType().String() != "GAUGE" || len(ti.Metric) != 1 {
			t.Fatalf("target_info = %v", ti)
		}
		if l := labelsOf(ti.Metric[0]); l["service_name"] != "test-svc" || l["host_name"] != "h1" || ti.Metric[0].GetGauge().GetValue() != 1 {
			t.Errorf("target_info = %v", ti.Metric[0])
		}
	})
	t.Run("without scope info and target info", func(t *testing.T) {
		families := gather(t, record(t, WithoutScopeInfo(), WithoutTargetInfo()))
		if got := labelsOf(families["items"].Metric[0]); len(got) != 1 || got["cart"] != "c1" {
			t.Errorf("labels = %v, want only cart", got)
		}
		if families["target_info"] != nil {
			t.Errorf("target_info served despite WithoutTargetInfo")
		}
	})
	t.Run("resource as constant labels", func(t *testing.T) {
		families := gather(t, record(t, WithoutScopeInfo(), WithResourceAsConstantLabels(func(kv attribute.KeyValue) bool {
			return kv.Key == "service.name"
		})))
		if got := labelsOf(families["items"].Metric[0]); len(got) != 2 || got["service_name"] != "test-svc" {
			t.Errorf("labels = %v, want cart and service_name", got)
		}
	})
}

func TestScopeNameSharedAcrossScopes(t *testing.T) {
	exp, mp := newTestExporter(t)
	for _, scope := range []string{"a", "b"} {
		c, err := mp.Meter(scope).Int64Counter("jobs")
		must(t, err)
		c.Add(context.Background(), 1)
	}
	mf := gather(t, exp)["jobs_total"]
	if len(mf.GetMetric()) != 2 {
		t.Fatalf("want one series per scope, got %v", mf)
	}
	findSeries(t, mf, map[string]string{"otel_scope_name": "a"})
	findSeries(t, mf, map[string]string{"otel_scope_name": "b"})
}

// TestDuplicateSeriesReported: two distinct attribute sets that translate to
// the same labels are served once, and the clash is reported.
func TestDuplicateSeriesReported(t *testing.T) {
	errs := errorCatcher(t)
	exp, mp := newTestExporter(t, WithoutScopeInfo())
	c, err := mp.Meter("dup").Int64Counter("hits")
	must(t, err)
	c.Add(context.Background(), 1, metric.WithAttributes(attribute.String("a.b", "1")))
	c.Add(context.Background(), 2, metric.WithAttributes(attribute.String("a_b", "1")))
	mf := gather(t, exp)["hits_total"]
	if len(mf.GetMetric()) != 1 {
		t.Fatalf("want 1 series, got %v", mf)
	}
	if !anyContains(errs(), `"hits"`, "same series") {
		t.Errorf("duplicate not reported: %v", errs())
	}
	// Both scrape formats still parse.
	parse(t, scrapeHTTP(t, exp, "", ""))
}

// TestReservedLabels: an attribute named le on a histogram (or quantile on
// a summary) would clash with the bucket label; it is dropped and reported,
// the data point served.
func TestReservedLabels(t *testing.T) {
	errs := errorCatcher(t)
	exp, mp := newTestExporter(t)
	m := mp.Meter("reserved")
	h, err := m.Float64Histogram("wait", metric.WithExplicitBucketBoundaries(1))
	must(t, err)
	h.Record(context.Background(), 0.5, metric.WithAttributes(attribute.String("le", "x"), attribute.String("ok", "y")))
	c, err := m.Int64Counter("le.users")
	must(t, err)
	c.Add(context.Background(), 1, metric.WithAttributes(attribute.String("le", "x")))

	for _, accept := range []string{acceptText, acceptOpenMetrics, acceptProtobuf} {
		families := parse(t, scrapeHTTP(t, exp, accept, ""))
		hist := findSeries(t, families["wait"], map[string]string{"ok": "y"}).GetHistogram()
		if hist.GetSampleCount() != 1 {
			t.Errorf("%s: wait = %v", accept, hist)
		}
		// A counter may carry le.
		findSeries(t, families["le_users_total"], map[string]string{"le": "x"})
	}
	if !anyContains(errs(), `"wait"`, `"le"`) {
		t.Errorf("dropped le not reported: %v", errs())
	}
}
