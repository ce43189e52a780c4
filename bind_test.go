package fastmeter_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	officialsdk "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/fastmeter/fastmeter"
)

func collect(t testing.TB, r interface {
	Collect(context.Context, *metricdata.ResourceMetrics) error
}) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

func metricNamed(t testing.TB, rm metricdata.ResourceMetrics, name string) metricdata.Metrics {
	t.Helper()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m
			}
		}
	}
	t.Fatalf("no metric %q in %+v", name, rm)
	return metricdata.Metrics{}
}

// A bound handle must produce exactly what the unbound call produces, views
// and all: here an attribute filter and a second, renamed stream.
func TestBindMatchesUnbound(t *testing.T) {
	view := fastmeter.NewView(fastmeter.Instrument{Name: "*"}, fastmeter.Stream{
		AttributeFilter: attribute.NewAllowKeysFilter("route"),
	})
	renamed := fastmeter.NewView(fastmeter.Instrument{Name: "bound.latency"}, fastmeter.Stream{Name: "bound.latency.copy"})
	set := attribute.NewSet(attribute.String("route", "/x"), attribute.Int("user", 7))
	run := func(bind bool) metricdata.ResourceMetrics {
		r := fastmeter.NewManualReader()
		mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithView(view, renamed))
		m := mp.Meter("bind")
		c, _ := m.Int64Counter("bound.count")
		h, _ := m.Float64Histogram("bound.latency")
		g, _ := m.Float64Gauge("bound.level")
		ctx := context.Background()
		if bind {
			bc, bh, bg := fastmeter.BindAdder(c, set), fastmeter.BindRecorder(h, set), fastmeter.BindRecorder(g, set)
			for i := 0; i < 10; i++ {
				bc.Add(ctx, 2)
				bh.Record(ctx, float64(i))
				bg.Record(ctx, float64(i))
			}
		} else {
			opt := metric.WithAttributeSet(set)
			for i := 0; i < 10; i++ {
				c.Add(ctx, 2, opt)
				h.Record(ctx, float64(i), opt)
				g.Record(ctx, float64(i), opt)
			}
		}
		return collect(t, r)
	}
	metricdatatest.AssertEqual(t, run(false), run(true), metricdatatest.IgnoreTimestamp())
	rm := run(true)
	sum := metricNamed(t, rm, "bound.count").Data.(metricdata.Sum[int64])
	if got := sum.DataPoints[0].Attributes; got.Len() != 1 {
		t.Fatalf("filter not applied to the bound series: %v", got.ToSlice())
	}
	metricNamed(t, rm, "bound.latency.copy")
}

// Bound handles on a delta stream race a collector that reclaims idle
// series: every add must be collected exactly once.
func TestBindDeltaReclaimExactTotals(t *testing.T) {
	r := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(fastmeter.DeltaTemporalitySelector))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	c, _ := mp.Meter("bind").Int64Counter("c")
	handles := []*fastmeter.BoundAdder[int64]{
		fastmeter.BindAdder(c, attribute.NewSet(attribute.Int("k", 1))),
		fastmeter.BindAdder(c, attribute.NewSet(attribute.Int("k", 2))),
	}
	const writers, perWriter = 4, 20000
	var total int64
	stop := make(chan struct{})
	done := make(chan struct{})
	collectAll := func() {
		rm := collect(t, r)
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
					total += p.Value
				}
			}
		}
	}
	go func() {
		defer close(done)
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
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				handles[(w+i)%2].Add(context.Background(), 1)
			}
		}(w)
	}
	wg.Wait()
	close(stop)
	<-done
	collectAll()
	if total != writers*perWriter {
		t.Fatalf("collected %d, want exactly %d", total, writers*perWriter)
	}
}

// Bind works on an instrument of another API implementation (here the
// official SDK's) by falling back to Add with a premade option.
func TestBindForeignInstrument(t *testing.T) {
	r := officialsdk.NewManualReader()
	mp := officialsdk.NewMeterProvider(officialsdk.WithReader(r))
	c, _ := mp.Meter("foreign").Float64Counter("c")
	b := fastmeter.BindAdder(c, attribute.NewSet(attribute.String("k", "v")))
	b.Add(context.Background(), 1.5)
	b.Add(context.Background(), 1.5)
	sum := metricNamed(t, collect(t, r), "c").Data.(metricdata.Sum[float64])
	if sum.DataPoints[0].Value != 3 {
		t.Fatalf("got %v, want 3", sum.DataPoints[0].Value)
	}
}

// Binding creates no series: a handle's series appears with its first
// measurement, as an unbound one does, so a handle that never records
// exports nothing and a cumulative bound series starts at its first
// measurement — on the direct cell path (int64 and float64 counters) and
// the per-stream path (histograms) alike.
func TestBindCreatesSeriesOnFirstUse(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	m := mp.Meter("bind")
	ic, _ := m.Int64Counter("int.count")
	fc, _ := m.Float64Counter("float.count")
	h, _ := m.Float64Histogram("latency")
	set := attribute.NewSet(attribute.String("route", "/x"))
	bi, bf, bh := fastmeter.BindAdder(ic, set), fastmeter.BindAdder(fc, set), fastmeter.BindRecorder(h, set)
	if rm := collect(t, r); len(rm.ScopeMetrics) != 0 {
		t.Fatalf("handles that never recorded exported %+v, want nothing", rm.ScopeMetrics)
	}
	first := time.Now()
	ctx := context.Background()
	bi.Add(ctx, 2)
	bf.Add(ctx, 0.5)
	bh.Record(ctx, 3)
	rm := collect(t, r)
	starts := map[string]time.Time{
		"int.count":   metricNamed(t, rm, "int.count").Data.(metricdata.Sum[int64]).DataPoints[0].StartTime,
		"float.count": metricNamed(t, rm, "float.count").Data.(metricdata.Sum[float64]).DataPoints[0].StartTime,
		"latency":     metricNamed(t, rm, "latency").Data.(metricdata.Histogram[float64]).DataPoints[0].StartTime,
	}
	for name, start := range starts {
		if start.Before(first) {
			t.Errorf("%s: start time %v is before the first measurement (%v): the series was created at bind time", name, start, first)
		}
	}
	bi.Add(ctx, 3)
	bf.Add(ctx, 0.25)
	rm = collect(t, r)
	if v := metricNamed(t, rm, "int.count").Data.(metricdata.Sum[int64]).DataPoints[0].Value; v != 5 {
		t.Fatalf("int.count = %d, want 5", v)
	}
	if v := metricNamed(t, rm, "float.count").Data.(metricdata.Sum[float64]).DataPoints[0].Value; v != 0.75 {
		t.Fatalf("float.count = %v, want 0.75", v)
	}
}

func TestBindBadInput(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	c, _ := mp.Meter("bind").Int64Counter("c")
	b := fastmeter.BindAdder(c, *attribute.EmptySet())
	b.Add(context.Background(), -5) // dropped: counters only grow
	b.Add(context.Background(), 3)
	if v := metricNamed(t, collect(t, r), "c").Data.(metricdata.Sum[int64]).DataPoints[0].Value; v != 3 {
		t.Fatalf("got %d, want 3", v)
	}
}

func BenchmarkBind(b *testing.B) {
	ctx := context.Background()
	set := attribute.NewSet(benchAttrs...)
	m, _ := benchMeter()
	c, _ := m.Int64Counter("requests")
	// The unbound cases call Add the way an application does, with a
	// premade option: the 16 B/op they show is the variadic slice the call
	// through the API interface allocates, not fastmeter's.
	b.Run("Unbound", func(b *testing.B) {
		opt := metric.WithAttributeSet(set)
		b.ReportAllocs()
		for b.Loop() {
			c.Add(ctx, 1, opt)
		}
	})
	b.Run("Unbound/Parallel", func(b *testing.B) {
		opt := metric.WithAttributeSet(set)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Add(ctx, 1, opt)
			}
		})
	})
	b.Run("Bound", func(b *testing.B) {
		bc := fastmeter.BindAdder(c, set)
		b.ReportAllocs()
		for b.Loop() {
			bc.Add(ctx, 1)
		}
	})
	b.Run("Bound/Parallel", func(b *testing.B) {
		bc := fastmeter.BindAdder(c, set)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				bc.Add(ctx, 1)
			}
		})
	})
}
