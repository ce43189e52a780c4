package fastmeter_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/goroutines"
)

// hangingSetup is a provider whose reader has a synchronous counter "c"
// (3), a gauge "before" whose callback runs before the hanging one, a
// counter "hang" whose callback blocks until release is closed (then
// observes lateValue, which must be dropped: that run was abandoned), and
// a gauge "after" registered after it.
type hangingSetup struct {
	reader  *fastmeter.ManualReader
	release chan struct{}
	starts  atomic.Int32 // runs of the hanging callback begun
}

const lateValue = 100

func newHangingSetup(t *testing.T) *hangingSetup {
	s := &hangingSetup{reader: fastmeter.NewManualReader(), release: make(chan struct{})}
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(s.reader))
	t.Cleanup(func() {
		select {
		case <-s.release:
		default:
			close(s.release)
		}
		_ = mp.Shutdown(context.Background())
	})
	m := mp.Meter("hanging")
	c, _ := m.Int64Counter("c")
	c.Add(context.Background(), 3)
	_, _ = m.Int64ObservableGauge("before", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(5)
		return nil
	}))
	_, _ = m.Int64ObservableCounter("hang", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		if s.starts.Add(1) == 1 {
			<-s.release // ignores ctx, like a stuck network call
			o.Observe(lateValue)
			return nil
		}
		o.Observe(1)
		return nil
	}))
	_, _ = m.Int64ObservableGauge("after", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(9)
		return nil
	}))
	return s
}

func (s *hangingSetup) collect(t *testing.T, timeout time.Duration) (metricdata.ResourceMetrics, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var rm metricdata.ResourceMetrics
	err := returnsWithin(t, 10*time.Second, func() error { return s.reader.Collect(ctx, &rm) })
	return rm, err
}

func names(rm metricdata.ResourceMetrics) map[string]metricdata.Aggregation {
	out := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m.Data
		}
	}
	return out
}

// Issue 12 item 5: a callback that blocks forever is abandoned at the
// collection's callback deadline; the other streams are still collected and
// returned, the callback's stream reports nothing, and the report names the
// instrument. Later collections skip it while it runs (reporting that) and
// run the callbacks after it; once it returns, what it observed late is
// dropped and it runs again. Before the fix the first Collect never
// returned.
func TestHangingCallbackIsAbandonedAtTheDeadline(t *testing.T) {
	rec := recordErrors(t)
	s := newHangingSetup(t)

	rm, err := s.collect(t, 200*time.Millisecond)
	if err != nil {
		t.Fatalf("Collect with a hanging callback: %v, want nil (the other streams are collected)", err)
	}
	got := names(rm)
	if _, ok := got["c"]; !ok {
		t.Errorf("the synchronous counter is missing: %v", got)
	}
	if _, ok := got["before"]; !ok {
		t.Errorf("the gauge observed before the hanging callback is missing: %v", got)
	}
	if _, ok := got["hang"]; ok {
		t.Errorf("the abandoned callback's stream reported %v, want nothing", got["hang"])
	}
	if !rec.contains(`"hang"`) || !rec.contains("abandoned") {
		t.Errorf("no report naming the abandoned callback's instrument: %v", rec.errs)
	}

	for i := 0; i < 3; i++ {
		rm, err = s.collect(t, 200*time.Millisecond)
		if err != nil {
			t.Fatalf("Collect %d while the callback still runs: %v", i, err)
		}
		got = names(rm)
		for _, name := range []string{"c", "before", "after"} {
			if _, ok := got[name]; !ok {
				t.Errorf("Collect %d: %q missing: %v", i, name, got)
			}
		}
		if _, ok := got["hang"]; ok {
			t.Errorf("Collect %d: the skipped callback's stream reported %v", i, got["hang"])
		}
	}
	if n := s.starts.Load(); n != 1 {
		t.Fatalf("the hanging callback was started %d times while it ran, want 1", n)
	}
	if !rec.contains("still running") {
		t.Errorf("the skips were not reported: %v", rec.errs)
	}

	close(s.release)
	for deadline := time.Now().Add(10 * time.Second); ; {
		rm, err = s.collect(t, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if s.starts.Load() > 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the callback was not run again after it returned")
		}
		time.Sleep(time.Millisecond)
	}
	sum, ok := names(rm)["hang"].(metricdata.Sum[int64])
	if !ok || len(sum.DataPoints) != 1 || sum.DataPoints[0].Value != 1 {
		t.Fatalf("after it returned: hang = %+v, want one point of 1 (the abandoned run's late %d dropped)", names(rm)["hang"], lateValue)
	}
}

// Waiting for the reader's collection lock honours ctx: while a collection
// without a deadline waits for a hanging callback (it may: its context
// never ends), a collection with a deadline returns its context's error
// instead of queueing forever behind it. Before the fix it hung.
func TestCollectionLockHonoursContext(t *testing.T) {
	s := newHangingSetup(t)
	go func() {
		var rm metricdata.ResourceMetrics
		_ = s.reader.Collect(context.Background(), &rm) // stuck until release
	}()
	for s.starts.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	_, err := s.collect(t, 50*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Collect behind a stuck collection: %v, want DeadlineExceeded", err)
	}
}

// No goroutine is left behind per collection: with a callback hanging
// forever, hundreds of collections with deadlines leave only the one
// goroutine stuck in it.
func TestHangingCallbackLeaksNoGoroutinePerCollection(t *testing.T) {
	s := newHangingSetup(t)
	if _, err := s.collect(t, 40*time.Millisecond); err != nil { // strands the one goroutine
		t.Fatal(err)
	}
	before := goroutines.Settled(0)
	for i := 0; i < 300; i++ {
		if _, err := s.collect(t, 40*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if after := goroutines.Settled(before); after > before {
		t.Fatalf("goroutines grew from %d to %d over 300 collections", before, after)
	}
}

// A collection whose context is cancelled (no deadline) while a callback
// runs reads no stream: nothing is returned and a delta stream hands its
// data to the next collection, exactly once.
func TestCancelledCollectionReadsNoStream(t *testing.T) {
	r := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality {
		return metricdata.DeltaTemporality
	}))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	m := mp.Meter("cancel")
	c, _ := m.Int64Counter("c")
	var block atomic.Bool
	entered := make(chan struct{}, 1)
	_, _ = m.Int64ObservableGauge("g", metric.WithInt64Callback(func(ctx context.Context, o metric.Int64Observer) error {
		if block.Load() {
			entered <- struct{}{}
			<-ctx.Done()
		}
		return nil
	}))
	c.Add(context.Background(), 7)
	block.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-entered; cancel() }()
	var rm metricdata.ResourceMetrics
	if err := returnsWithin(t, 10*time.Second, func() error { return r.Collect(ctx, &rm) }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Collect: %v, want Canceled", err)
	}
	if len(rm.ScopeMetrics) != 0 {
		t.Fatalf("a cancelled collection returned %+v, want nothing", rm.ScopeMetrics)
	}
	block.Store(false)
	for deadline := time.Now().Add(10 * time.Second); ; { // until the cancelled run has returned
		rm = collect(t, r)
		if d, ok := names(rm)["c"].(metricdata.Sum[int64]); ok {
			if len(d.DataPoints) != 1 || d.DataPoints[0].Value != 7 {
				t.Fatalf("next collection: c = %+v, want the 7 exactly once", d)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the delta never reached a later collection")
		}
	}
}
