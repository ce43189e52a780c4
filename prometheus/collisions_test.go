package prometheus

import (
	"context"
	"testing"

	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// TestNameCollisions: two OpenTelemetry metrics that map to one Prometheus
// name are either merged (same type) or the later one is left out and
// reported (different type, or sample names that overlap), so the output
// is never a broken family.
func TestNameCollisions(t *testing.T) {
	ctx := context.Background()
	errs := errorCatcher(t)
	exp, mp := newTestExporter(t)
	m := mp.Meter("coll")

	// Same Prometheus name, different types: jobs (counter → jobs_total)
	// and jobs.total (gauge → jobs_total).
	c, err := m.Int64Counter("jobs")
	must(t, err)
	c.Add(ctx, 1)
	a, err := m.Int64UpDownCounter("conns", metric.WithDescription("Open connections."))
	must(t, err)
	a.Add(ctx, 1, metric.WithAttributes(attribute.String("side", "client")))
	// The first metric seen under a name owns it for the exporter's life;
	// scrape once so that the owners above are seen first.
	gather(t, exp)

	g, err := m.Int64Gauge("jobs.total")
	must(t, err)
	g.Record(ctx, 5)

	// Same name and type, different help: merged, first help kept.
	b, err := mp.Meter("coll2").Int64Gauge("conns", metric.WithDescription("Connections."))
	must(t, err)
	b.Record(ctx, 2, metric.WithAttributes(attribute.String("side", "server")))

	// Sample-name overlap: histogram rtt (rtt_bucket/_sum/_count) and a
	// gauge rtt.count → rtt_count.
	h, err := m.Float64Histogram("rtt")
	must(t, err)
	h.Record(ctx, 1)
	rc, err := m.Int64Gauge("rtt.count")
	must(t, err)
	rc.Record(ctx, 9)

	// A user metric named like the resource metric.
	ti, err := m.Int64Gauge("target.info")
	must(t, err)
	ti.Record(ctx, 3)

	// Scopes come in no fixed order; the outcome must not flip.
	for range 10 {
		if got := gather(t, exp)["conns"].GetHelp(); got != "Open connections." {
			t.Fatalf("help flipped to %q", got)
		}
	}
	for _, accept := range []string{acceptText, acceptOpenMetrics, acceptProtobuf} {
		families := parse(t, scrapeHTTP(t, exp, accept, ""))
		jobs := families["jobs_total"]
		if jobs == nil || len(jobs.Metric) != 1 {
			t.Fatalf("%s: jobs_total = %v", accept, jobs)
		}
		if jobs.Metric[0].GetCounter().GetValue() != 1 {
			t.Errorf("%s: jobs_total should be the first-seen counter, got %v", accept, jobs.Metric[0])
		}
		conns := families["conns"]
		if len(conns.GetMetric()) != 2 || conns.GetHelp() != "Open connections." {
			t.Errorf("%s: conns = %v", accept, conns)
		}
		if families["rtt"] == nil || families["rtt_count"] != nil {
			t.Errorf("%s: rtt histogram must be served and rtt_count gauge left out: %v", accept, familyNames(families))
		}
		if ti := families["target_info"]; len(ti.GetMetric()) != 1 || ti.Metric[0].GetGauge().GetValue() != 1 {
			t.Errorf("%s: target_info = %v", accept, ti)
		}
	}
	for _, want := range [][]string{
		{`"jobs.total"`, `"jobs_total"`, `"jobs"`},
		{`"conns"`, "description"},
		{`"rtt.count"`, `"rtt"`},
		{`"target.info"`, "target_info"},
	} {
		if !anyContains(errs(), want...) {
			t.Errorf("no report containing %q: %v", want, errs())
		}
	}
}

// TestUTF8EscapeClashes: with a UTF-8 strategy, names that differ only in
// characters a legacy scraper sees as "_" would collapse into one broken
// family or one label twice; the later one is left out and reported.
func TestUTF8EscapeClashes(t *testing.T) {
	ctx := context.Background()
	errs := errorCatcher(t)
	exp, mp := newTestExporter(t, WithTranslationStrategy(otlptranslator.NoTranslation))
	m := mp.Meter("utf8")
	for _, name := range []string{"disk.used", "disk_used"} {
		g, err := m.Int64Gauge(name)
		must(t, err)
		g.Record(ctx, 1, metric.WithAttributes(attribute.String("dev.name", "a"), attribute.String("dev_name", "b")))
	}
	families := gather(t, exp)
	if families["disk.used"] == nil || families["disk_used"] != nil {
		t.Errorf("families = %v, want disk.used only", familyNames(families))
	}
	if l := labelsOf(families["disk.used"].Metric[0]); l["dev.name"] != "a" || l["dev_name"] != "" {
		t.Errorf("labels = %v, want dev.name only", l)
	}
	for _, accept := range []string{acceptText, acceptOpenMetrics, acceptProtobuf, "text/plain;version=1.0.0;escaping=allow-utf-8"} {
		parse(t, scrapeHTTP(t, exp, accept, ""))
	}
	if !anyContains(errs(), `"disk_used"`, "collide") || !anyContains(errs(), `label "dev_name"`) {
		t.Errorf("clashes not reported: %v", errs())
	}
}
