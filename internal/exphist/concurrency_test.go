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
	const writers, perWriter = 8, 20000
	h := New[float64](Config{MaxSize: 20, MaxScale: 20})
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
}

// TestConcurrentCumulativeIsExact collects without reset while 8 writers run:
// counts never go backwards and the final point holds every value.
func TestConcurrentCumulativeIsExact(t *testing.T) {
	const writers, perWriter = 8, 20000
	h := New[float64](Config{MaxSize: 20, MaxScale: 20})
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
}
