package fastmeter_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/fastmeter/fastmeter"
)

// Delta reclaim under writers: the active attribute sets change every
// interval; across 1000 collections every add is collected exactly once, and
// when the writers stop memory returns to its baseline because idle series
// are removed.
func TestDeltaReclaimThousandIntervals(t *testing.T) {
	heap := func() int64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	r := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(fastmeter.DeltaTemporalitySelector))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithCardinalityLimit(0))
	c, _ := mp.Meter("reclaim").Int64Counter("c")
	ctx := context.Background()
	collect(t, r)
	baseline := heap()

	const writers, intervals, setsPerInterval = 4, 1000, 50
	var interval atomic.Int64 // writers derive their attribute sets from it
	var added atomic.Int64
	var total int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := interval.Load()*setsPerInterval + int64(i%setsPerInterval)
				c.Add(ctx, 1, metric.WithAttributes(attribute.Int64("id", id)))
				added.Add(1)
			}
		}(w)
	}
	for i := 0; i < intervals; i++ {
		for added.Load() < int64(i*30) { // let every interval see writes
			runtime.Gosched()
		}
		for _, v := range pointsOf(t, collect(t, r), "c") {
			total += v
		}
		interval.Add(1)
	}
	close(stop)
	wg.Wait()
	for i := 0; i < 3; i++ { // the last adds, then two idle intervals
		for _, v := range pointsOf(t, collect(t, r), "c") {
			total += v
		}
	}
	if total != added.Load() {
		t.Fatalf("collected %d, added %d", total, added.Load())
	}
	if grown := heap() - baseline; grown > 256<<10 {
		t.Fatalf("heap is %d bytes above the baseline after all series went idle; idle series were not reclaimed", grown)
	}
	t.Logf("%d adds over %d intervals, %d distinct sets", added.Load(), intervals, intervals*setsPerInterval)
}
