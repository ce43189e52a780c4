package fastmeter_test

import (
	"context"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// TestDeltaStressExactTotals: 8 goroutines add known amounts to counters and
// record into histograms while another goroutine collects with delta
// temporality in a loop. The sum of all collected deltas must equal exactly
// what was added: nothing lost, nothing counted twice.
func TestDeltaStressExactTotals(t *testing.T) {
	reader := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(fastmeter.DeltaTemporalitySelector))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(reader))
	m := mp.Meter("stress")
	ints, _ := m.Int64Counter("ints")
	floats, _ := m.Float64Counter("floats")
	hist, _ := m.Int64Histogram("hist", metric.WithExplicitBucketBoundaries(10, 100))

	const writers, iterations = 8, 20000
	sets := []attribute.Set{
		*attribute.EmptySet(),
		attribute.NewSet(attribute.String("route", "/a")),
		attribute.NewSet(attribute.String("route", "/b"), attribute.Int("code", 200)),
	}

	var (
		intTotal, histSum int64
		floatTotal        float64
		histCount         uint64
		histBuckets       [3]uint64
	)
	collectOnce := func() {
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Error(err)
			return
		}
		for _, sm := range rm.ScopeMetrics {
			for _, md := range sm.Metrics {
				switch d := md.Data.(type) {
				case metricdata.Sum[int64]:
					for _, p := range d.DataPoints {
						intTotal += p.Value
					}
				case metricdata.Sum[float64]:
					for _, p := range d.DataPoints {
						floatTotal += p.Value
					}
				case metricdata.Histogram[int64]:
					for _, p := range d.DataPoints {
						histCount += p.Count
						histSum += p.Sum
						var inBuckets uint64
						for i, c := range p.BucketCounts {
							histBuckets[i] += c
							inBuckets += c
						}
						if inBuckets != p.Count {
							t.Errorf("point count %d != sum of buckets %d", p.Count, inBuckets)
						}
					}
				}
			}
		}
	}

	stop := make(chan struct{})
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for {
			select {
			case <-stop:
				return
			default:
				collectOnce()
			}
		}
	}()

	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			ctx := context.Background()
			for i := 0; i < iterations; i++ {
				opt := metric.WithAttributeSet(sets[(w+i)%len(sets)])
				ints.Add(ctx, int64(w+1), opt)
				floats.Add(ctx, 0.5, opt) // exact in binary: no rounding drift
				hist.Record(ctx, int64(i%150), opt)
			}
		}(w)
	}
	wg.Wait()
	close(stop)
	<-collected
	collectOnce() // whatever landed after the loop's last collection

	var wantInts int64
	for w := 0; w < writers; w++ {
		wantInts += int64(w+1) * iterations
	}
	if intTotal != wantInts {
		t.Errorf("int counter: collected %d, added %d", intTotal, wantInts)
	}
	if want := 0.5 * writers * iterations; floatTotal != want {
		t.Errorf("float counter: collected %v, added %v", floatTotal, want)
	}
	var wantSum int64
	var wantBuckets [3]uint64
	for i := 0; i < iterations; i++ {
		v := int64(i % 150)
		wantSum += v
		switch {
		case v <= 10:
			wantBuckets[0]++
		case v <= 100:
			wantBuckets[1]++
		default:
			wantBuckets[2]++
		}
	}
	wantSum *= writers
	for i := range wantBuckets {
		wantBuckets[i] *= writers
	}
	if histCount != writers*iterations || histSum != wantSum || histBuckets != wantBuckets {
		t.Errorf("histogram: collected count %d sum %d buckets %v; recorded count %d sum %d buckets %v",
			histCount, histSum, histBuckets, writers*iterations, wantSum, wantBuckets)
	}
}
