package fastmeter_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/x"
)

// BenchmarkBindX is BenchmarkBind's Bound case through the experimental
// x.Int64CounterBinder: the bound counter is a metric.Int64Counter, so its
// Add is an interface call with an (empty) variadic option list.
func BenchmarkBindX(b *testing.B) {
	ctx := context.Background()
	m, _ := benchMeter()
	c, _ := m.Int64Counter("requests")
	var bound metric.Int64Counter = c.(x.Int64CounterBinder).Bind(benchAttrs...)
	b.Run("Bound", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bound.Add(ctx, 1)
		}
	})
	b.Run("Bound/Parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				bound.Add(ctx, 1)
			}
		})
	})
	h, _ := m.Float64Histogram("latency")
	var boundH metric.Float64Histogram = h.(x.Float64HistogramBinder).Bind(benchAttrs...)
	b.Run("BoundHistogram", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			boundH.Record(ctx, 1.5)
		}
	})
	_ = attribute.EmptySet()
}
