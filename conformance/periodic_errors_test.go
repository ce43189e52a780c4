package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// failingExporter fails the calls it has an error for and counts them.
type failingExporter struct {
	exportErr, flushErr, shutdownErr error
	exports, flushes, shutdowns      atomic.Int32
}

func (*failingExporter) Temporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.CumulativeTemporality
}
func (*failingExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}
func (e *failingExporter) Export(context.Context, *metricdata.ResourceMetrics) error {
	e.exports.Add(1)
	return e.exportErr
}
func (e *failingExporter) ForceFlush(context.Context) error {
	e.flushes.Add(1)
	return e.flushErr
}
func (e *failingExporter) Shutdown(context.Context) error {
	e.shutdowns.Add(1)
	return e.shutdownErr
}

// which names the exporter's error err is: "the export error" (the very
// value the exporter returned), "wraps the export error" (errors.Is, but
// joined or wrapped), and so on; or an errName.
func (e *failingExporter) which(err error) string {
	for _, c := range []struct {
		name string
		err  error
	}{{"export", e.exportErr}, {"flush", e.flushErr}, {"shutdown", e.shutdownErr}} {
		switch {
		case c.err == nil:
		case err == c.err:
			return "the " + c.name + " error"
		case errors.Is(err, c.err):
			return fmt.Sprintf("wraps the %s error (%d leaves)", c.name, errorLeaves(err))
		}
	}
	return errName(err)
}

// TestPeriodicReaderErrorShapes (issue 16 item 5): with a failing exporter,
// PeriodicReader.ForceFlush and Shutdown return exactly what the official
// SDK returns — the export error itself, not joined with another — and call
// the exporter's ForceFlush and Shutdown in the same cases: no ForceFlush
// after a failed export; Shutdown always, its error returned only when the
// final export succeeded. The provider's ForceFlush and Shutdown (which
// join their readers' errors) have the same shape too.
func TestPeriodicReaderErrorShapes(t *testing.T) {
	ctx := context.Background()
	exportErr, flushErr, shutdownErr := errors.New("export failed"), errors.New("flush failed"), errors.New("shutdown failed")
	cases := []struct {
		name     string
		exporter func() *failingExporter
	}{
		{"failing export", func() *failingExporter {
			return &failingExporter{exportErr: exportErr, flushErr: flushErr, shutdownErr: shutdownErr}
		}},
		{"failing flush and shutdown", func() *failingExporter { return &failingExporter{flushErr: flushErr, shutdownErr: shutdownErr} }},
		{"failing export only", func() *failingExporter { return &failingExporter{exportErr: exportErr} }},
	}
	official := map[string]string{}
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, tc := range cases {
			for _, level := range []string{"reader", "provider"} {
				key := tc.name + " via the " + level
				run(t, key, func(t *testing.T) {
					exp := tc.exporter()
					h := s.newPeriodic(periodicConfig{exporter: exp, interval: never})
					flush, shutdown := h.readerFlush, h.readerShutdown
					if level == "provider" {
						flush, shutdown = h.forceFlush, h.shutdown
					}
					c, _ := h.provider.Meter("shape").Int64Counter("c")
					c.Add(ctx, 1)
					flushed := exp.which(flush(ctx))
					afterFlush := fmt.Sprintf("exports %d, flushes %d", exp.exports.Load(), exp.flushes.Load())
					shut := exp.which(shutdown(ctx))
					afterShutdown := fmt.Sprintf("exports %d, shutdowns %d", exp.exports.Load(), exp.shutdowns.Load())
					again, flushAfter := errName(shutdown(ctx)), errName(h.readerFlush(ctx))
					got := fmt.Sprintf("ForceFlush: %s (%s); Shutdown: %s (%s); Shutdown again %s; ForceFlush after %s",
						flushed, afterFlush, shut, afterShutdown, again, flushAfter)
					if s.name == "official" {
						official[key] = got
						t.Logf("official: %s", got)
						return
					}
					if want := official[key]; got != want {
						t.Errorf("%s\nofficial %s", got, want)
					}
				})
			}
		}
	})
}

// TestPeriodicExportDespiteFailingCallback pins a deliberate difference:
// when a callback fails, the official PeriodicReader exports nothing (the
// collection's error is the result); fastmeter exports what was collected
// (every other stream) and returns the callback's error too, so valid data
// is never dropped because a neighbour failed. Both return the error.
func TestPeriodicExportDespiteFailingCallback(t *testing.T) {
	ctx := context.Background()
	callbackErr := errors.New("callback failed")
	want := map[string]string{
		"official":  "ForceFlush error wraps the callback's: true; exports 0",
		"fastmeter": "ForceFlush error wraps the callback's: true; exports 1",
	}
	forEachSDK(t, func(t *testing.T, s sdk) {
		exp := &failingExporter{}
		h := s.periodic(t, periodicConfig{exporter: exp, interval: never})
		m := h.provider.Meter("failing")
		_, _ = m.Int64ObservableGauge("failing", metric.WithInt64Callback(func(context.Context, metric.Int64Observer) error { return callbackErr }))
		c, _ := m.Int64Counter("kept")
		c.Add(ctx, 1)
		err := h.readerFlush(ctx)
		got := fmt.Sprintf("ForceFlush error wraps the callback's: %v; exports %d", errors.Is(err, callbackErr), exp.exports.Load())
		if got != want[s.name] {
			t.Errorf("%s, want %s", got, want[s.name])
		}
	})
}
