package conformance

import (
	"context"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// deadlineExporter needs `need` for every Export: it honours ctx (gives up
// when ctx ends first) unless ignoreCtx is set. It records the int64 sum
// "counter" of every export it completed.
type deadlineExporter struct {
	need      time.Duration
	ignoreCtx bool

	mu        sync.Mutex
	delivered []int64
}

func (e *deadlineExporter) Temporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.CumulativeTemporality
}

func (e *deadlineExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (e *deadlineExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	var vals []int64
	if m, ok := findMetric(flatten(*rm), "counter"); ok {
		if s, ok := m.Data.(metricdata.Sum[int64]); ok {
			for _, p := range s.DataPoints {
				vals = append(vals, p.Value)
			}
		}
	}
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

func (e *deadlineExporter) ForceFlush(context.Context) error { return nil }
func (e *deadlineExporter) Shutdown(context.Context) error   { return nil }

func (e *deadlineExporter) values() []int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int64(nil), e.delivered...)
}

// TestCallerDeadlineReplacesReaderTimeout (issue 12 item 1): the official
// WithTimeout doc — "If the user passed context does have a deadline, it
// will be used instead" — with an exporter needing 300 ms and a 200 ms
// reader timeout.
//
//   - Shutdown with a 2 s deadline delivers the final value (the export
//     runs under the caller's context);
//   - ForceFlush with a 1 s deadline waits for an exporter that finishes
//     after the reader's timeout without looking at its context (the wait
//     is the caller's; the export itself keeps the reader's timeout in both
//     SDKs, which is why the exporter here ignores ctx).
func TestCallerDeadlineReplacesReaderTimeout(t *testing.T) {
	forEachSDK(t, func(t *testing.T, s sdk) {
		run(t, "Shutdown", func(t *testing.T) {
			exp := &deadlineExporter{need: 300 * time.Millisecond}
			h := s.periodic(t, periodicConfig{exporter: exp, interval: never, timeout: 200 * time.Millisecond})
			c, _ := h.provider.Meter("deadline").Int64Counter("counter")
			c.Add(context.Background(), 42)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := h.shutdown(ctx); err != nil {
				t.Fatalf("Shutdown(2 s) with a 300 ms export and a 200 ms reader timeout: %v, want nil", err)
			}
			if got := exp.values(); len(got) != 1 || got[0] != 42 {
				t.Fatalf("delivered %v, want the final [42]", got)
			}
		})
		run(t, "ForceFlush", func(t *testing.T) {
			exp := &deadlineExporter{need: 300 * time.Millisecond, ignoreCtx: true}
			h := s.periodic(t, periodicConfig{exporter: exp, interval: never, timeout: 200 * time.Millisecond})
			c, _ := h.provider.Meter("deadline").Int64Counter("counter")
			c.Add(context.Background(), 7)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if err := h.readerFlush(ctx); err != nil {
				t.Fatalf("ForceFlush(1 s) with a 300 ms export and a 200 ms reader timeout: %v, want nil", err)
			}
			if got := exp.values(); len(got) != 1 || got[0] != 7 {
				t.Fatalf("delivered %v, want [7]", got)
			}
		})
	})
}
