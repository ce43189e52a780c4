package fastmeter_test

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/ratelimit"
)

// Problems caused by user input or user code repeat on every measurement of a
// hot loop; their otel.Handle reports are rate limited (internal/ratelimit):
// the first at once, then at most one per interval.

// reportsNaming returns the recorded reports that name instrument, checking
// that every report names one of instruments.
func reportsNaming(t *testing.T, rec interface{ texts() []string }, instruments ...string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, msg := range rec.texts() {
		named := false
		for _, name := range instruments {
			if strings.Contains(msg, `instrument "`+name+`"`) {
				out[name] = append(out[name], msg)
				named = true
				break
			}
		}
		if !named {
			t.Errorf("report names none of the instruments %v: %s", instruments, msg)
		}
	}
	return out
}

// maxReports is how many reports one rate-limited source may make in elapsed:
// the first one, plus one per elapsed interval.
func maxReports(elapsed time.Duration) int { return 1 + int(elapsed/ratelimit.Interval) }

// A flood of invalid measurements (NaN, ±Inf, negative counter increments),
// bound and unbound, from several goroutines: each instrument reports once
// per interval, naming itself, and every valid measurement interleaved with
// the invalid ones is kept.
func TestBadInputReportsAreRateLimited(t *testing.T) {
	rec := recordDiagnostics(t)
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	m := mp.Meter("bad")
	h, _ := m.Float64Histogram("nan.hist")
	c, _ := m.Int64Counter("neg.counter")
	g, _ := m.Float64Gauge("inf.gauge")
	fc, _ := m.Float64Counter("nan.counter")
	bh := fastmeter.BindRecorder(h, attribute.NewSet(attribute.Int("i", 9)))
	bfc := fastmeter.BindAdder(fc, *attribute.EmptySet())
	ctx := context.Background()

	// One invalid measurement each, before the flood: reported at once.
	start := time.Now()
	h.Record(ctx, math.NaN())
	c.Add(ctx, -1)
	g.Record(ctx, math.Inf(1))
	bfc.Add(ctx, math.NaN())
	names := []string{"nan.hist", "neg.counter", "inf.gauge", "nan.counter"}
	first := reportsNaming(t, rec, names...)
	for _, name := range names {
		if got := first[name]; len(got) != 1 || !strings.Contains(got[0], "dropped 1 invalid measurement(s)") {
			t.Errorf("%s: reports %q after the first invalid measurement, want one saying it dropped 1", name, got)
		}
	}

	const writers, perWriter = 4, 2500
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				attrs := metric.WithAttributes(attribute.Int("i", i%3))
				h.Record(ctx, math.NaN(), attrs)
				bh.Record(ctx, math.Inf(-1))
				h.Record(ctx, 1, attrs)
				c.Add(ctx, -1)
				c.Add(ctx, 2)
				g.Record(ctx, math.Inf(1))
				g.Record(ctx, 7)
				bfc.Add(ctx, math.NaN())
				bfc.Add(ctx, 0.5)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	reports := reportsNaming(t, rec, names...)
	for _, name := range names {
		if got := reports[name]; len(got) < 1 || len(got) > maxReports(elapsed) {
			t.Errorf("%s: %d reports for thousands of invalid measurements in %v, want 1 to %d", name, len(got), elapsed, maxReports(elapsed))
		}
	}

	const n = writers * perWriter
	rm := collect(t, r)
	var count uint64
	var sum float64
	for _, p := range metricNamed(t, rm, "nan.hist").Data.(metricdata.Histogram[float64]).DataPoints {
		count += p.Count
		sum += p.Sum
	}
	if count != n || sum != n {
		t.Errorf("nan.hist: count %d sum %v, want both %d (the valid measurements only)", count, sum, n)
	}
	if got := pointsOf(t, rm, "neg.counter"); len(got) != 1 || got[""] != 2*n {
		t.Errorf("neg.counter: %v, want %d", got, 2*n)
	}
	if p := metricNamed(t, rm, "inf.gauge").Data.(metricdata.Gauge[float64]).DataPoints; len(p) != 1 || p[0].Value != 7 {
		t.Errorf("inf.gauge: %+v, want one point of 7", p)
	}
	if p := metricNamed(t, rm, "nan.counter").Data.(metricdata.Sum[float64]).DataPoints; len(p) != 1 || p[0].Value != 0.5*n {
		t.Errorf("nan.counter: %+v, want one point of %v", p, 0.5*n)
	}
}

// A custom reservoir that panics in every Offer and Collect, fed by bound and
// unbound measurements from several goroutines: the panics are reported once
// per interval per stream, naming the instrument and saying the exemplars
// are lost but the measurements kept, and the totals are exact.
func TestPanickingReservoirReportsAreRateLimited(t *testing.T) {
	rec := recordErrors(t)
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r),
		fastmeter.WithExemplarFilter(exemplar.AlwaysOnFilter),
		fastmeter.WithView(fastmeter.NewView(fastmeter.Instrument{Name: "*"}, fastmeter.Stream{
			ExemplarReservoirProviderSelector: func(fastmeter.Aggregation) exemplar.ReservoirProvider {
				return func(attribute.Set) exemplar.Reservoir { return panickyReservoir{collectToo: true} }
			},
		})))
	m := mp.Meter("panicky")
	c, _ := m.Float64Counter("c")
	h, _ := m.Int64Histogram("h")
	bc := fastmeter.BindAdder(c, attribute.NewSet(attribute.String("k", "bound")))
	bh := fastmeter.BindRecorder(h, attribute.NewSet(attribute.String("k", "bound")))
	ctx := context.Background()

	const writers, perWriter = 4, 250 // 1000 measurements per series
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				c.Add(ctx, 1)
				bc.Add(ctx, 2)
				h.Record(ctx, 3)
				bh.Record(ctx, 4)
			}
		}()
	}
	wg.Wait()
	var rm metricdata.ResourceMetrics
	for i := 0; i < 3; i++ { // each collection panics in every series' Collect
		rm = collect(t, r)
	}
	elapsed := time.Since(start)

	const n = writers * perWriter
	sums := map[string]float64{}
	for _, p := range metricNamed(t, rm, "c").Data.(metricdata.Sum[float64]).DataPoints {
		sums[p.Attributes.Encoded(attribute.DefaultEncoder())] = p.Value
		if len(p.Exemplars) != 0 {
			t.Errorf("c: exemplars %v from a reservoir whose Collect panics", p.Exemplars)
		}
	}
	if len(sums) != 2 || sums[""] != n || sums["k=bound"] != 2*n {
		t.Errorf("c: %v, want {}:%d and k=bound:%d", sums, n, 2*n)
	}
	type hp struct {
		count uint64
		sum   int64
	}
	hists := map[string]hp{}
	for _, p := range metricNamed(t, rm, "h").Data.(metricdata.Histogram[int64]).DataPoints {
		hists[p.Attributes.Encoded(attribute.DefaultEncoder())] = hp{p.Count, p.Sum}
	}
	if len(hists) != 2 || hists[""] != (hp{n, 3 * n}) || hists["k=bound"] != (hp{n, 4 * n}) {
		t.Errorf("h: %+v, want {}:{%d %d} and k=bound:{%d %d}", hists, n, 3*n, n, 4*n)
	}

	reports := reportsNaming(t, rec, "c", "h")
	for _, name := range []string{"c", "h"} {
		got := reports[name]
		// 2000 measurements and 6 collections of a panicking reservoir.
		if len(got) < 1 || len(got) > maxReports(elapsed) {
			t.Errorf("%s: %d reports in %v for %d panics, want 1 to %d", name, len(got), elapsed, 2*n+6, maxReports(elapsed))
			continue
		}
		for _, want := range []string{"exemplar reservoir", "panicked", "exemplars are dropped", "measurements are kept"} {
			if !strings.Contains(got[0], want) {
				t.Errorf("%s: report %q does not say %q", name, got[0], want)
			}
		}
	}
}
