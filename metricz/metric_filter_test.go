package metricz

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/fastmeter/fastmeter/internal/filtertest"
)

// TestMetricFilterPage requests the JSON page of a Handler with a
// MetricFilter from a real local HTTP server: the dropped metric and the
// dropped series are absent, the rest is shown intact. The test's second
// reader, without a filter, still sees everything.
func TestMetricFilterPage(t *testing.T) {
	env := newTestEnv(t, []Option{WithMetricFilter(filtertest.NoDebug{})})
	ctx := context.Background()
	requests, _ := env.meter.Int64Counter("requests")
	debug, _ := env.meter.Int64Counter("debug.cache")
	temp, _ := env.meter.Float64Gauge("temperature")
	requests.Add(ctx, 3, metric.WithAttributes(attribute.Int("status", 200)))
	requests.Add(ctx, 4, metric.WithAttributes(attribute.Int("status", 404)))
	requests.Add(ctx, 5, metric.WithAttributes(attribute.Int("status", 503)))
	debug.Add(ctx, 9)
	temp.Record(ctx, 21.5)
	env.refresh()

	srv := httptest.NewServer(env.h)
	defer srv.Close()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(srv.URL + "/debug/metricz?format=json")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET: %d %v %s", resp.StatusCode, err, body)
	}
	var snap snapshotJSON
	if err := json.Unmarshal(body, &snap); err != nil {
		t.Fatalf("decode: %v\n%s", err, body)
	}
	for _, sc := range snap.Scopes {
		for _, in := range sc.Instruments {
			if in.Name == "debug.cache" {
				t.Errorf("dropped metric debug.cache shown: %+v", in)
			}
		}
	}
	got := map[string]float64{}
	for _, s := range snap.instrument(t, "requests").Series {
		got[s.Attributes[0].Value] = float64(*s.Value)
	}
	if len(got) != 2 || got["200"] != 3 || got["404"] != 4 {
		t.Errorf("requests series = %v, want 200:3 and 404:4 (the 503 series dropped)", got)
	}
	if in := snap.instrument(t, "temperature"); len(in.Series) != 1 || *in.Series[0].Value != 21.5 {
		t.Errorf("temperature: %+v", in)
	}
	if snap.Totals.Series != 3 {
		t.Errorf("totals.series = %d, want 3", snap.Totals.Series)
	}

	// The filter is the Handler's reader's only: the unfiltered reader of
	// the same provider sees the dropped metric and series.
	rm := env.collect()
	if d := findMetric(t, rm, "debug.cache"); d.Name == "" {
		t.Error("unfiltered reader lost debug.cache")
	}
}
