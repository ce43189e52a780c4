package fastmeter_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/goroutines"
)

// hostileExporter panics in the first panics Export calls, and blocks
// forever (ignoring ctx) in ForceFlush and Shutdown when told to.
type hostileExporter struct {
	panics       atomic.Int32
	exports      atomic.Int32
	blockFlush   bool
	blockStop    bool
	release      chan struct{} // closed by the test's cleanup
	flushesBegun atomic.Int32
}

func (e *hostileExporter) Temporality(fastmeter.InstrumentKind) metricdata.Temporality {
	return metricdata.CumulativeTemporality
}

func (e *hostileExporter) Aggregation(k fastmeter.InstrumentKind) fastmeter.Aggregation {
	return fastmeter.DefaultAggregationSelector(k)
}

func (e *hostileExporter) Export(context.Context, *metricdata.ResourceMetrics) error {
	if e.panics.Add(-1) >= 0 {
		panic("exporter exploded")
	}
	e.exports.Add(1)
	return nil
}

func (e *hostileExporter) ForceFlush(context.Context) error {
	e.flushesBegun.Add(1)
	if e.blockFlush {
		<-e.release
	}
	return nil
}

func (e *hostileExporter) Shutdown(context.Context) error {
	if e.blockStop {
		<-e.release
	}
	return nil
}

// Issue 12 item 6: a panicking exporter is contained. ForceFlush returns
// the panic as the export's error and reports it through otel.Handle; the
// periodic loop survives its own panicking exports and the next interval
// exports. Before the fix the panic killed the process.
func TestExporterPanicIsContained(t *testing.T) {
	rec := recordErrors(t)
	exp := &hostileExporter{release: make(chan struct{})}
	exp.panics.Store(1)
	r := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(time.Hour))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	c, _ := mp.Meter("panic").Int64Counter("c")
	c.Add(context.Background(), 1)

	err := r.ForceFlush(context.Background())
	if err == nil || !strings.Contains(err.Error(), "exporter exploded") {
		t.Fatalf("ForceFlush with a panicking exporter: %v, want an error carrying the panic", err)
	}
	if !rec.contains("exporter exploded") {
		t.Errorf("the panic was not reported through otel.Handle: %v", rec.errs)
	}
	if err := r.ForceFlush(context.Background()); err != nil {
		t.Fatalf("ForceFlush after the panic: %v", err)
	}
	if n := exp.exports.Load(); n != 1 {
		t.Fatalf("%d successful exports after the panic, want 1", n)
	}
}

func TestPeriodicLoopSurvivesExporterPanics(t *testing.T) {
	recordErrors(t)
	exp := &hostileExporter{release: make(chan struct{})}
	exp.panics.Store(3) // the first three periodic exports panic
	r := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(5*time.Millisecond))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	c, _ := mp.Meter("panic").Int64Counter("c")
	c.Add(context.Background(), 1)
	for deadline := time.Now().Add(30 * time.Second); exp.exports.Load() < 2; {
		if time.Now().After(deadline) {
			t.Fatal("the periodic loop stopped exporting after its exporter panicked")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// An exporter whose ForceFlush ignores ctx cannot hold the reader's
// ForceFlush past the caller's deadline, and repeated calls leave only the
// one stuck call behind (later calls wait for it instead of adding more).
func TestExporterForceFlushIgnoringCtxCannotOverrunDeadline(t *testing.T) {
	exp := &hostileExporter{blockFlush: true, release: make(chan struct{})}
	r := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(time.Hour))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	t.Cleanup(func() { close(exp.release); _ = mp.Shutdown(context.Background()) })
	c, _ := mp.Meter("stuck").Int64Counter("c")
	c.Add(context.Background(), 1)

	before := goroutines.Settled(0)
	for i := 0; i < 20; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		err := returnsWithin(t, 10*time.Second, func() error { return r.ForceFlush(ctx) })
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ForceFlush %d with a stuck exporter ForceFlush: %v, want DeadlineExceeded", i, err)
		}
	}
	if n := exp.flushesBegun.Load(); n != 1 {
		t.Errorf("the exporter's ForceFlush was entered %d times while the first was stuck, want 1", n)
	}
	if after := goroutines.Settled(before + 1); after > before+1 {
		t.Errorf("goroutines: %d before, %d after 20 stuck flushes; want at most one more", before, after)
	}
}

// An exporter whose Shutdown ignores ctx cannot hold the reader's Shutdown
// past the caller's deadline.
func TestExporterShutdownIgnoringCtxCannotOverrunDeadline(t *testing.T) {
	exp := &hostileExporter{blockStop: true, release: make(chan struct{})}
	t.Cleanup(func() { close(exp.release) })
	r := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(time.Hour))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	c, _ := mp.Meter("stuck").Int64Counter("c")
	c.Add(context.Background(), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := returnsWithin(t, 10*time.Second, func() error { return mp.Shutdown(ctx) })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a stuck exporter Shutdown: %v, want DeadlineExceeded", err)
	}
	if exp.exports.Load() != 1 {
		t.Errorf("the final export did not happen before the exporter's Shutdown")
	}
}

// returnsWithin runs f and fails the test if it has not returned after
// limit (a liveness guard, far above any deadline the tests set; not a
// timing assertion).
func returnsWithin(t *testing.T, limit time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("call still blocked after %v", limit)
		return nil
	}
}

// panickyFlusher panics in ForceFlush and Shutdown.
type panickyFlusher struct{ hostileExporter }

func (*panickyFlusher) ForceFlush(context.Context) error { panic("flush exploded") }
func (*panickyFlusher) Shutdown(context.Context) error   { panic("shutdown exploded") }

// A panic in the exporter's ForceFlush or Shutdown is contained the same
// way: returned as the error and reported.
func TestExporterFlushAndShutdownPanicsAreContained(t *testing.T) {
	rec := recordErrors(t)
	exp := &panickyFlusher{}
	r := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(time.Hour))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	if err := r.ForceFlush(context.Background()); err == nil || !strings.Contains(err.Error(), "flush exploded") {
		t.Errorf("ForceFlush: %v, want the panic as the error", err)
	}
	if err := mp.Shutdown(context.Background()); err == nil || !strings.Contains(err.Error(), "shutdown exploded") {
		t.Errorf("Shutdown: %v, want the panic as the error", err)
	}
	if !rec.contains("flush exploded") || !rec.contains("shutdown exploded") {
		t.Errorf("the panics were not reported through otel.Handle: %v", rec.errs)
	}
}
