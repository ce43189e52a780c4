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

// benchmarkHotPath runs every library's workloads for kind, preceded by the
// API floor: building metric.WithAttributes(3 attributes) alone, as library
// "api" with the per-call-attrs case. It sits in every hot-path benchmark, so
// each per-call number has a floor measured minutes, not tens of minutes,
// away on a machine whose load changes. The SDK's own share of a per-call
// number is measured directly by the per-call-sdk-share case (see attrCase).
func benchmarkHotPath(b *testing.B, kind instrumentKind) {
	fx, _ := fixtures()
	floor := apiFloorWorkload{fx: fx}
	b.Run("api/"+perCallAttrs.String()+"/serial", func(b *testing.B) {
		b.ReportAllocs()
		floor.RunSerial(b.N)
	})
	b.Run("api/"+perCallAttrs.String()+"/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(floor.RunParallel)
	})
	if kind == counter {
		for _, attrs := range minimalCounterCases {
			b.Run(libMinimal+"/"+attrs.String()+"/serial", func(b *testing.B) { runMinimal(b, fx, attrs) })
		}
	}
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

// runMinimal measures the reference counter (minimal.go) with the same loop
// as the SDKs, after the same warm-up.
func runMinimal(b *testing.B, fx *otelFixtures, attrs attrCase) {
	c, err := newMinimalCounter()
	if err != nil {
		b.Skipf("minimal counter: %v", err)
	}
	w := &otelCounterWorkload{counter: c, attrs: attrs, fx: fx}
	w.RunSerial(2 * rotationSize)
	b.ReportAllocs()
	b.ResetTimer()
	w.RunSerial(b.N)
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
