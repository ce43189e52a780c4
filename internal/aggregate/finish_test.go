package aggregate

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// size reports the table's slot count and live series.
func (t *seriesTable[C]) size() (slots, live int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.arr.Load().slots), t.live
}

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

// A bound handle keeps a finished series of a cumulative stream (it does
// not bracket its writes): its next update lands in the dead cell, and
// settle moves it to the set's fresh series, on every stream kind.
func TestFinishBoundHandleMovesOn(t *testing.T) {
	for name, e := range finishStreams(cumulativeConfig()) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			set := attribute.NewSet(attribute.String("k", "v"))
			h := e.stream.(Binder[int64]).Bind(&set)
			h.MeasureBound(ctx, 3)
			e.stream.(Finisher).Finish(&set)
			var agg metricdata.Aggregation
			if got := e.stream.Collect(&agg); got != 1 {
				t.Fatalf("final collection: %d points", got)
			}
			h.MeasureBound(ctx, 4) // into the dead series, then moved
			h.MeasureBound(ctx, 4) // into the fresh one
			if got := e.stream.Collect(&agg); got != 1 {
				t.Fatalf("after the handle's updates: %d points, want 1", got)
			}
			var got string
			switch d := agg.(type) {
			case metricdata.Sum[int64]:
				got = fmt.Sprint(d.DataPoints[0].Value)
			case metricdata.Histogram[int64]:
				got = fmt.Sprint(d.DataPoints[0].Count, d.DataPoints[0].Sum)
			case metricdata.Gauge[int64]:
				got = fmt.Sprint(d.DataPoints[0].Value)
			case metricdata.ExponentialHistogram[int64]:
				got = fmt.Sprint(d.DataPoints[0].Count, d.DataPoints[0].Sum)
			}
			want := map[string]string{"sum": "8", "histogram": "2 8", "gauge": "4", "exponential": "2 8"}[name]
			if got != want {
				t.Fatalf("new lifetime holds %s, want %s", got, want)
			}
			if slots, live := e.size(); live != 1 || slots != 8 {
				t.Fatalf("table: %d slots, %d live", slots, live)
			}
		})
	}
}

// countOf adds up what a collection reports as start → total (sum value or
// histogram count) for the one set the race test uses.
func countOf(agg metricdata.Aggregation, into map[int64]uint64, delta bool) {
	put := func(start int64, v uint64) {
		if delta {
			into[0] += v
		} else {
			into[start] = v // a lifetime's last value is its final one
		}
	}
	switch d := agg.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			put(p.StartTime.UnixNano(), uint64(p.Value))
		}
	case metricdata.Histogram[int64]:
		for _, p := range d.DataPoints {
			put(p.StartTime.UnixNano(), p.Count)
		}
	case metricdata.ExponentialHistogram[int64]:
		for _, p := range d.DataPoints {
			put(p.StartTime.UnixNano(), p.Count)
		}
	}
}

// Writers (unbound and bound) racing Finish and collection lose nothing on
// any counting stream kind, delta or cumulative.
func TestFinishRaceExactCounts(t *testing.T) {
	for _, temporality := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
		for name, e := range finishStreams(Config{Temporality: temporality}) {
			if name == "gauge" {
				continue // nothing to add up
			}
			t.Run(fmt.Sprintf("%s/%s", name, temporality), func(t *testing.T) {
				delta := temporality == metricdata.DeltaTemporality
				ctx := context.Background()
				set := attribute.NewSet(attribute.String("k", "v"))
				const writers, perWriter = 3, 2000
				totals := map[int64]uint64{}
				var agg metricdata.Aggregation
				stop := make(chan struct{})
				done := make(chan struct{})
				go func() {
					defer close(done)
					for {
						select {
						case <-stop:
							return
						default:
						}
						e.stream.(Finisher).Finish(&set)
						e.stream.Collect(&agg)
						countOf(agg, totals, delta)
						agg = nil
					}
				}()
				var wg sync.WaitGroup
				for w := 0; w < writers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						h := e.stream.(Binder[int64]).Bind(&set)
						for i := 0; i < perWriter; i++ {
							e.stream.Measure(ctx, 1, &set)
							h.MeasureBound(ctx, 1)
						}
					}()
				}
				wg.Wait()
				close(stop)
				<-done
				agg = nil
				e.stream.Collect(&agg)
				countOf(agg, totals, delta)
				var sum uint64
				for _, v := range totals {
					sum += v
				}
				if sum != 2*writers*perWriter {
					t.Fatalf("collected %d over %d lifetimes, want %d", sum, len(totals), 2*writers*perWriter)
				}
			})
		}
	}
}
