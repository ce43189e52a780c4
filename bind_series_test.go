package fastmeter_test

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/fastmeter/fastmeter"
)

// Bound handles and series-level features: exemplars, the cardinality limit
// and forgetting idle cumulative series.

// onlyPoint returns the single data point of a Sum, Gauge or Histogram
// metric, failing the test if there is not exactly one.
func onlyPoint[N int64 | float64](t *testing.T, m metricdata.Metrics) (attrs attribute.Set, exemplars []metricdata.Exemplar[N]) {
	t.Helper()
	n := 0
	switch d := m.Data.(type) {
	case metricdata.Sum[N]:
		n = len(d.DataPoints)
		if n == 1 {
			return d.DataPoints[0].Attributes, d.DataPoints[0].Exemplars
		}
	case metricdata.Gauge[N]:
		n = len(d.DataPoints)
		if n == 1 {
			return d.DataPoints[0].Attributes, d.DataPoints[0].Exemplars
		}
	case metricdata.Histogram[N]:
		n = len(d.DataPoints)
		if n == 1 {
			return d.DataPoints[0].Attributes, d.DataPoints[0].Exemplars
		}
	default:
		t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
	}
	t.Fatalf("%s: %d points, want 1", m.Name, n)
	return attribute.Set{}, nil
}

// With the AlwaysOn filter every bound measurement is offered to the
// series' reservoir: the exemplar has the measured value and time, the trace
// of a sampled span when there is one, and as filtered attributes the bound
// attributes the view's filter removed from the series.
func TestBindExemplarsCarryBoundAttributes(t *testing.T) {
	for _, temporality := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
		t.Run(temporality.String(), func(t *testing.T) {
			r := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality { return temporality }))
			mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r),
				fastmeter.WithExemplarFilter(exemplar.AlwaysOnFilter),
				fastmeter.WithView(fastmeter.NewView(fastmeter.Instrument{Name: "*"},
					fastmeter.Stream{AttributeFilter: attribute.NewAllowKeysFilter("route")})))
			m := mp.Meter("bind")
			ic, _ := m.Int64Counter("ic")
			fc, _ := m.Float64Counter("fc")
			h, _ := m.Float64Histogram("h")
			g, _ := m.Int64Gauge("g")
			set := attribute.NewSet(attribute.String("route", "/x"), attribute.String("user", "ann"))
			bic, bfc := fastmeter.BindAdder(ic, set), fastmeter.BindAdder(fc, set)
			bh, bg := fastmeter.BindRecorder(h, set), fastmeter.BindRecorder(g, set)

			before := time.Now()
			bic.Add(context.Background(), 3)
			bfc.Add(spanContext(true), 1.5)
			bh.Record(context.Background(), 7)
			bg.Record(spanContext(true), 9)
			after := time.Now()
			rm := collect(t, r)

			type want struct {
				value   float64
				sampled bool
			}
			check := func(name string, attrs attribute.Set, value float64, tm time.Time, filtered []attribute.KeyValue, traceID, spanID []byte, w want) {
				t.Helper()
				if attrs.Len() != 1 || attrs.Encoded(attribute.DefaultEncoder()) != "route=/x" {
					t.Errorf("%s: series attributes %v, want route=/x", name, attrs.ToSlice())
				}
				if value != w.value || tm.Before(before) || tm.After(after) {
					t.Errorf("%s: exemplar value %v at %v, want %v within [%v, %v]", name, value, tm, w.value, before, after)
				}
				if len(filtered) != 1 || filtered[0] != attribute.String("user", "ann") {
					t.Errorf("%s: filtered attributes %v, want [user=ann]", name, filtered)
				}
				var wantTrace, wantSpan []byte // none without a span
				if w.sampled {
					wantTrace, wantSpan = testTraceID[:], testSpanID[:]
				}
				if !bytes.Equal(traceID, wantTrace) || !bytes.Equal(spanID, wantSpan) {
					t.Errorf("%s: exemplar trace %x span %x, want %x %x", name, traceID, spanID, wantTrace, wantSpan)
				}
			}
			for name, w := range map[string]want{"ic": {3, false}, "g": {9, true}} {
				attrs, ex := onlyPoint[int64](t, metricNamed(t, rm, name))
				if len(ex) != 1 {
					t.Fatalf("%s: %d exemplars, want 1", name, len(ex))
				}
				e := ex[0]
				check(name, attrs, float64(e.Value), e.Time, e.FilteredAttributes, e.TraceID, e.SpanID, w)
			}
			for name, w := range map[string]want{"fc": {1.5, true}, "h": {7, false}} {
				attrs, ex := onlyPoint[float64](t, metricNamed(t, rm, name))
				if len(ex) != 1 {
					t.Fatalf("%s: %d exemplars, want 1", name, len(ex))
				}
				e := ex[0]
				check(name, attrs, e.Value, e.Time, e.FilteredAttributes, e.TraceID, e.SpanID, w)
			}
		})
	}
}

// With the trace-based filter a bound counter updates its cell directly for
// a context without a span, but leaves that path for a sampled span, whose
// measurement must become an exemplar; an unsampled span gives none.
func TestBindTraceBasedExemplars(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithExemplarFilter(exemplar.TraceBasedFilter))
	m := mp.Meter("bind")
	ic, _ := m.Int64Counter("ic")
	fc, _ := m.Float64Counter("fc")
	h, _ := m.Float64Histogram("h")
	set := attribute.NewSet(attribute.String("k", "v"))
	bic, bfc, bh := fastmeter.BindAdder(ic, set), fastmeter.BindAdder(fc, set), fastmeter.BindRecorder(h, set)
	for _, step := range []struct {
		ctx   context.Context
		value int64
	}{{context.Background(), 1}, {spanContext(true), 2}, {spanContext(false), 4}, {context.TODO(), 8}} {
		bic.Add(step.ctx, step.value)
		bfc.Add(step.ctx, float64(step.value))
		bh.Record(step.ctx, float64(step.value))
	}
	rm := collect(t, r)
	if v := metricNamed(t, rm, "ic").Data.(metricdata.Sum[int64]).DataPoints[0].Value; v != 15 {
		t.Errorf("ic = %d, want 15", v)
	}
	if v := metricNamed(t, rm, "fc").Data.(metricdata.Sum[float64]).DataPoints[0].Value; v != 15 {
		t.Errorf("fc = %v, want 15", v)
	}
	if p := metricNamed(t, rm, "h").Data.(metricdata.Histogram[float64]).DataPoints[0]; p.Count != 4 || p.Sum != 15 {
		t.Errorf("h count %d sum %v, want 4 and 15", p.Count, p.Sum)
	}
	_, iex := onlyPoint[int64](t, metricNamed(t, rm, "ic"))
	if len(iex) != 1 || iex[0].Value != 2 || trace.TraceID(iex[0].TraceID) != testTraceID {
		t.Errorf("ic exemplars %+v, want one of value 2 from the sampled span", iex)
	}
	for _, name := range []string{"fc", "h"} {
		_, ex := onlyPoint[float64](t, metricNamed(t, rm, name))
		if len(ex) != 1 || ex[0].Value != 2 || trace.TraceID(ex[0].TraceID) != testTraceID {
			t.Errorf("%s exemplars %+v, want one of value 2 from the sampled span", name, ex)
		}
	}
}

// Handles bound to sets past a cumulative stream's cardinality limit record
// into the otel.metric.overflow=true series, concurrently and exactly, next
// to a handle bound to a set that has a series of its own.
func TestBindPastCardinalityLimit(t *testing.T) {
	r := fastmeter.NewManualReader()
	// Limit 3: two attribute sets plus the overflow series.
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithCardinalityLimit(3))
	m := mp.Meter("bind")
	ic, _ := m.Int64Counter("ic")
	fc, _ := m.Float64Counter("fc")
	h, _ := m.Float64Histogram("h")
	ctx := context.Background()
	for _, k := range []string{"a", "b"} { // fill the table
		opt := metric.WithAttributes(attribute.String("k", k))
		ic.Add(ctx, 1, opt)
		fc.Add(ctx, 1, opt)
		h.Record(ctx, 1, opt)
	}
	var ints []*fastmeter.BoundAdder[int64]
	var floats []*fastmeter.BoundAdder[float64]
	var hists []*fastmeter.BoundRecorder[float64]
	for _, k := range []string{"a", "c", "d"} { // a has a series; c and d are past the limit
		set := attribute.NewSet(attribute.String("k", k))
		ints = append(ints, fastmeter.BindAdder(ic, set))
		floats = append(floats, fastmeter.BindAdder(fc, set))
		hists = append(hists, fastmeter.BindRecorder(h, set))
	}
	const writers, perWriter = 4, 1000
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				for j := range ints {
					ints[j].Add(ctx, 1)
					floats[j].Add(ctx, 0.5)
					hists[j].Record(ctx, 2)
				}
			}
		}()
	}
	wg.Wait()
	rm := collect(t, r)
	const n = writers * perWriter
	const overflow = "otel.metric.overflow=true"
	got := pointsOf(t, rm, "ic")
	if len(got) != 3 || got["k=a"] != 1+n || got["k=b"] != 1 || got[overflow] != 2*n {
		t.Errorf("ic: %v, want k=a:%d k=b:1 %s:%d", got, 1+n, overflow, 2*n)
	}
	fgot := map[string]float64{}
	for _, p := range metricNamed(t, rm, "fc").Data.(metricdata.Sum[float64]).DataPoints {
		fgot[p.Attributes.Encoded(attribute.DefaultEncoder())] = p.Value
	}
	if len(fgot) != 3 || fgot["k=a"] != 1+0.5*n || fgot["k=b"] != 1 || fgot[overflow] != n {
		t.Errorf("fc: %v, want k=a:%v k=b:1 %s:%d", fgot, 1+0.5*n, overflow, n)
	}
	type hp struct {
		count uint64
		sum   float64
	}
	hgot := map[string]hp{}
	for _, p := range metricNamed(t, rm, "h").Data.(metricdata.Histogram[float64]).DataPoints {
		hgot[p.Attributes.Encoded(attribute.DefaultEncoder())] = hp{p.Count, p.Sum}
	}
	if want := (hp{2 * n, 4 * n}); len(hgot) != 3 || hgot[overflow] != want || hgot["k=a"] != (hp{1 + n, 1 + 2*n}) || hgot["k=b"] != (hp{1, 1}) {
		t.Errorf("h: %+v, want k=a:{%d %d} k=b:{1 1} overflow:%+v", hgot, 1+n, 1+2*n, want)
	}
}

// On a cumulative stream with WithForgetIdleSeries, a bound series that is
// forgotten while its handle is idle comes back, counted from zero with a new
// start time, the next time the handle is used.
func TestBindForgetIdleSeriesComesBack(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithForgetIdleSeries(1))
	m := mp.Meter("bind")
	ic, _ := m.Int64Counter("ic")
	h, _ := m.Float64Histogram("h")
	set := attribute.NewSet(attribute.Int("i", 1))
	bic, bh := fastmeter.BindAdder(ic, set), fastmeter.BindRecorder(h, set)
	ctx := context.Background()
	bic.Add(ctx, 3)
	bh.Record(ctx, 3)
	firstStart := metricNamed(t, collect(t, r), "ic").Data.(metricdata.Sum[int64]).DataPoints[0].StartTime
	// Idle for one collection: forgotten, reported one last time.
	rm := collect(t, r)
	if got := pointsOf(t, rm, "ic"); len(got) != 1 || got["i=1"] != 3 {
		t.Fatalf("collection that forgets the series: %v, want i=1:3", got)
	}
	if rm := collect(t, r); len(rm.ScopeMetrics) != 0 {
		t.Fatalf("the forgotten series is still reported: %+v", rm.ScopeMetrics)
	}
	bic.Add(ctx, 4)
	bh.Record(ctx, 4)
	rm = collect(t, r)
	p := metricNamed(t, rm, "ic").Data.(metricdata.Sum[int64]).DataPoints
	if len(p) != 1 || p[0].Value != 4 || !p[0].StartTime.After(firstStart) {
		t.Fatalf("returning counter series %+v, want one point of 4 starting after %v", p, firstStart)
	}
	hp := metricNamed(t, rm, "h").Data.(metricdata.Histogram[float64]).DataPoints
	if len(hp) != 1 || hp[0].Count != 1 || hp[0].Sum != 4 || !hp[0].StartTime.After(firstStart) {
		t.Fatalf("returning histogram series %+v, want count 1 sum 4 starting after %v", hp, firstStart)
	}
}

// Writers through one bound handle, in bursts separated by idle gaps in which
// a concurrently running collector forgets the series: each burst starts at
// least one new life of the series (a new start time), and the lives' final
// values add up to exactly what was added: no update is lost to forgetting.
func TestBindForgetIdleSeriesLosesNoUpdate(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithForgetIdleSeries(1))
	c, _ := mp.Meter("bind").Int64Counter("c")
	b := fastmeter.BindAdder(c, attribute.NewSet(attribute.Int("i", 1)))

	var collections atomic.Int64
	lives := map[int64]int64{} // start time → the latest cumulative value seen
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var rm metricdata.ResourceMetrics
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := r.Collect(context.Background(), &rm); err != nil {
				t.Error(err)
				return
			}
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
						start := p.StartTime.UnixNano()
						if p.Value < lives[start] {
							t.Errorf("cumulative value went down within one life: %d after %d", p.Value, lives[start])
						}
						lives[start] = p.Value
					}
				}
			}
			collections.Add(1)
		}
	}()

	const rounds, writers, perWriter = 20, 4, 500
	for round := 0; round < rounds; round++ {
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perWriter; i++ {
					b.Add(context.Background(), 1)
				}
			}()
		}
		wg.Wait()
		// Three more collections: the second to start after the writers
		// finished sees the series idle and forgets it.
		for n0 := collections.Load(); collections.Load() < n0+3; {
			time.Sleep(50 * time.Microsecond)
		}
	}
	close(stop)
	<-done

	var total int64
	for _, v := range lives {
		total += v
	}
	// Every gap forgets the series; a burst whose writers start slowly may
	// also see it forgotten, hence at least one life per round.
	if len(lives) < rounds || total != rounds*writers*perWriter {
		t.Fatalf("%d lives totalling %d, want at least %d lives totalling exactly %d", len(lives), total, rounds, rounds*writers*perWriter)
	}
}
