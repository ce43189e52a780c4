package aggregate

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// finishStreams builds every synchronous stream kind with its table.
func finishStreams(cfg Config) map[string]struct {
	stream Stream[int64]
	size   func() (slots, live int)
} {
	type entry = struct {
		stream Stream[int64]
		size   func() (slots, live int)
	}
	sum := NewSum[int64](cfg, true).(*sum[int64])
	hist := NewHistogram[int64](cfg, []float64{1, 10}, false, false).(*histogram[int64])
	gauge := NewLastValue[int64](cfg).(*lastValue[int64])
	exp := NewExponentialHistogram[int64](cfg, ExponentialConfig{MaxSize: 20, MaxScale: 5}).(*exponential[int64])
	return map[string]entry{
		"sum":         {sum, sum.table.size},
		"histogram":   {hist, hist.table.size},
		"gauge":       {gauge, gauge.table.size},
		"exponential": {exp, exp.table.size},
	}
}

// Finish of N series returns the table to its size before them once the
// final collection ran, on every stream kind and temporality, and the final
// collection reports every finished series once.
func TestFinishReleasesSeries(t *testing.T) {
	const n = 500
	for _, temporality := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
		for name, e := range finishStreams(Config{Temporality: temporality}) {
			t.Run(fmt.Sprintf("%s/%s", name, temporality), func(t *testing.T) {
				ctx := context.Background()
				slots0, live0 := e.size()
				sets := make([]attribute.Set, n)
				for i := range sets {
					sets[i] = attribute.NewSet(attribute.Int("i", i))
					e.stream.Measure(ctx, 3, &sets[i])
				}
				var agg metricdata.Aggregation
				if got := e.stream.Collect(&agg); got != n {
					t.Fatalf("first collection: %d points, want %d", got, n)
				}
				for i := range sets {
					e.stream.Measure(ctx, 4, &sets[i])
				}
				f := e.stream.(Finisher)
				for i := range sets {
					// A set built anew, as a caller of Finish would.
					set := attribute.NewSet(attribute.Int("i", i))
					f.Finish(&set)
				}
				if got := e.stream.Collect(&agg); got != n {
					t.Fatalf("final collection: %d points, want %d", got, n)
				}
				if slots, live := e.size(); slots != slots0 || live != live0 {
					t.Fatalf("after the final collection: %d slots, %d live; before: %d, %d", slots, live, slots0, live0)
				}
				if got := e.stream.Collect(&agg); got != 0 {
					t.Fatalf("a finished series was collected again: %d points", got)
				}
				// Measured again, a set gets a fresh series.
				e.stream.Measure(ctx, 5, &sets[0])
				if got := e.stream.Collect(&agg); got != 1 {
					t.Fatalf("after a new measurement: %d points, want 1", got)
				}
			})
		}
	}
}

// The final value of a finished cumulative sum includes what was added
// between Finish and the collection; the next lifetime starts from zero.
func TestFinishCumulativeSumLifetimes(t *testing.T) {
	s := NewSum[int64](cumulativeConfig(), true)
	set := attribute.NewSet(attribute.String("k", "v"))
	ctx := context.Background()
	s.Measure(ctx, 2, &set)
	s.(Finisher).Finish(&set)
	s.Measure(ctx, 3, &set)
	if got := sumPoints(t, s); got["k=v"] != 5 {
		t.Fatalf("final value %v, want 5", got)
	}
	if got := sumPoints(t, s); len(got) != 0 {
		t.Fatalf("collected after release: %v", got)
	}
	s.Measure(ctx, 7, &set)
	if got := sumPoints(t, s); got["k=v"] != 7 {
		t.Fatalf("new lifetime %v, want 7", got)
	}
}
