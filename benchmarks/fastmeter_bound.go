package benchmarks

import (
	"context"
	"testing"

	"github.com/fastmeter/fastmeter"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// fastmeterBinder makes the bound case with fastmeter's BindAdder and
// BindRecorder; the loops call the concrete handles, as a user does.
type fastmeterBinder struct{}

func (fastmeterBinder) boundCounterWorkload(c metric.Int64Counter, set attribute.Set) workload {
	return &fastmeterBoundCounter{handle: fastmeter.BindAdder[int64](c, set)}
}

func (fastmeterBinder) boundRecorderWorkload(r float64Recorder, set attribute.Set) workload {
	return &fastmeterBoundRecorder{handle: fastmeter.BindRecorder[float64](r, set)}
}

// fastmeterBoundCounter drives BoundAdder.Add(ctx, 1).
type fastmeterBoundCounter struct{ handle *fastmeter.BoundAdder[int64] }

func (w *fastmeterBoundCounter) RunSerial(n int) {
	ctx, h := context.Background(), w.handle
	for i := 0; i < n; i++ {
		h.Add(ctx, 1)
	}
}

func (w *fastmeterBoundCounter) RunParallel(pb *testing.PB) {
	ctx, h := context.Background(), w.handle
	for pb.Next() {
		h.Add(ctx, 1)
	}
}

// fastmeterBoundRecorder drives BoundRecorder.Record(ctx, histogramValue(i)).
type fastmeterBoundRecorder struct {
	handle *fastmeter.BoundRecorder[float64]
}

func (w *fastmeterBoundRecorder) RunSerial(n int) {
	ctx, h := context.Background(), w.handle
	for i := 0; i < n; i++ {
		h.Record(ctx, histogramValue(i))
	}
}

func (w *fastmeterBoundRecorder) RunParallel(pb *testing.PB) {
	ctx, h := context.Background(), w.handle
	for i := 0; pb.Next(); i++ {
		h.Record(ctx, histogramValue(i))
	}
}
