package benchmarks

import (
	"errors"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Hot-path benchmarks: Benchmark<Instrument>/<library>/<attribute case>/<serial|parallel>.

func BenchmarkCounterAdd(b *testing.B)         { benchmarkHotPath(b, counter) }
func BenchmarkHistogramRecord(b *testing.B)    { benchmarkHotPath(b, histogram) }
func BenchmarkExpHistogramRecord(b *testing.B) { benchmarkHotPath(b, expHistogram) }
func BenchmarkGaugeRecord(b *testing.B)        { benchmarkHotPath(b, gauge) }

// BenchmarkAPIFloor measures building metric.WithAttributes(3 attributes)
// alone: subtract it from a per-call-attrs number to get the SDK's own cost.
func BenchmarkAPIFloor(b *testing.B) {
	fx, _ := fixtures()
	w := apiFloorWorkload{fx: fx}
	b.Run("api/with-attributes-3/serial", func(b *testing.B) {
		b.ReportAllocs()
		w.RunSerial(b.N)
	})
	b.Run("api/with-attributes-3/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(w.RunParallel)
	})
}

func benchmarkHotPath(b *testing.B, kind instrumentKind) {
	for _, lib := range libraries() {
		b.Run(lib.Name(), func(b *testing.B) {
			for _, attrs := range attrCases {
				b.Run(attrs.String(), func(b *testing.B) {
					b.Run("serial", func(b *testing.B) { runHotPath(b, lib, kind, attrs, false) })
					b.Run("parallel", func(b *testing.B) { runHotPath(b, lib, kind, attrs, true) })
				})
			}
		})
	}
}

// runHotPath measures one workload on a fresh cumulative pipeline whose series
// already exist, so the numbers are the steady-state cost of a measurement.
func runHotPath(b *testing.B, lib library, kind instrumentKind, attrs attrCase, parallel bool) {
	p, err := lib.NewPipeline(metricdata.CumulativeTemporality)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Shutdown()
	w, err := p.Workload(kind, attrs)
	if errors.Is(err, errNotAvailable) {
		b.Skipf("%s %v %v: %v", lib.Name(), kind, attrs, err)
	}
	if err != nil {
		b.Fatal(err)
	}
	w.RunSerial(2 * rotationSize) // create every series before timing
	requireAggregation(b, lib, p, kind)
	b.ReportAllocs()
	b.ResetTimer()
	if parallel {
		b.RunParallel(w.RunParallel)
	} else {
		w.RunSerial(b.N)
	}
}

// requireAggregation skips the benchmark when the library did not aggregate
// the instrument as the workload intends (e.g. ignored the exponential
// histogram View): its numbers would measure different work.
func requireAggregation(b *testing.B, lib library, p pipeline, kind instrumentKind) {
	got, err := p.Totals(kind)
	if err != nil {
		b.Fatal(err)
	}
	if want := expectedAggregation(kind); got.Aggregation != want {
		b.Skipf("%s aggregated %v as %q, not %q: not comparable", lib.Name(), kind, got.Aggregation, want)
	}
}
