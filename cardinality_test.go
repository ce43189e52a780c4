package fastmeter_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

func pointsOf(t testing.TB, rm metricdata.ResourceMetrics, name string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
				out[p.Attributes.Encoded(attribute.DefaultEncoder())] += p.Value
			}
		}
	}
	return out
}

// The specification's precedence: view limit, then reader limit, then the
// provider's.
func TestCardinalityLimitPrecedence(t *testing.T) {
	r := fastmeter.NewManualReader(fastmeter.WithCardinalityLimitSelector(func(k fastmeter.InstrumentKind) (int, bool) {
		if k == fastmeter.InstrumentKindCounter {
			return 3, false
		}
		return 0, true
	}))
	mp := fastmeter.NewMeterProvider(
		fastmeter.WithReader(r),
		fastmeter.WithCardinalityLimit(5),
		fastmeter.WithViewCardinalityLimit(2, fastmeter.NewView(fastmeter.Instrument{Name: "by.view"}, fastmeter.Stream{})),
	)
	m := mp.Meter("limits")
	byView, _ := m.Int64Counter("by.view")
	byReader, _ := m.Int64Counter("by.reader")
	byProvider, _ := m.Int64UpDownCounter("by.provider")
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		opt := metric.WithAttributes(attribute.Int("i", i))
		byView.Add(ctx, 1, opt)
		byReader.Add(ctx, 1, opt)
		byProvider.Add(ctx, 1, opt)
	}
	rm := collect(t, r)
	for name, wantSeries := range map[string]int{"by.view": 2, "by.reader": 3, "by.provider": 5} {
		got := pointsOf(t, rm, name)
		var total int64
		for _, v := range got {
			total += v
		}
		if len(got) != wantSeries || total != 10 || got["otel.metric.overflow=true"] != int64(10-(wantSeries-1)) {
			t.Errorf("%s: %d series %v (total %d), want %d series with the overflow series holding %d", name, len(got), got, total, wantSeries, 10-(wantSeries-1))
		}
	}
}

// Overflow under 8 concurrent writers keeps exact totals.
func TestOverflowExactTotalsUnderWriters(t *testing.T) {
	for _, temporality := range []fastmeter.TemporalitySelector{fastmeter.CumulativeTemporalitySelector, fastmeter.DeltaTemporalitySelector} {
		r := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(temporality))
		mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithCardinalityLimit(10))
		c, _ := mp.Meter("overflow").Int64Counter("c")
		const writers, perWriter = 8, 5000
		var total int64
		sum := func() {
			for _, v := range pointsOf(t, collect(t, r), "c") {
				total += v
			}
		}
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < perWriter; i++ {
					c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("k", (w*perWriter+i)%100)))
				}
			}(w)
		}
		if temporality(fastmeter.InstrumentKindCounter) == metricdata.DeltaTemporality {
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
		loop:
			for {
				select {
				case <-done:
					break loop
				default:
					sum()
				}
			}
			sum()
		} else {
			wg.Wait()
			sum()
		}
		if total != writers*perWriter {
			t.Fatalf("collected %d, want exactly %d", total, writers*perWriter)
		}
	}
}

// A cardinality attack — many distinct attribute sets — stays within the
// limit's memory.
func TestCardinalityAttackBoundedMemory(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r)) // default limit 2000
	c, _ := mp.Meter("attack").Int64Counter("c")
	ctx := context.Background()
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for i := 0; i < 5000; i++ { // fill the table up to the limit
		c.Add(ctx, 1, metric.WithAttributes(attribute.Int("id", i)))
	}
	before := heap()
	const attack = 200_000
	for i := 5000; i < 5000+attack; i++ {
		c.Add(ctx, 1, metric.WithAttributes(attribute.Int("id", i)))
	}
	grown := int64(heap()) - int64(before)
	if grown > 1<<20 {
		t.Fatalf("heap grew by %d bytes over %d new attribute sets past the limit; want bounded", grown, attack)
	}
	got := pointsOf(t, collect(t, r), "c")
	if len(got) != 2000 || got["otel.metric.overflow=true"] != int64(5000+attack-1999) {
		t.Fatalf("%d series, overflow %d", len(got), got["otel.metric.overflow=true"])
	}
}

// With WithForgetIdleSeries, a cumulative series idle for N collections is
// removed; if it comes back it starts over with a new start time.
func TestForgetIdleCumulativeSeries(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithForgetIdleSeries(2))
	c, _ := mp.Meter("forget").Int64Counter("c")
	ctx := context.Background()
	active := metric.WithAttributes(attribute.String("s", "active"))
	idle := metric.WithAttributes(attribute.String("s", "idle"))
	c.Add(ctx, 5, idle)
	c.Add(ctx, 1, active)
	first := collect(t, r)
	var start0 metricdata.DataPoint[int64]
	for _, p := range metricNamed(t, first, "c").Data.(metricdata.Sum[int64]).DataPoints {
		if v, _ := p.Attributes.Value("s"); v.AsString() == "idle" {
			start0 = p
		}
	}
	for i := 0; i < 3; i++ {
		c.Add(ctx, 1, active)
		collect(t, r)
	}
	got := pointsOf(t, collect(t, r), "c")
	if _, ok := got["s=idle"]; ok || got["s=active"] != 4 {
		t.Fatalf("after idle collections: %v, want only s=active=4", got)
	}
	c.Add(ctx, 2, idle)
	rm := collect(t, r)
	for _, p := range metricNamed(t, rm, "c").Data.(metricdata.Sum[int64]).DataPoints {
		if v, _ := p.Attributes.Value("s"); v.AsString() == "idle" {
			if p.Value != 2 || !p.StartTime.After(start0.StartTime) {
				t.Fatalf("returning series: value %d start %v, want 2 with a start after %v", p.Value, p.StartTime, start0.StartTime)
			}
			return
		}
	}
	t.Fatal("the returning series was not reported")
}

func attrsInt(k string, v int) metric.MeasurementOption {
	return metric.WithAttributes(attribute.Int(k, v))
}

// Delta streams: a series holds its cardinality slot until it has been idle
// for a whole interval, then the slot is free for new sets.
func TestDeltaCardinalitySlotsFreeAfterAnIdleInterval(t *testing.T) {
	r := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(fastmeter.DeltaTemporalitySelector))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithCardinalityLimit(3))
	c, _ := mp.Meter("delta").Int64Counter("c")
	ctx := context.Background()
	round := func(first int) map[string]int64 {
		for i := first; i < first+4; i++ {
			c.Add(ctx, 1, attrsInt("i", i))
		}
		return pointsOf(t, collect(t, r), "c")
	}
	if got := round(0); len(got) != 3 || got["otel.metric.overflow=true"] != 2 {
		t.Fatalf("round 1: %v, want 2 sets + overflow 2", got)
	}
	// Round 1's sets were active in the last interval: they still hold
	// their slots, so the new sets overflow.
	if got := round(10); got["otel.metric.overflow=true"] != 4 {
		t.Fatalf("round 2: %v, want every new set in the overflow series", got)
	}
	// Round 1's sets were idle for a whole interval: reclaimed, slots free.
	if got := round(20); len(got) != 3 || got["otel.metric.overflow=true"] != 2 {
		t.Fatalf("round 3: %v, want 2 new sets admitted + overflow 2", got)
	}
}

// The specification: a view that cannot be applied without a semantic error
// (LastValue on a Counter) is reported and the SDK proceeds as if it did not
// exist, so the data still arrives with the default aggregation.
func TestIncompatibleViewAggregationKeepsData(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithView(
		fastmeter.NewView(fastmeter.Instrument{Name: "c"}, fastmeter.Stream{Aggregation: fastmeter.AggregationLastValue{}})))
	c, err := mp.Meter("compat").Int64Counter("c")
	if err == nil || !strings.Contains(err.Error(), "not compatible") {
		t.Fatalf("err = %v, want an incompatibility error", err)
	}
	c.Add(context.Background(), 2)
	c.Add(context.Background(), 3)
	if got := pointsOf(t, collect(t, r), "c"); got[""] != 5 {
		t.Fatalf("got %v, want the default Sum of 5", got)
	}
}
