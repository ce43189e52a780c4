package fastmeter_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/x"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// xPoints returns the points of the metric name in rm as attrs → value
// (sums and gauges: the value; histograms: the count), or nil when the
// metric is absent.
func xPoints(rm metricdata.ResourceMetrics, name string) map[string]float64 {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			out := map[string]float64{}
			key := func(s attribute.Set) string { return s.Encoded(attribute.DefaultEncoder()) }
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] = float64(p.Value)
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] = p.Value
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] = float64(p.Value)
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] = p.Value
				}
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] = float64(p.Count)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] = float64(p.Count)
				}
			}
			return out
		}
	}
	return nil
}

// xInstrument is one synchronous instrument seen through the x interfaces:
// record through its bound instrument, optionally with extra attributes.
type xInstrument struct {
	name   string
	finish x.Finisher
	// bind binds the instrument to attrs and returns a recorder of v on
	// the bound instrument, passing opts.
	bind func(attrs ...attribute.KeyValue) func(v int64, opts ...attribute.KeyValue)
	// want is what a point holds after recording v once, and twice.
	once, twice float64
	// cumulativeOnly: the delta temporality selector keeps this kind
	// cumulative (UpDownCounters, gauges).
	cumulativeOnly bool
}

// must returns v as a T, or fails the test.
func must[T any](t *testing.T, v any) T {
	t.Helper()
	got, ok := v.(T)
	if !ok {
		var want *T
		t.Fatalf("%T does not implement %T", v, want)
	}
	return got
}

func xInstruments(t *testing.T, m metric.Meter) []xInstrument {
	ctx := context.Background()
	withAttrs := func(kv []attribute.KeyValue) []metric.MeasurementOption {
		if len(kv) == 0 {
			return nil
		}
		return []metric.MeasurementOption{metric.WithAttributes(kv...)}
	}
	addOpts := func(kv []attribute.KeyValue) []metric.AddOption {
		var out []metric.AddOption
		for _, o := range withAttrs(kv) {
			out = append(out, o)
		}
		return out
	}
	recOpts := func(kv []attribute.KeyValue) []metric.RecordOption {
		var out []metric.RecordOption
		for _, o := range withAttrs(kv) {
			out = append(out, o)
		}
		return out
	}
	var out []xInstrument
	add := func(name string, inst any, bind func(attrs ...attribute.KeyValue) func(v int64, opts ...attribute.KeyValue), once, twice float64) {
		f := must[x.Finisher](t, inst)
		cumulativeOnly := once < 0 || once == twice // UpDownCounters record negatives here; gauges once == twice
		out = append(out, xInstrument{name: name, finish: f, bind: bind, once: once, twice: twice, cumulativeOnly: cumulativeOnly})
	}

	ic, _ := m.Int64Counter("int64.counter")
	ib := must[x.Int64CounterBinder](t, ic)
	add("int64.counter", ic, func(a ...attribute.KeyValue) func(int64, ...attribute.KeyValue) {
		b := ib.Bind(a...)
		return func(v int64, kv ...attribute.KeyValue) { b.Add(ctx, v, addOpts(kv)...) }
	}, 3, 6)

	fc, _ := m.Float64Counter("float64.counter")
	fb := must[x.Float64CounterBinder](t, fc)
	add("float64.counter", fc, func(a ...attribute.KeyValue) func(int64, ...attribute.KeyValue) {
		b := fb.Bind(a...)
		return func(v int64, kv ...attribute.KeyValue) { b.Add(ctx, float64(v), addOpts(kv)...) }
	}, 3, 6)

	iu, _ := m.Int64UpDownCounter("int64.updown")
	iub := must[x.Int64UpDownCounterBinder](t, iu)
	add("int64.updown", iu, func(a ...attribute.KeyValue) func(int64, ...attribute.KeyValue) {
		b := iub.Bind(a...)
		return func(v int64, kv ...attribute.KeyValue) { b.Add(ctx, -v, addOpts(kv)...) }
	}, -3, -6)

	fu, _ := m.Float64UpDownCounter("float64.updown")
	fub := must[x.Float64UpDownCounterBinder](t, fu)
	add("float64.updown", fu, func(a ...attribute.KeyValue) func(int64, ...attribute.KeyValue) {
		b := fub.Bind(a...)
		return func(v int64, kv ...attribute.KeyValue) { b.Add(ctx, -float64(v), addOpts(kv)...) }
	}, -3, -6)

	ih, _ := m.Int64Histogram("int64.histogram")
	ihb := must[x.Int64HistogramBinder](t, ih)
	add("int64.histogram", ih, func(a ...attribute.KeyValue) func(int64, ...attribute.KeyValue) {
		b := ihb.Bind(a...)
		return func(v int64, kv ...attribute.KeyValue) { b.Record(ctx, v, recOpts(kv)...) }
	}, 1, 2)

	fh, _ := m.Float64Histogram("float64.histogram")
	fhb := must[x.Float64HistogramBinder](t, fh)
	add("float64.histogram", fh, func(a ...attribute.KeyValue) func(int64, ...attribute.KeyValue) {
		b := fhb.Bind(a...)
		return func(v int64, kv ...attribute.KeyValue) { b.Record(ctx, float64(v), recOpts(kv)...) }
	}, 1, 2)

	ig, _ := m.Int64Gauge("int64.gauge")
	igb := must[x.Int64GaugeBinder](t, ig)
	add("int64.gauge", ig, func(a ...attribute.KeyValue) func(int64, ...attribute.KeyValue) {
		b := igb.Bind(a...)
		return func(v int64, kv ...attribute.KeyValue) { b.Record(ctx, v, recOpts(kv)...) }
	}, 3, 3)

	fg, _ := m.Float64Gauge("float64.gauge")
	fgb := must[x.Float64GaugeBinder](t, fg)
	add("float64.gauge", fg, func(a ...attribute.KeyValue) func(int64, ...attribute.KeyValue) {
		b := fgb.Bind(a...)
		return func(v int64, kv ...attribute.KeyValue) { b.Record(ctx, float64(v), recOpts(kv)...) }
	}, 3, 3)
	return out
}

// Every synchronous instrument implements every x binder and x.Finisher: the
// bound instrument records into its set, merges attributes passed at record
// time, and Finish reports the series once more to every reader, cumulative
// and delta, then releases it; the bound instrument keeps working after.
func TestXBindersAndFinisher(t *testing.T) {
	t.Run("two-readers", func(t *testing.T) {
		cumulative := fastmeter.NewManualReader()
		delta := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(fastmeter.DeltaTemporalitySelector))
		testXBindersAndFinisher(t, cumulative, delta, fastmeter.WithReader(cumulative), fastmeter.WithReader(delta))
	})
	// One reader each: the bound counters' direct cell path (cumulative)
	// and the reclaim protocol alone (delta).
	t.Run("cumulative-only", func(t *testing.T) {
		r := fastmeter.NewManualReader()
		testXBindersAndFinisher(t, r, nil, fastmeter.WithReader(r))
	})
	t.Run("delta-only", func(t *testing.T) {
		r := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(fastmeter.DeltaTemporalitySelector))
		testXBindersAndFinisher(t, nil, r, fastmeter.WithReader(r))
	})
}

func testXBindersAndFinisher(t *testing.T, cumulative, delta *fastmeter.ManualReader, opts ...fastmeter.Option) {
	mp := fastmeter.NewMeterProvider(opts...)
	ctx := context.Background()
	a, b := attribute.String("a", "1"), attribute.Int("b", 2)
	extra := attribute.String("route", "/x")
	for _, in := range xInstruments(t, mp.Meter("x")) {
		t.Run(in.name, func(t *testing.T) {
			// check collects r (skipped when the run has no such reader)
			// and compares the instrument's points with want (nil: absent).
			check := func(r *fastmeter.ManualReader, label string, want map[string]float64) {
				t.Helper()
				if r == nil {
					return
				}
				if got := xPoints(collect(t, r), in.name); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("%s: got %v, want %v", label, got, want)
				}
			}
			rec := in.bind(a, b)
			rec(3)
			rec(3, extra)                         // the bound set plus route
			rec(3, attribute.String("a", "over")) // an option's value wins
			want := map[string]float64{"a=1,b=2": in.once, "a=1,b=2,route=/x": in.once, "a=over,b=2": in.once}
			check(cumulative, "cumulative", want)
			check(delta, "delta", want)

			// Finish, in another order; a measurement before the final
			// collection belongs to the final value.
			in.finish.Finish(ctx, b, a)
			rec(3)
			wantFinal := map[string]float64{"a=1,b=2": in.twice, "a=1,b=2,route=/x": in.once, "a=over,b=2": in.once}
			wantDelta := map[string]float64{"a=1,b=2": in.once}
			if in.cumulativeOnly {
				wantDelta = wantFinal
			}
			check(cumulative, "cumulative final", wantFinal)
			check(delta, "delta final", wantDelta)

			released := map[string]float64{"a=1,b=2,route=/x": in.once, "a=over,b=2": in.once}
			check(cumulative, "cumulative after release", released)
			wantDelta = nil
			if in.cumulativeOnly {
				wantDelta = released
			}
			check(delta, "delta after release", wantDelta)

			// The bound instrument obtained before Finish starts a new series.
			rec(3)
			again := map[string]float64{"a=1,b=2": in.once, "a=1,b=2,route=/x": in.once, "a=over,b=2": in.once}
			check(cumulative, "cumulative new lifetime", again)
			wantDelta = map[string]float64{"a=1,b=2": in.once}
			if in.cumulativeOnly {
				wantDelta = again
			}
			check(delta, "delta new lifetime", wantDelta)
		})
	}
}

// Finish identifies a series by its exact set: a subset, a superset, an
// unknown set and a set in the overflow series are no-ops; no attributes is
// the series recorded without attributes; a repeated key's last value wins.
func TestFinishExactSetOnly(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithCardinalityLimit(3))
	c, _ := mp.Meter("x").Int64Counter("c")
	ctx := context.Background()
	a, b := attribute.String("a", "1"), attribute.String("b", "2")
	c.Add(ctx, 1)
	c.Add(ctx, 1, metric.WithAttributes(a, b))
	c.Add(ctx, 1, metric.WithAttributes(attribute.String("c", "past the limit")))
	all := map[string]float64{"": 1, "a=1,b=2": 1, "otel.metric.overflow=true": 1}
	if got := xPoints(collect(t, r), "c"); fmt.Sprint(got) != fmt.Sprint(all) {
		t.Fatalf("got %v, want %v", got, all)
	}
	f := c.(x.Finisher)
	f.Finish(ctx, a)                                                // a subset
	f.Finish(ctx, a, b, attribute.String("z", "9"))                 // a superset
	f.Finish(ctx, attribute.String("unknown", "set"))               // never recorded
	f.Finish(ctx, attribute.String("c", "past the limit"))          // in the overflow series
	f.Finish(ctx, attribute.String("otel.metric.overflow", "true")) // not the overflow series' set either
	for i := 0; i < 2; i++ {
		if got := xPoints(collect(t, r), "c"); fmt.Sprint(got) != fmt.Sprint(all) {
			t.Fatalf("no-op Finish changed the data: got %v, want %v", got, all)
		}
	}
	f.Finish(ctx)                                   // the empty set's series
	f.Finish(ctx, attribute.String("b", "x"), a, b) // b's last value wins: a=1,b=2
	f.Finish(ctx, attribute.String("b", "x"), a, b) // already finished: a no-op
	if got := xPoints(collect(t, r), "c"); fmt.Sprint(got) != fmt.Sprint(all) {
		t.Fatalf("final collection: got %v, want %v", got, all)
	}
	left := map[string]float64{"otel.metric.overflow=true": 1}
	if got := xPoints(collect(t, r), "c"); fmt.Sprint(got) != fmt.Sprint(left) {
		t.Fatalf("after release: got %v, want %v", got, left)
	}
}

// lifetimeTotals adds up what a reader reports over many collections: for a
// delta reader every point; for a cumulative one the last value of each
// series lifetime (a lifetime is a start time: a finished series that is
// measured again starts anew).
type lifetimeTotals struct {
	delta bool
	total map[string]float64               // delta
	last  map[string]map[time.Time]float64 // cumulative: attrs → start → last value
}

func newLifetimeTotals(delta bool) *lifetimeTotals {
	return &lifetimeTotals{delta: delta, total: map[string]float64{}, last: map[string]map[time.Time]float64{}}
}

func (l *lifetimeTotals) add(rm metricdata.ResourceMetrics) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			visit := func(attrs attribute.Set, start time.Time, v float64) {
				key := m.Name + "|" + attrs.Encoded(attribute.DefaultEncoder())
				if l.delta {
					l.total[key] += v
					return
				}
				if l.last[key] == nil {
					l.last[key] = map[time.Time]float64{}
				}
				l.last[key][start] = v
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					visit(p.Attributes, p.StartTime, float64(p.Value))
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					visit(p.Attributes, p.StartTime, p.Value)
				}
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					visit(p.Attributes, p.StartTime, float64(p.Count))
				}
			}
		}
	}
}

func (l *lifetimeTotals) totals() (out map[string]float64, lifetimes int) {
	if l.delta {
		return l.total, 0
	}
	out = map[string]float64{}
	for key, byStart := range l.last {
		for _, v := range byStart {
			out[key] += v
		}
		lifetimes += len(byStart)
	}
	return out, lifetimes
}

// Finish racing writers (unbound, BindAdder, x-bound, on the same set) and
// collections of several readers loses no update: every update lands in a
// series' final value or in a later lifetime, for delta and cumulative
// streams, on the direct paths and the full ones.
func TestFinishConcurrentExactTotals(t *testing.T) {
	configs := map[string][]fastmeter.Option{
		"one-cumulative-reader": nil, // the direct cell paths
		"one-delta-reader":      nil,
		"three-readers":         nil,
		"exemplars-always-on":   {fastmeter.WithExemplarFilter(exemplar.AlwaysOnFilter)},
		"attribute-filter": {fastmeter.WithView(fastmeter.NewView(fastmeter.Instrument{Name: "*"},
			fastmeter.Stream{AttributeFilter: attribute.NewDenyKeysFilter("dropped")}))},
	}
	for name, opts := range configs {
		t.Run(name, func(t *testing.T) {
			var readers []*fastmeter.ManualReader
			var acc []*lifetimeTotals
			addReader := func(delta bool) {
				var ro []fastmeter.ManualReaderOption
				if delta {
					ro = append(ro, fastmeter.WithTemporalitySelector(fastmeter.DeltaTemporalitySelector))
				}
				r := fastmeter.NewManualReader(ro...)
				readers = append(readers, r)
				acc = append(acc, newLifetimeTotals(delta))
				opts = append(opts, fastmeter.WithReader(r))
			}
			switch name {
			case "one-delta-reader":
				addReader(true)
			case "three-readers":
				addReader(false)
				addReader(true)
				addReader(false)
			default:
				addReader(false)
			}
			mp := fastmeter.NewMeterProvider(opts...)
			m := mp.Meter("race")
			ic, _ := m.Int64Counter("ic")
			fc, _ := m.Float64Counter("fc")
			hist, _ := m.Int64Histogram("h")
			ctx := context.Background()
			hot := []attribute.KeyValue{attribute.String("k", "hot"), attribute.Int("n", 1)}
			if name == "attribute-filter" {
				hot = append(hot, attribute.Bool("dropped", true))
			}
			hotSet := attribute.NewSet(hot...)
			hotOpt := metric.WithAttributeSet(hotSet)
			calm := metric.WithAttributes(attribute.String("k", "calm"))
			boundIC := fastmeter.BindAdder(ic, hotSet)
			boundFC := fastmeter.BindAdder(fc, hotSet)
			boundH := fastmeter.BindRecorder(hist, hotSet)
			xIC := ic.(x.Int64CounterBinder).Bind(hot...)
			xFC := fc.(x.Float64CounterBinder).Bind(hot...)
			xH := hist.(x.Int64HistogramBinder).Bind(hot...)
			const writers, perWriter = 3, 3000

			var mu sync.Mutex // serialises collect + accumulate per reader
			collectAll := func() {
				mu.Lock()
				defer mu.Unlock()
				for i, r := range readers {
					acc[i].add(collect(t, r))
				}
			}
			stop := make(chan struct{})
			var bg sync.WaitGroup
			bg.Add(2)
			go func() { // finisher: the hot set, in shuffled orders
				defer bg.Done()
				rev := []attribute.KeyValue{hot[1], hot[0]}
				rev = append(rev, hot[2:]...)
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					for _, f := range []x.Finisher{ic.(x.Finisher), fc.(x.Finisher), hist.(x.Finisher)} {
						if i%2 == 0 {
							f.Finish(ctx, hot...)
						} else {
							f.Finish(ctx, rev...)
						}
					}
					time.Sleep(50 * time.Microsecond)
				}
			}()
			go func() { // collector
				defer bg.Done()
				for {
					select {
					case <-stop:
						return
					default:
						collectAll()
					}
				}
			}()
			var wg sync.WaitGroup
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < perWriter; i++ {
						ic.Add(ctx, 1, hotOpt)
						boundIC.Add(ctx, 1)
						xIC.Add(ctx, 1)
						ic.Add(ctx, 1, calm)
						fc.Add(ctx, 1, hotOpt)
						boundFC.Add(ctx, 1)
						xFC.Add(ctx, 1)
						hist.Record(ctx, 5, hotOpt)
						boundH.Record(ctx, 5)
						xH.Record(ctx, 5)
					}
				}()
			}
			wg.Wait()
			close(stop)
			bg.Wait()
			collectAll()
			collectAll()

			kept := attribute.NewSet(attribute.String("k", "hot"), attribute.Int("n", 1)) // the filter drops "dropped"
			hotKey := kept.Encoded(attribute.DefaultEncoder())
			n := float64(writers * perWriter)
			want := map[string]float64{
				"ic|" + hotKey: 3 * n, "ic|k=calm": n,
				"fc|" + hotKey: 3 * n,
				"h|" + hotKey:  3 * n,
			}
			for i, a := range acc {
				got, lifetimes := a.totals()
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("reader %d (delta %v): totals %v, want %v", i, a.delta, got, want)
				}
				if !a.delta && lifetimes <= len(want) {
					t.Logf("reader %d: only %d series lifetimes; Finish did not race much", i, lifetimes)
				}
			}
		})
	}
}

// Bind and Finish neither keep nor reorder the caller's slice (the API's
// attribute.NewSet sorts its argument in place).
func TestBindAndFinishLeaveAttrsAlone(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	c, _ := mp.Meter("x").Int64Counter("c")
	attrs := []attribute.KeyValue{attribute.String("z", "1"), attribute.String("a", "2")}
	want := fmt.Sprint(attrs)
	bound := c.(x.Int64CounterBinder).Bind(attrs...)
	if fmt.Sprint(attrs) != want {
		t.Fatalf("Bind changed the slice: %v", attrs)
	}
	attrs[0] = attribute.String("z", "changed") // the caller reuses it
	bound.Add(context.Background(), 1)
	if got := xPoints(collect(t, r), "c"); fmt.Sprint(got) != "map[a=2,z=1:1]" {
		t.Fatalf("bound series %v", got)
	}
	attrs[0] = attribute.String("z", "1")
	c.(x.Finisher).Finish(context.Background(), attrs...)
	if fmt.Sprint(attrs) != want {
		t.Fatalf("Finish changed the slice: %v", attrs)
	}
}

// Finish names a series the way a measurement does: a set with invalid
// UTF-8, whose series is that of its repaired form, finishes that series.
func TestFinishRepairedSet(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	c, _ := mp.Meter("x").Int64Counter("c")
	ctx := context.Background()
	bad := attribute.String("k", "bad\xffvalue")
	c.Add(ctx, 2, metric.WithAttributes(bad))
	if got := xPoints(collect(t, r), "c"); len(got) != 1 {
		t.Fatalf("got %v, want one series", got)
	}
	c.(x.Finisher).Finish(ctx, bad)
	if got := xPoints(collect(t, r), "c"); len(got) != 1 {
		t.Fatalf("final collection: %v, want the series once more", got)
	}
	if got := xPoints(collect(t, r), "c"); len(got) != 0 {
		t.Fatalf("after release: %v, want nothing", got)
	}
}
