package conformance

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// waitExport returns the next export, failing the test if none comes within
// a generous bound (a liveness guard, not a timing assertion).
func waitExport(t *testing.T, ch chan []exportedMetric) []exportedMetric {
	t.Helper()
	select {
	case got := <-ch:
		return got
	case <-time.After(30 * time.Second):
		t.Fatal("no export arrived")
		return nil
	}
}

// TestPeriodicReaderExportsOnItsOwn: with a short interval, exports happen
// without ForceFlush, and each carries the cumulative state.
func TestPeriodicReaderExportsOnItsOwn(t *testing.T) {
	forEachSDK(t, func(t *testing.T, s sdk) {
		exp := &recordingExporter{exported: make(chan []exportedMetric, 100)}
		h := s.periodic(t, periodicConfig{exporter: exp, interval: time.Millisecond})
		c, _ := h.provider.Meter("ticks").Int64Counter("c")
		c.Add(context.Background(), 5)
		// Wait for an export holding the counter (earlier ones may predate
		// the Add).
		for {
			got := waitExport(t, exp.exported)
			if len(got) == 1 && got[0].value == 5 {
				break
			}
		}
		if err := h.shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestPeriodicReaderEnvironment: OTEL_METRIC_EXPORT_INTERVAL and
// OTEL_METRIC_EXPORT_TIMEOUT (milliseconds) are the defaults when no
// option is given.
func TestPeriodicReaderEnvironment(t *testing.T) {
	forEachSDK(t, func(t *testing.T, s sdk) {
		run(t, "interval", func(t *testing.T) {
			t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "1")
			exp := &recordingExporter{exported: make(chan []exportedMetric, 100)}
			s.periodic(t, periodicConfig{exporter: exp})
			waitExport(t, exp.exported) // would wait 60 s with the default interval
		})
		run(t, "timeout", func(t *testing.T) {
			t.Setenv("OTEL_METRIC_EXPORT_TIMEOUT", "5")
			exp := &recordingExporter{block: make(chan struct{})}
			defer close(exp.block)
			h := s.periodic(t, periodicConfig{exporter: exp, interval: never})
			if err := h.forceFlush(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("ForceFlush with a stuck exporter and a 5 ms env timeout = %v, want DeadlineExceeded", err)
			}
		})
		run(t, "option beats environment", func(t *testing.T) {
			t.Setenv("OTEL_METRIC_EXPORT_TIMEOUT", "5")
			exp := &recordingExporter{block: make(chan struct{})}
			h := s.periodic(t, periodicConfig{exporter: exp, interval: never, timeout: time.Hour})
			// With the 1 h option the export is still running when the
			// exporter is released; with the 5 ms env value it would have
			// failed already.
			errCh := make(chan error, 1)
			go func() { errCh <- h.forceFlush(context.Background()) }()
			time.Sleep(50 * time.Millisecond) // let a 5 ms timeout expire if it (wrongly) applies
			close(exp.block)
			if err := <-errCh; err != nil {
				t.Errorf("ForceFlush = %v, want nil: WithTimeout must override OTEL_METRIC_EXPORT_TIMEOUT", err)
			}
		})
	})
}

// TestPeriodicReaderUsesExporterSelectors: the PeriodicReader takes its
// temporality and aggregation from the exporter.
func TestPeriodicReaderUsesExporterSelectors(t *testing.T) {
	ctx := context.Background()
	histAsSum := func(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
		if k == sdkmetric.InstrumentKindHistogram {
			return sdkmetric.AggregationSum{}
		}
		return sdkmetric.DefaultAggregationSelector(k)
	}
	forEachSDK(t, func(t *testing.T, s sdk) {
		exp := &recordingExporter{
			temporality: allDelta,
			aggregation: histAsSum,
			exported:    make(chan []exportedMetric, 10),
		}
		h := s.periodic(t, periodicConfig{exporter: exp, interval: never})
		meter := h.provider.Meter("selectors")
		c, _ := meter.Int64Counter("c")
		hist, _ := meter.Float64Histogram("h")
		for _, round := range []struct{ add, record float64 }{{3, 1.5}, {4, 2.5}} {
			c.Add(ctx, int64(round.add))
			hist.Record(ctx, round.record)
			if err := h.forceFlush(ctx); err != nil {
				t.Fatal(err)
			}
			got := waitExport(t, exp.exported)
			want := []exportedMetric{
				{name: "c", kind: "metricdata.Sum[int64]", points: 1, value: round.add},
				{name: "h", kind: "metricdata.Sum[float64]", points: 1, value: round.record},
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("export = %+v, want %+v (delta, histogram as sum)", got, want)
			}
		}
	})
}

// TestPeriodicReaderExportError: an Export error is returned by ForceFlush.
func TestPeriodicReaderExportError(t *testing.T) {
	exportFailed := errors.New("backend down")
	forEachSDK(t, func(t *testing.T, s sdk) {
		exp := &recordingExporter{exportErr: exportFailed}
		h := s.periodic(t, periodicConfig{exporter: exp, interval: never})
		c, _ := h.provider.Meter("err").Int64Counter("c")
		c.Add(context.Background(), 1)
		if err := h.forceFlush(context.Background()); !errors.Is(err, exportFailed) {
			t.Errorf("ForceFlush = %v, want the export error", err)
		}
		if err := h.shutdown(context.Background()); !errors.Is(err, exportFailed) {
			t.Errorf("Shutdown = %v, want the final export's error", err)
		}
	})
}

// TestPeriodicReaderBatches: WithMaxExportBatchSize splits one collection
// into several Export calls of at most that many data points, and every SDK
// splits exactly like the official one.
func TestPeriodicReaderBatches(t *testing.T) {
	const points = 5
	batchesBySDK := map[string]string{}
	forEachSDK(t, func(t *testing.T, s sdk) {
		exp := &recordingExporter{exported: make(chan []exportedMetric, 20)}
		h := s.periodic(t, periodicConfig{exporter: exp, interval: never, maxExportBatchSize: 2})
		meter := h.provider.Meter("batch")
		c, _ := meter.Int64Counter("c")
		for i := range points {
			c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("i", i)))
		}
		g, _ := meter.Int64Gauge("g")
		g.Record(context.Background(), 1)
		if err := h.forceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := h.shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		close(exp.exported)
		var batches []string
		total := 0
		for got := range exp.exported {
			n := 0
			for _, m := range got {
				n += m.points
			}
			if n > 2 {
				t.Errorf("batch of %d points exceeds WithMaxExportBatchSize(2): %+v", n, got)
			}
			total += n
			batches = append(batches, fmt.Sprint(got))
		}
		if total != 2*(points+1) { // ForceFlush and Shutdown each export everything
			t.Errorf("exported %d points in all, want %d", total, 2*(points+1))
		}
		batchesBySDK[s.name] = fmt.Sprint(batches)
		if ref, ok := batchesBySDK["official"]; ok && s.name != "official" && ref != batchesBySDK[s.name] {
			t.Errorf("batches differ from the official SDK's:\n got  %s\n want %s", batchesBySDK[s.name], ref)
		}
	})
}

// TestManualProviderFlushAndShutdown: with only manual readers, ForceFlush
// is a no-op success and the first Shutdown succeeds.
func TestManualProviderFlushAndShutdown(t *testing.T) {
	forEachSDK(t, func(t *testing.T, s sdk) {
		h := s.manual(t, providerConfig{readers: []readerConfig{{}, {}}})
		if err := h.forceFlush(context.Background()); err != nil {
			t.Errorf("ForceFlush = %v", err)
		}
		if err := h.shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown = %v", err)
		}
		var rm metricdata.ResourceMetrics
		for i := range h.collect {
			if err := h.collect[i](context.Background(), &rm); !errors.Is(err, sdkmetric.ErrReaderShutdown) {
				t.Errorf("reader %d Collect after provider Shutdown = %v, want ErrReaderShutdown", i, err)
			}
		}
	})
}
