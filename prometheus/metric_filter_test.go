package prometheus

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/fastmeter/fastmeter/internal/filtertest"
)

// TestMetricFilterScrape scrapes an exporter with a MetricFilter through a
// real HTTP server: the dropped metric and the dropped series are absent,
// every other series is served with its value.
func TestMetricFilterScrape(t *testing.T) {
	exp, mp := newTestExporter(t, WithMetricFilter(filtertest.NoDebug{}), WithoutScopeInfo(), WithoutTargetInfo())
	ctx := context.Background()
	m := mp.Meter("filter.test")
	requests, _ := m.Int64Counter("requests")
	debug, _ := m.Int64Counter("debug.cache")
	kept, _ := m.Float64Gauge("temperature")
	requests.Add(ctx, 3, metric.WithAttributes(attribute.Int("status", 200)))
	requests.Add(ctx, 4, metric.WithAttributes(attribute.Int("status", 404)))
	requests.Add(ctx, 5, metric.WithAttributes(attribute.Int("status", 503)))
	debug.Add(ctx, 9)
	kept.Record(ctx, 21.5)

	addr := serveExporter(t, exp)
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + addr + "/metrics")
	must(t, err)
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	must(t, err)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d %s", resp.StatusCode, body)
	}
	families := parse(t, scrapeResult{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: body})
	if _, ok := families["debug_cache_total"]; ok {
		t.Errorf("dropped metric debug.cache served:\n%s", body)
	}
	req, ok := families["requests_total"]
	if !ok {
		t.Fatalf("requests_total missing:\n%s", body)
	}
	got := map[string]float64{}
	for _, s := range req.GetMetric() {
		got[labelsOf(s)["status"]] = s.GetCounter().GetValue()
	}
	if want := map[string]float64{"200": 3, "404": 4}; len(got) != len(want) || got["200"] != 3 || got["404"] != 4 {
		t.Errorf("requests_total series = %v, want %v (the 503 series dropped)", got, want)
	}
	temp, ok := families["temperature"]
	if !ok || len(temp.GetMetric()) != 1 || temp.GetMetric()[0].GetGauge().GetValue() != 21.5 {
		t.Errorf("temperature not served intact: %v\n%s", temp, body)
	}
}
