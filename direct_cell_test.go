package fastmeter_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/fastmeter/fastmeter"
)

// An Add without attributes on a single cumulative sum stream takes the
// direct cell path once the series exists. Everything the full path does
// must still hold on it: the series appears (and starts) with the first
// measurement, a sampled span still yields an exemplar, a negative Counter
// increment is still dropped and reported, an UpDownCounter still goes down,
// and the totals of concurrent writers are exact.
func TestDirectEmptySetPath(t *testing.T) {
	rec := recordDiagnostics(t)
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	m := mp.Meter("direct")
	ic, _ := m.Int64Counter("ic")
	fc, _ := m.Float64Counter("fc")
	iu, _ := m.Int64UpDownCounter("iu")
	fu, _ := m.Float64UpDownCounter("fu")
	if rm := collect(t, r); len(rm.ScopeMetrics) != 0 {
		t.Fatalf("instruments that never recorded exported %+v", rm.ScopeMetrics)
	}
	first := time.Now()
	ctx := context.Background()
	const writers, perWriter = 8, 2000
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				ic.Add(ctx, 2)
				fc.Add(ctx, 0.5)
				iu.Add(ctx, -1)
				fu.Add(ctx, -0.25)
			}
		}()
	}
	wg.Wait()
	ic.Add(ctx, -7)              // dropped: counters only grow
	ic.Add(spanContext(true), 1) // sampled span: the full path keeps an exemplar
	iu.Add(context.TODO(), 3)

	rm := collect(t, r)
	n := float64(writers * perWriter)
	ip := metricNamed(t, rm, "ic").Data.(metricdata.Sum[int64]).DataPoints[0]
	if ip.Value != int64(2*n+1) {
		t.Errorf("ic = %d, want %d", ip.Value, int64(2*n+1))
	}
	if ip.StartTime.Before(first) {
		t.Errorf("ic starts at %v, before its first measurement at %v", ip.StartTime, first)
	}
	if len(ip.Exemplars) != 1 || ip.Exemplars[0].Value != 1 || ip.Exemplars[0].TraceID == nil {
		t.Errorf("ic exemplars = %+v, want the sampled measurement of 1", ip.Exemplars)
	}
	if v := metricNamed(t, rm, "fc").Data.(metricdata.Sum[float64]).DataPoints[0].Value; v != 0.5*n {
		t.Errorf("fc = %v, want %v", v, 0.5*n)
	}
	if v := metricNamed(t, rm, "iu").Data.(metricdata.Sum[int64]).DataPoints[0].Value; v != int64(-n+3) {
		t.Errorf("iu = %d, want %d", v, int64(-n+3))
	}
	if v := metricNamed(t, rm, "fu").Data.(metricdata.Sum[float64]).DataPoints[0].Value; v != -0.25*n {
		t.Errorf("fu = %v, want %v", v, -0.25*n)
	}
	if !rec.contains(`"ic"`) {
		t.Errorf("the negative increment was not reported with the instrument's name: %v", rec.texts())
	}
}

// The direct path is only for a single cumulative sum stream: with a delta
// reader next to a cumulative one, both streams must get every measurement
// and the delta one must still start from zero each collection.
func TestDirectPathNotTakenWhereItWouldBeWrong(t *testing.T) {
	cumulative := fastmeter.NewManualReader()
	delta := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality {
		return metricdata.DeltaTemporality
	}))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(cumulative), fastmeter.WithReader(delta))
	c, _ := mp.Meter("direct").Int64Counter("c")
	ctx := context.Background()
	for round, adds := range []int64{3, 5} {
		for i := int64(0); i < adds; i++ {
			c.Add(ctx, 1)
		}
		d := metricNamed(t, collect(t, delta), "c").Data.(metricdata.Sum[int64])
		if d.DataPoints[0].Value != adds {
			t.Fatalf("round %d: delta = %d, want %d", round, d.DataPoints[0].Value, adds)
		}
	}
	got := metricNamed(t, collect(t, cumulative), "c").Data.(metricdata.Sum[int64])
	metricdatatest.AssertEqual(t, metricdata.Sum[int64]{
		Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
		DataPoints: []metricdata.DataPoint[int64]{{Attributes: *attribute.EmptySet(), Value: 8}},
	}, got, metricdatatest.IgnoreTimestamp())
}

// Attributed Adds on existing series take the add path's direct lookup
// (internal/aggregate/add_path.go).
// Everything the stream's path does must still hold: a set's first Add
// creates its series, concurrent writers of per-call sets (equal attributes
// in fresh storage) and a collector running meanwhile lose nothing, a
// negative Counter increment and a NaN are dropped and reported, a sampled
// span still yields an exemplar, and sets past the cardinality limit still
// go to the overflow series.
func TestDirectAttributedAddPath(t *testing.T) {
	rec := recordDiagnostics(t)
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithCardinalityLimit(4))
	m := mp.Meter("direct")
	ic, _ := m.Int64Counter("ic")
	fc, _ := m.Float64Counter("fc")
	iu, _ := m.Int64UpDownCounter("iu")
	fu, _ := m.Float64UpDownCounter("fu")
	ctx := context.Background()
	route := func(w int) attribute.KeyValue { return attribute.String("route", fmt.Sprintf("/r/%d", w%3)) }

	const writers, perWriter = 8, 2000
	stop := make(chan struct{})
	collected := make(chan struct{})
	go func() { // collections racing the writers must not disturb them
		defer close(collected)
		for {
			select {
			case <-stop:
				return
			default:
				collect(t, r)
			}
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				opt := metric.WithAttributes(route(w), attribute.Int("code", 200)) // fresh storage per call
				ic.Add(ctx, 2, opt)
				fc.Add(ctx, 0.5, opt)
				iu.Add(ctx, -1, opt)
				fu.Add(ctx, -0.25, opt)
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-collected
	opt := metric.WithAttributes(route(0), attribute.Int("code", 200))
	ic.Add(ctx, -7, opt)              // dropped: counters only grow
	fc.Add(ctx, math.NaN(), opt)      // dropped: not a number
	ic.Add(spanContext(true), 1, opt) // sampled span: the stream's path keeps an exemplar
	for i := 0; i < 3; i++ {          // 3 routes exist: the 4th series of a limit of 4 is the overflow
		ic.Add(ctx, 1, metric.WithAttributes(attribute.String("route", "new"), attribute.Int("i", i)))
	}

	rm := collect(t, r)
	perRoute := map[int]float64{0: 3 * perWriter, 1: 3 * perWriter, 2: 2 * perWriter} // writers 0-7 by w%3
	pointOf := func(name string, attrs attribute.Set) any {
		switch d := metricNamed(t, rm, name).Data.(type) {
		case metricdata.Sum[int64]:
			for _, p := range d.DataPoints {
				if p.Attributes.Equals(&attrs) {
					return p
				}
			}
		case metricdata.Sum[float64]:
			for _, p := range d.DataPoints {
				if p.Attributes.Equals(&attrs) {
					return p
				}
			}
		}
		t.Fatalf("%s has no point for %v", name, attrs.ToSlice())
		return nil
	}
	for w, n := range perRoute {
		attrs := attribute.NewSet(route(w), attribute.Int("code", 200))
		wantIC := int64(2 * n)
		if w == 0 {
			wantIC++ // the sampled Add
		}
		if p := pointOf("ic", attrs).(metricdata.DataPoint[int64]); p.Value != wantIC {
			t.Errorf("ic %v = %d, want %d", attrs.ToSlice(), p.Value, wantIC)
		}
		if p := pointOf("fc", attrs).(metricdata.DataPoint[float64]); p.Value != 0.5*n {
			t.Errorf("fc %v = %v, want %v", attrs.ToSlice(), p.Value, 0.5*n)
		}
		if p := pointOf("iu", attrs).(metricdata.DataPoint[int64]); p.Value != int64(-n) {
			t.Errorf("iu %v = %d, want %d", attrs.ToSlice(), p.Value, int64(-n))
		}
		if p := pointOf("fu", attrs).(metricdata.DataPoint[float64]); p.Value != -0.25*n {
			t.Errorf("fu %v = %v, want %v", attrs.ToSlice(), p.Value, -0.25*n)
		}
	}
	first := pointOf("ic", attribute.NewSet(route(0), attribute.Int("code", 200))).(metricdata.DataPoint[int64])
	if len(first.Exemplars) != 1 || first.Exemplars[0].Value != 1 || first.Exemplars[0].TraceID == nil {
		t.Errorf("ic exemplars = %+v, want the sampled measurement of 1", first.Exemplars)
	}
	overflow := pointOf("ic", attribute.NewSet(attribute.Bool("otel.metric.overflow", true))).(metricdata.DataPoint[int64])
	if overflow.Value != 3 {
		t.Errorf("ic overflow = %d, want 3", overflow.Value)
	}
	if !rec.contains(`"ic"`) || !rec.contains(`"fc"`) {
		t.Errorf("the dropped measurements were not reported with their instrument's name: %v", rec.texts())
	}
}

// With exemplars off, the direct lookup serves any context, a sampled span's
// included, and nothing samples it.
func TestDirectAttributedAddWithExemplarsOff(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithExemplarFilter(exemplar.AlwaysOffFilter))
	c, _ := mp.Meter("direct").Int64Counter("c")
	opt := metric.WithAttributes(attribute.String("k", "v"))
	for _, ctx := range []context.Context{context.Background(), spanContext(true), spanContext(true), context.TODO()} {
		c.Add(ctx, 2, opt)
	}
	p := metricNamed(t, collect(t, r), "c").Data.(metricdata.Sum[int64]).DataPoints[0]
	if p.Value != 8 || len(p.Exemplars) != 0 {
		t.Fatalf("point = %d with exemplars %+v, want 8 and none", p.Value, p.Exemplars)
	}
}
