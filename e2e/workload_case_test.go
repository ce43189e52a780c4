package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// driveWorkloadToCollector records the full workload's two phases into mp,
// with a ForceFlush and at least one periodic export between them, shuts
// down with shutdown, and requires the collector's output for caseName to
// match the ledger (cumulative), with at least three exports: the flush, a
// periodic one and the final one. It returns what the collector received.
func driveWorkloadToCollector(ctx context.Context, t *testing.T, col *collector, caseName string, mp flushingMeterProvider, shutdown func(context.Context) error) []resourceMetrics {
	t.Helper()
	w := newWorkload(t, newMeter(mp))
	w.recordPhase(1)
	if err := mp.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush after phase 1: %v", err)
	}
	eventually(t, 10*time.Second, "a periodic export after the flush", func() error {
		got, err := col.received()
		if err != nil {
			return err
		}
		if n := exportsOf(got, caseName); n < 2 {
			return fmt.Errorf("%d exports so far", n)
		}
		return nil
	})
	w.setPhase(2)
	w.recordPhase(2)
	if err := shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	var got []resourceMetrics
	eventually(t, 15*time.Second, "collector output", func() error {
		var err error
		got, err = col.received()
		if err != nil {
			return err
		}
		return verifyCase(got, caseName, w, temporalityCumulative)
	})
	if n := exportsOf(got, caseName); n < 3 {
		t.Errorf("%d exports reached the collector, want the flush, a periodic one and the final one", n)
	}
	return got
}

// flushingMeterProvider is a provider the collector cases can flush.
type flushingMeterProvider interface {
	metric.MeterProvider
	ForceFlush(context.Context) error
}
