package benchmarks

import (
	"errors"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// collectSeriesCounts are the numbers of series a collection gathers.
var collectSeriesCounts = []int{1, 100, 1000, 10000}

// BenchmarkCollect measures one collection:
// BenchmarkCollect/<library>/<counter|histogram>/<cumulative|delta>/<N>-series.
// Cumulative collects N series that already exist. Delta records one
// measurement into each of the N series before every collection (otherwise
// there would be nothing to collect after the first one), so its numbers
// include N precomputed-set measurements.
func BenchmarkCollect(b *testing.B) {
	for _, lib := range libraries() {
		for _, kind := range []instrumentKind{counter, histogram} {
			for _, temporality := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
				for _, n := range collectSeriesCounts {
					name := fmt.Sprintf("%s/%v/%s/%d-series", lib.Name(), kind, temporalityName(temporality), n)
					b.Run(name, func(b *testing.B) { runCollect(b, lib, kind, temporality, n) })
				}
			}
		}
	}
}

func temporalityName(t metricdata.Temporality) string {
	if t == metricdata.DeltaTemporality {
		return "delta"
	}
	return "cumulative"
}

func runCollect(b *testing.B, lib library, kind instrumentKind, temporality metricdata.Temporality, n int) {
	p, err := lib.NewPipeline(temporality)
	if errors.Is(err, errNotAvailable) {
		b.Skipf("%s has no %s temporality", lib.Name(), temporalityName(temporality))
	}
	if err != nil {
		b.Fatal(err)
	}
	defer p.Shutdown()
	// One measurement and collection before timing, so buffers that a
	// steady-state collection reuses are already allocated.
	if err := p.Populate(kind, n); err != nil {
		b.Fatal(err)
	}
	if err := p.Collect(); err != nil {
		b.Fatal(err)
	}
	delta := temporality == metricdata.DeltaTemporality
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if delta {
			if err := p.Populate(kind, n); err != nil {
				b.Fatal(err)
			}
		}
		if err := p.Collect(); err != nil {
			b.Fatal(err)
		}
	}
}
