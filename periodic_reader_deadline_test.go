package fastmeter_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// slowExporter takes need to export, honouring ctx (it gives up when ctx
// ends first) unless ignoreCtx is set, and records the int64 sum "c" of
// every export it completed.
type slowExporter struct {
	need      time.Duration
	ignoreCtx bool

	mu        sync.Mutex
	delivered []int64
}

func (e *slowExporter) Temporality(fastmeter.InstrumentKind) metricdata.Temporality {
	return metricdata.CumulativeTemporality
}

func (e *slowExporter) Aggregation(k fastmeter.InstrumentKind) fastmeter.Aggregation {
	return fastmeter.DefaultAggregationSelector(k)
}

// int64Points returns the values of the points of the int64 sum name in rm.
func int64Points(rm *metricdata.ResourceMetrics, name string) []int64 {
	var vals []int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == name {
				for _, p := range s.DataPoints {
					vals = append(vals, p.Value)
				}
			}
		}
	}
	return vals
}

func (e *slowExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	vals := int64Points(rm, "c")
	if e.ignoreCtx {
		time.Sleep(e.need)
	} else {
		select {
		case <-time.After(e.need):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	e.mu.Lock()
	e.delivered = append(e.delivered, vals...)
	e.mu.Unlock()
	return nil
}

func (e *slowExporter) ForceFlush(context.Context) error { return nil }
func (e *slowExporter) Shutdown(context.Context) error   { return nil }

func (e *slowExporter) values() []int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int64(nil), e.delivered...)
}

// Issue 12 item 1: a caller's deadline replaces WithTimeout for Shutdown's
// final export, as in the official SDK (its WithTimeout doc: "If the user
// passed context does have a deadline, it will be used instead"). Before
// the fix the earlier of the two won: Shutdown returned "context deadline
// exceeded" after 200 ms and the final 42 was never delivered.
func TestShutdownUsesTheCallersLongerDeadline(t *testing.T) {
	exp := &slowExporter{need: 300 * time.Millisecond}
	r := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(time.Hour), fastmeter.WithTimeout(200*time.Millisecond))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	c, _ := mp.Meter("deadline").Int64Counter("c")
	c.Add(context.Background(), 42)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := mp.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a 2 s deadline and a 300 ms export: %v, want nil", err)
	}
	if got := exp.values(); len(got) != 1 || got[0] != 42 {
		t.Fatalf("delivered %v, want the final [42]", got)
	}
}

// Without a deadline of its own, Shutdown is still bounded by WithTimeout.
func TestShutdownWithoutDeadlineUsesTheTimeout(t *testing.T) {
	exp := &slowExporter{need: time.Hour}
	r := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(time.Hour), fastmeter.WithTimeout(50*time.Millisecond))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	c, _ := mp.Meter("deadline").Int64Counter("c")
	c.Add(context.Background(), 1)
	if err := mp.Shutdown(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown without deadline, exporter needing 1 h: %v, want DeadlineExceeded from the 50 ms timeout", err)
	}
}

// Same root for ForceFlush: the caller's deadline bounds the wait instead of
// WithTimeout. As in the official SDK, the export itself still gets the
// reader's timeout (ForceFlush runs a periodic collect-and-export), so an
// exporter that finishes after it without looking at ctx succeeds. Before
// the fix ForceFlush(1 s) failed after 200 ms.
func TestForceFlushWaitsUntilTheCallersDeadline(t *testing.T) {
	exp := &slowExporter{need: 300 * time.Millisecond, ignoreCtx: true}
	r := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(time.Hour), fastmeter.WithTimeout(200*time.Millisecond))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	c, _ := mp.Meter("deadline").Int64Counter("c")
	c.Add(context.Background(), 7)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := r.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush(1 s) with a 300 ms export: %v, want nil", err)
	}
	if got := exp.values(); len(got) != 1 || got[0] != 7 {
		t.Fatalf("delivered %v, want [7]", got)
	}
}
