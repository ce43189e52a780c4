package metricz

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sdkmetric "github.com/fastmeter/fastmeter"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// addManySeries records n distinct series on one counter.
func addManySeries(tb testing.TB, meter metric.Meter, n int) {
	tb.Helper()
	counter, err := meter.Int64Counter("tenant.requests")
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		counter.Add(context.Background(), 1, metric.WithAttributes(
			attribute.String("tenant", "tenant-"+strconv.Itoa(i)),
			attribute.String("payload", strings.Repeat("x", 300)), // longer than the display limit
		))
	}
}

// Test100kSeriesStayBounded: a process with 100 000 series gets a page of
// bounded size, a drop count, and pages served while collecting.
func Test100kSeriesStayBounded(t *testing.T) {
	const n = 100_000
	env := newTestEnv(t, nil, sdkmetric.WithCardinalityLimit(2*n))
	addManySeries(t, env.meter, n)
	env.refresh()

	// Serve pages while another collection runs: the page is built from the
	// store, never from a collection in progress.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		env.refresh()
	}()
	for range 3 {
		if code, _, _ := env.get("/debug/metricz?format=json&filter=tenant-1"); code != 200 {
			t.Errorf("GET during collection: %d", code)
		}
	}
	wg.Wait()

	snap := env.snapshot("")
	if snap.Totals.Series != DefaultMaxSeries || snap.Totals.DroppedSeries != n-DefaultMaxSeries {
		t.Errorf("totals %+v; want %d kept and %d dropped", snap.Totals, DefaultMaxSeries, n-DefaultMaxSeries)
	}
	series := snap.instrument(t, "tenant.requests").Series
	if len(series) != DefaultMaxSeries {
		t.Errorf("%d series shown, want the cap %d", len(series), DefaultMaxSeries)
	}
	if v := series[0].Attributes[0].Value; len(v) > maxAttrValueLen+len("…") || !strings.HasSuffix(v, "…") {
		t.Errorf("long attribute value not truncated: %d bytes", len(v))
	}

	// Each kept series costs at most: its attributes (2 × ~200 bytes) and
	// its spark points (≤ 12 bytes each in JSON) plus framing. The page is
	// bounded by the cap, not by the 100 000 series.
	code, page, _ := env.get("/debug/metricz")
	if code != 200 {
		t.Fatalf("GET page: %d", code)
	}
	const perSeries = 600 + DefaultHistory*12
	if limit := DefaultMaxSeries*perSeries + 64<<10; len(page) > limit {
		t.Errorf("page is %d bytes, above the bound %d", len(page), limit)
	}
	if !strings.Contains(page, `"dropped_series":98000`) {
		t.Errorf("the page must state how many series were dropped")
	}
	if testing.Verbose() {
		t.Logf("page for %d series: %d bytes", n, len(page))
	}
}

// BenchmarkRefresh100k measures one collection into the page with 100 000
// series on the provider (2 000 kept).
func BenchmarkRefresh100k(b *testing.B) {
	h := New(WithInterval(1 << 62))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h), sdkmetric.WithCardinalityLimit(200_000))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	addManySeries(b, mp.Meter("bench"), 100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := h.Refresh(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServeJSON measures serving the JSON of 2 000 series: the first
// request after a collection encodes it, later ones reuse it.
func BenchmarkServeJSON(b *testing.B) {
	h := New(WithInterval(1 << 62))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	addManySeries(b, mp.Meter("bench"), DefaultMaxSeries)
	for range 10 {
		_ = h.Refresh(context.Background())
	}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.snapshotJSON("tenant"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		if _, err := h.snapshotJSON(""); err != nil { // encode once
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.snapshotJSON(""); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStoreApply100k isolates metricz's own work per collection: 100
// 000 collected series, 2 000 kept (no SDK collection in the loop).
func BenchmarkStoreApply100k(b *testing.B) {
	points := make([]metricdata.DataPoint[int64], 100_000)
	for i := range points {
		points[i] = metricdata.DataPoint[int64]{Attributes: attribute.NewSet(attribute.Int("i", i)), Value: int64(i), Time: time.Now()}
	}
	rm := &metricdata.ResourceMetrics{ScopeMetrics: []metricdata.ScopeMetrics{{
		Metrics: []metricdata.Metrics{{Name: "c", Data: metricdata.Sum[int64]{IsMonotonic: true, Temporality: metricdata.CumulativeTemporality, DataPoints: points}}},
	}}}
	s := newStore(DefaultMaxSeries, DefaultHistory)
	s.apply(rm, time.Now(), "")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s.apply(rm, time.Now(), "")
	}
}
