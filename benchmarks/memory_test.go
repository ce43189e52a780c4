package benchmarks

import (
	"runtime"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// memorySeries is how many new series one memory measurement creates.
const memorySeries = 10000

// BenchmarkMemoryPerSeries measures the live heap that memorySeries new series
// of one instrument keep (after a full GC), reported as B/series.
// ns/op, B/op and allocs/op are the cost of creating the memorySeries series.
// BenchmarkMemoryPerSeries/<library>/<counter|histogram>/10000-series.
func BenchmarkMemoryPerSeries(b *testing.B) {
	for _, lib := range libraries() {
		for _, kind := range []instrumentKind{counter, histogram} {
			b.Run(lib.Name()+"/"+kind.String()+"/10000-series", func(b *testing.B) {
				runMemoryPerSeries(b, lib, kind)
			})
		}
	}
}

func runMemoryPerSeries(b *testing.B, lib library, kind instrumentKind) {
	fixtures() // the attribute sets are the caller's, built before measuring
	var growth int64
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p, err := lib.NewPipeline(metricdata.CumulativeTemporality)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Populate(kind, 0); err != nil { // creates the instrument only
			b.Fatal(err)
		}
		before := liveHeap()
		b.StartTimer()
		if err := p.Populate(kind, memorySeries); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		growth += int64(liveHeap()) - int64(before)
		runtime.KeepAlive(p)
		p.Shutdown()
		b.StartTimer()
	}
	b.ReportMetric(float64(growth)/float64(b.N)/memorySeries, "B/series")
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
