package benchmarks

import (
	"errors"
	"flag"
	"math"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// equivalenceMeasurements is how many measurements each serial workload makes
// in TestWorkloadsRecordSameTotals: more than rotationSize, so the rotation
// wraps around.
const equivalenceMeasurements = 2500

// expectedTotals simulates n serial measurements of the workload loops:
// counters add 1, histograms and gauges record histogramValue(i), and the i-th
// measurement goes to series i%rotationSize in the rotating case, else series 0.
func expectedTotals(kind instrumentKind, attrs attrCase, n int) totals {
	last := map[int]float64{} // series -> last gauge value
	var t totals
	for i := 0; i < n; i++ {
		series := 0
		if attrs == rotatingSets {
			series = i % rotationSize
		}
		switch kind {
		case counter:
			t.Sum++
		case gauge:
			last[series] = histogramValue(i)
		default:
			t.Sum += histogramValue(i)
			t.Count++
		}
	}
	for _, v := range last {
		t.Sum += v
	}
	t.Series = attrs.seriesFor(n)
	t.Aggregation = expectedAggregation(kind)
	return t
}

var hotPathKinds = []instrumentKind{counter, histogram, expHistogram, gauge}

// TestWorkloadsRecordSameTotals checks that every library's serial loop for
// every instrument and attribute case records exactly the same totals, so the
// benchmarks compare equivalent work.
func TestWorkloadsRecordSameTotals(t *testing.T) {
	for _, kind := range hotPathKinds {
		for _, attrs := range attrCases {
			want := expectedTotals(kind, attrs, equivalenceMeasurements)
			for _, lib := range libraries() {
				t.Run(kind.String()+"/"+attrs.String()+"/"+lib.Name(), func(t *testing.T) {
					p, w := newWorkload(t, lib, kind, attrs)
					w.RunSerial(equivalenceMeasurements)
					got, err := p.Totals(kind)
					if err != nil {
						t.Fatal(err)
					}
					if !sameTotals(got, want) {
						t.Errorf("totals = %+v, want %+v", got, want)
					}
				})
			}
		}
	}
}

// TestParallelWorkloadsRecordEveryMeasurement runs each parallel loop through
// testing.Benchmark with a fixed iteration count and checks that the
// collection holds exactly b.N measurements.
func TestParallelWorkloadsRecordEveryMeasurement(t *testing.T) {
	restore := setBenchtime(t, "300x")
	defer restore()
	for _, kind := range hotPathKinds {
		for _, attrs := range attrCases {
			for _, lib := range libraries() {
				t.Run(kind.String()+"/"+attrs.String()+"/"+lib.Name(), func(t *testing.T) {
					p, _ := newWorkload(t, lib, kind, attrs)
					p.Shutdown()
					testing.Benchmark(func(b *testing.B) {
						p, w := newWorkload(t, lib, kind, attrs)
						b.RunParallel(w.RunParallel)
						got, err := p.Totals(kind)
						if err != nil {
							t.Error(err)
							return
						}
						checkParallelTotals(t, kind, attrs, b.N, got)
					})
				})
			}
		}
	}
}

func checkParallelTotals(t *testing.T, kind instrumentKind, attrs attrCase, n int, got totals) {
	maxSeries := attrs.seriesFor(n)
	if got.Series < 1 || got.Series > maxSeries {
		t.Errorf("b.N=%d: %d series, want 1..%d", n, got.Series, maxSeries)
	}
	switch kind {
	case counter:
		if got.Sum != float64(n) {
			t.Errorf("b.N=%d: counter sum %v", n, got.Sum)
		}
	case histogram, expHistogram:
		if got.Count != uint64(n) {
			t.Errorf("b.N=%d: histogram count %d", n, got.Count)
		}
	}
}

// newWorkload builds a fresh cumulative pipeline and its workload, skipping
// the test when the library has no equivalent.
func newWorkload(t *testing.T, lib library, kind instrumentKind, attrs attrCase) (pipeline, workload) {
	t.Helper()
	p, err := lib.NewPipeline(metricdata.CumulativeTemporality)
	if err != nil {
		t.Fatal(err)
	}
	w, err := p.Workload(kind, attrs)
	if errors.Is(err, errNotAvailable) {
		p.Shutdown()
		t.Skipf("%s: %v", lib.Name(), err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return p, w
}

// sameTotals compares totals, allowing float rounding in histogram sums.
func sameTotals(a, b totals) bool {
	return a.Aggregation == b.Aggregation && a.Series == b.Series && a.Count == b.Count && math.Abs(a.Sum-b.Sum) <= 1e-9*math.Max(1, math.Abs(b.Sum))
}

// setBenchtime sets -test.benchtime for testing.Benchmark (which reads only the
// flag) and returns a function restoring the previous value.
func setBenchtime(t *testing.T, value string) (restore func()) {
	f := flag.Lookup("test.benchtime")
	if f == nil {
		t.Fatal("no test.benchtime flag")
	}
	old := f.Value.String()
	if err := f.Value.Set(value); err != nil {
		t.Fatal(err)
	}
	return func() { _ = f.Value.Set(old) }
}

// TestPopulateCreatesDistinctSeries checks the series the collect, memory and
// export workloads create.
func TestPopulateCreatesDistinctSeries(t *testing.T) {
	const n = maxPopulatedSeries
	for _, lib := range libraries() {
		for _, kind := range []instrumentKind{counter, histogram} {
			t.Run(lib.Name()+"/"+kind.String(), func(t *testing.T) {
				p, err := lib.NewPipeline(metricdata.CumulativeTemporality)
				if err != nil {
					t.Fatal(err)
				}
				defer p.Shutdown()
				if err := p.Populate(kind, n); err != nil {
					t.Fatal(err)
				}
				got, err := p.Totals(kind)
				if err != nil {
					t.Fatal(err)
				}
				if got.Series != n {
					t.Errorf("%d series, want %d", got.Series, n)
				}
			})
		}
	}
}
