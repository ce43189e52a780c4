package exphist

import (
	"math"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// totals accumulates what collected points report.
type totals struct {
	count, zero, pos, neg uint64
	sum                   float64
	min, max              float64
}

func (t *totals) add(dp *metricdata.ExponentialHistogramDataPoint[float64]) (consistent bool) {
	var pos, neg uint64
	for _, c := range dp.PositiveBucket.Counts {
		pos += c
	}
	for _, c := range dp.NegativeBucket.Counts {
		neg += c
	}
	t.count += dp.Count
	t.zero += dp.ZeroCount
	t.pos += pos
	t.neg += neg
	t.sum += dp.Sum
	lo, _ := dp.Min.Value()
	hi, _ := dp.Max.Value()
	t.min, t.max = min(t.min, lo), max(t.max, hi)
	return dp.Count == dp.ZeroCount+pos+neg
}

// writerValue is the i-th value writer w records: integers (so float sums are
// exact in any order) of both signs, zeros, and magnitudes far enough apart to
// force downscales in every interval.
func writerValue(w, i int) float64 {
	switch i % 5 {
	case 0:
		return 0
	case 1:
		return float64(i%1000 + 1)
	case 2:
		return -float64(w + 1)
	case 3:
		return float64(int64(1) << (i % 30))
	default:
		return -float64(int64(1) << (i % 25))
	}
}

func expectedTotals(writers, perWriter int) totals {
	want := totals{min: math.Inf(1), max: math.Inf(-1)}
	for w := range writers {
		for i := range perWriter {
			v := writerValue(w, i)
			want.count++
			want.sum += v
			switch {
			case v == 0:
				want.zero++
			case v > 0:
				want.pos++
			default:
				want.neg++
			}
			want.min, want.max = min(want.min, v), max(want.max, v)
		}
	}
	return want
}

// TestConcurrentDeltaIsExact runs 8 writers while a collector resets in a
// loop: every value must be reported by exactly one collection.
func TestConcurrentDeltaIsExact(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		const writers, perWriter = 8, 20000
		h := newCell[float64](kind, Config{MaxSize: 20, MaxScale: 20})
		var done atomic.Bool
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range perWriter {
					h.Record(writerValue(w, i))
				}
			})
		}
		got := totals{min: math.Inf(1), max: math.Inf(-1)}
		var dp metricdata.ExponentialHistogramDataPoint[float64]
		collections := 0
		collected := make(chan struct{})
		go func() {
			defer close(collected)
			for !done.Load() {
				if h.Collect(&dp, true) {
					collections++
					if !got.add(&dp) {
						t.Errorf("inconsistent point: %+v", dp)
					}
				}
			}
		}()
		wg.Wait()
		done.Store(true)
		<-collected
		if h.Collect(&dp, true) {
			got.add(&dp)
		}
		if want := expectedTotals(writers, perWriter); got != want {
			t.Fatalf("after %d collections got %+v, want %+v", collections, got, want)
		}
		if h.Collect(&dp, true) {
			t.Fatal("a drained histogram reported a point")
		}
	})
}

// TestConcurrentCumulativeIsExact collects without reset while 8 writers run:
// counts never go backwards and the final point holds every value.
func TestConcurrentCumulativeIsExact(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		const writers, perWriter = 8, 20000
		h := newCell[float64](kind, Config{MaxSize: 20, MaxScale: 20})
		var done atomic.Bool
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range perWriter {
					h.Record(writerValue(w, i))
				}
			})
		}
		collected := make(chan struct{})
		go func() {
			defer close(collected)
			var dp metricdata.ExponentialHistogramDataPoint[float64]
			var last uint64
			for !done.Load() {
				if h.Collect(&dp, false) {
					var tt totals
					if !tt.add(&dp) || dp.Count < last {
						t.Errorf("inconsistent or shrinking point after %d: %+v", last, dp)
					}
					last = dp.Count
				}
			}
		}()
		wg.Wait()
		done.Store(true)
		<-collected
		got := totals{min: math.Inf(1), max: math.Inf(-1)}
		var dp metricdata.ExponentialHistogramDataPoint[float64]
		if !h.Collect(&dp, false) {
			t.Fatal("no point")
		}
		got.add(&dp)
		if want := expectedTotals(writers, perWriter); got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})
}

// TestConcurrentMatchesReference records from 8 writers, while a collector
// takes cumulative points, values that force growth both within a scale and
// by downscaling; the final point must equal the serial reference exactly
// (integer values keep the float sum order-independent).
func TestConcurrentMatchesReference(t *testing.T) {
	const writers, perWriter = 8, 3000
	patterns := map[string]func(w, i int) float64{
		"drifting": func(w, i int) float64 { return float64(1000 + i + 7*w) },
		"spread":   func(w, i int) float64 { return float64((i*7919+w*104729)%(1<<20) - 1<<19) },
		"extremes": writerValue,
	}
	for name, value := range patterns {
		for _, cfg := range []Config{{MaxSize: 160, MaxScale: 20}, {MaxSize: 8, MaxScale: 10}} {
			var all []float64
			for w := range writers {
				for i := range perWriter {
					all = append(all, value(w, i))
				}
			}
			want := reference(t, cfg, all)
			forEachKind(t, func(t *testing.T, kind string) {
				h := newCell[float64](kind, cfg)
				var done atomic.Bool
				var wg sync.WaitGroup
				for w := range writers {
					wg.Go(func() {
						for i := range perWriter {
							h.Record(value(w, i))
						}
					})
				}
				collected := make(chan struct{})
				go func() {
					defer close(collected)
					var dp metricdata.ExponentialHistogramDataPoint[float64]
					for !done.Load() {
						h.Collect(&dp, false)
					}
				}()
				wg.Wait()
				done.Store(true)
				<-collected
				if got := collect(t, h, false); !equalPoints(got, want) {
					t.Fatalf("%s %+v:\n got %+v\nwant %+v", name, cfg, got, want)
				}
			})
		}
	}
}

// TestConcurrentDeltaInt64 is the delta stress test for the int64
// instantiation, whose sum uses an atomic add instead of a CAS loop.
func TestConcurrentDeltaInt64(t *testing.T) {
	const writers, perWriter = 8, 20000
	forEachKind(t, func(t *testing.T, kind string) {
		h := newCell[int64](kind, Config{MaxSize: 4, MaxScale: 20})
		var done atomic.Bool
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range perWriter {
					h.Record(int64(writerValue(w, i)))
				}
			})
		}
		var count, zeros uint64
		var sum int64
		collected := make(chan struct{})
		drain := func() {
			var dp metricdata.ExponentialHistogramDataPoint[int64]
			if h.Collect(&dp, true) {
				count += dp.Count
				zeros += dp.ZeroCount
				sum += dp.Sum
			}
		}
		go func() {
			defer close(collected)
			for !done.Load() {
				drain()
			}
		}()
		wg.Wait()
		done.Store(true)
		<-collected
		drain()
		want := expectedTotals(writers, perWriter)
		if count != want.count || zeros != want.zero || float64(sum) != want.sum {
			t.Fatalf("count %d zeros %d sum %d, want %d %d %v", count, zeros, sum, want.count, want.zero, want.sum)
		}
	})
}
