package aggregate

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

var (
	// dupMap repeats key a; the value given last (2) is the one kept.
	dupMap  = attribute.Map("m", attribute.Int("a", 1), attribute.String("z", "q"), attribute.Int("a", 2))
	normMap = attribute.Map("m", attribute.Int("a", 2), attribute.String("z", "q"))
	// dupNested hides duplicates inside a slice of maps and a map in a map.
	dupNested = attribute.Slice("s",
		attribute.IntValue(7),
		attribute.MapValue(attribute.String("k", "x"), attribute.String("k", "y")),
		attribute.MapValue(attribute.Map("in", attribute.Bool("b", false), attribute.Bool("b", true))),
	)
	normNested = attribute.Slice("s",
		attribute.IntValue(7),
		attribute.MapValue(attribute.String("k", "y")),
		attribute.MapValue(attribute.Map("in", attribute.Bool("b", true))),
	)
)

func encoded(s attribute.Set) string { return s.Encoded(attribute.DefaultEncoder()) }

func TestValueLayoutKnown(t *testing.T) {
	if storageOffset == ^uintptr(0) {
		t.Fatal("attribute.Value's layout is not the expected one: map scans now copy (AsMap); update valueLayout")
	}
}

func TestNormalizeSet(t *testing.T) {
	var big, bigNorm []attribute.KeyValue // more than 5 entries: stored in a reflect-made array
	for i := range 8 {
		big = append(big, attribute.Int(fmt.Sprintf("k%d", i%4), i))
		if i >= 4 {
			bigNorm = append(bigNorm, attribute.Int(fmt.Sprintf("k%d", i%4), i))
		}
	}
	for _, tc := range []struct {
		name     string
		in, want []attribute.KeyValue
	}{
		{"map", []attribute.KeyValue{dupMap, attribute.String("r", "/")}, []attribute.KeyValue{normMap, attribute.String("r", "/")}},
		{"all duplicates", []attribute.KeyValue{attribute.Map("m", attribute.Int("a", 1), attribute.Int("a", 2), attribute.Int("a", 3))},
			[]attribute.KeyValue{attribute.Map("m", attribute.Int("a", 3))}},
		{"nested through slices and maps", []attribute.KeyValue{dupNested}, []attribute.KeyValue{normNested}},
		{"single entry with a nested duplicate", []attribute.KeyValue{attribute.Map("m", attribute.Map("n", attribute.Int("a", 1), attribute.Int("a", 0)))},
			[]attribute.KeyValue{attribute.Map("m", attribute.Map("n", attribute.Int("a", 0)))}},
		{"large map", []attribute.KeyValue{attribute.Map("m", big...)}, []attribute.KeyValue{attribute.Map("m", bigNorm...)}},
		{"large slice", []attribute.KeyValue{attribute.Slice("s", attribute.IntValue(1), attribute.IntValue(2), attribute.IntValue(3),
			attribute.IntValue(4), attribute.IntValue(5), dupMap.Value)},
			[]attribute.KeyValue{attribute.Slice("s", attribute.IntValue(1), attribute.IntValue(2), attribute.IntValue(3),
				attribute.IntValue(4), attribute.IntValue(5), normMap.Value)}},
		{"several attributes change", []attribute.KeyValue{attribute.Int("a", 1), dupMap, dupNested}, []attribute.KeyValue{attribute.Int("a", 1), normMap, normNested}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, want := attribute.NewSet(tc.in...), attribute.NewSet(tc.want...)
			got, changed, _ := NormalizeSet(in)
			if !changed || !got.Equals(&want) {
				t.Fatalf("NormalizeSet(%s) = %s, %v; want %s, true", encoded(in), encoded(got), changed, encoded(want))
			}
			if again, changed, _ := NormalizeSet(got); changed || !again.Equals(&got) {
				t.Fatalf("normalising twice changed %s to %s", encoded(got), encoded(again))
			}
			kvs := normalizedKVs(tc.in)
			if s := attribute.NewSet(kvs...); !s.Equals(&want) {
				t.Fatalf("normalizedKVs = %s, want %s", encoded(s), encoded(want))
			}
		})
	}
}

// Sets without duplicate map keys come back as they are, with no allocation,
// whatever values they hold.
func TestNormalizeSetUnchangedAllocatesNothing(t *testing.T) {
	for _, kvs := range [][]attribute.KeyValue{
		nil,
		{attribute.String("r", "/"), attribute.Int("c", 200)},
		{normMap, normNested, attribute.StringSlice("ss", []string{"a", "a"})},
		{attribute.Map("empty"), attribute.Slice("none")},
		{attribute.Map("m", attribute.Int("a", 1), attribute.Int("b", 2), attribute.Int("c", 3), attribute.Int("d", 4),
			attribute.Int("e", 5), attribute.Int("f", 6), attribute.Int("g", 7))},
	} {
		set := attribute.NewSet(kvs...)
		var changed bool
		allocs := testing.AllocsPerRun(100, func() {
			var s attribute.Set
			s, changed, _ = NormalizeSet(set)
			_ = s
			if got := normalizedKVs(kvs); len(got) > 0 && &got[0] != &kvs[0] {
				changed = true
			}
		})
		if changed || allocs != 0 {
			t.Errorf("%s: changed %v, %v allocs; want unchanged, 0", encoded(set), changed, allocs)
		}
	}
}

// Every synchronous stream, cumulative and delta, with and without an
// attribute filter: a set with duplicate map keys is the series of its
// normalised form, and only the normalised set is stored.
func TestDuplicateMapKeysOneSeries(t *testing.T) {
	raw := attribute.NewSet(dupMap, dupNested, attribute.String("r", "/"))
	rawSwapped := attribute.NewSet(attribute.Map("m", attribute.String("z", "q"), attribute.Int("a", 9), attribute.Int("a", 2)), dupNested, attribute.String("r", "/"))
	norm := attribute.NewSet(normMap, normNested, attribute.String("r", "/"))
	dropR := attribute.NewDenyKeysFilter("r")
	normFiltered := attribute.NewSet(normMap, normNested)
	ctx := context.Background()
	for _, temporality := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
		for _, filter := range []attribute.Filter{nil, dropR} {
			want := encoded(norm)
			if filter != nil {
				want = encoded(normFiltered)
			}
			cfg := Config{Temporality: temporality, Filter: filter}
			name := fmt.Sprintf("%v/filter=%v", temporality, filter != nil)
			streams := map[string]Stream[int64]{
				"sum":         NewSum[int64](cfg, true),
				"histogram":   NewHistogram[int64](cfg, []float64{1, 10}, false, false),
				"lastvalue":   NewLastValue[int64](cfg),
				"exponential": NewExponentialHistogram[int64](cfg, ExponentialConfig{MaxSize: 160, MaxScale: 20}),
			}
			for kind, s := range streams {
				t.Run(name+"/"+kind, func(t *testing.T) {
					for range 3 {
						s.Measure(ctx, 1, &raw)
						s.Measure(ctx, 1, &rawSwapped)
						s.Measure(ctx, 1, &norm)
						s.(Binder[int64]).Bind(&raw).MeasureBound(ctx, 1)
					}
					var agg metricdata.Aggregation
					if n := s.Collect(&agg); n != 1 {
						t.Fatalf("%d points, want 1: %+v", n, agg)
					}
					var got string
					var count uint64
					switch a := agg.(type) {
					case metricdata.Sum[int64]:
						got, count = encoded(a.DataPoints[0].Attributes), uint64(a.DataPoints[0].Value)
					case metricdata.Histogram[int64]:
						got, count = encoded(a.DataPoints[0].Attributes), a.DataPoints[0].Count
					case metricdata.Gauge[int64]:
						got, count = encoded(a.DataPoints[0].Attributes), 12
					case metricdata.ExponentialHistogram[int64]:
						got, count = encoded(a.DataPoints[0].Attributes), a.DataPoints[0].Count
					}
					if got != want || count != 12 {
						t.Fatalf("point %s with %d measurements, want %s with 12", got, count, want)
					}
				})
			}
		}
	}
}

// The table stores only normalised sets; the cardinality limit counts
// normalised sets; a reclaiming table returns the series entered and a
// writer's leave balances it.
func TestDuplicateMapKeysTable(t *testing.T) {
	raw := attribute.NewSet(dupMap)
	norm := attribute.NewSet(normMap)
	other := attribute.NewSet(attribute.Int("o", 1))
	for _, reclaim := range []bool{false, true} {
		t.Run(fmt.Sprintf("reclaim=%v", reclaim), func(t *testing.T) {
			cfg := Config{CardinalityLimit: 2, Now: func() time.Time { return time.Unix(0, 0) }} // one series + overflow
			if reclaim {
				cfg.Temporality = metricdata.DeltaTemporality
			}
			tab := newSeriesTable[int](&cfg, nil)
			a := tab.acquire(&raw)
			if !a.attrs.Equals(&norm) {
				t.Fatalf("series of %s has attributes %s, want %s", encoded(raw), encoded(a.attrs), encoded(norm))
			}
			tab.release(a)
			if b := tab.acquire(&norm); b != a {
				t.Fatal("the normalised set got another series")
			} else {
				tab.release(b)
			}
			if c := tab.acquire(&raw); c != a { // the lock-free re-probe
				t.Fatal("the raw set got another series on its second use")
			} else {
				tab.release(c)
			}
			if s := tab.lookup(&raw); s != nil {
				t.Fatal("the raw set is stored in the table")
			}
			if o := tab.acquire(&other); o != tab.overflow.Load() {
				t.Fatal("a second distinct set did not overflow a limit of 2: the raw set used a slot")
			} else {
				tab.release(o)
			}
			if tab.live != 1 {
				t.Fatalf("%d live series, want 1", tab.live)
			}
			if reclaim {
				if acq, done := a.acquired.Load(), a.done.Load(); acq != 3 || done != 3 {
					t.Fatalf("enter/leave %d/%d, want 3/3", acq, done)
				}
				// Retire it, as a collector would after an idle interval;
				// the raw set then gets a fresh, entered series.
				a.observe(true, 1)
				if !a.observe(true, 1).retired {
					t.Fatal("series not retired")
				}
				f := tab.acquire(&raw)
				if f == a || f.dead() || !f.attrs.Equals(&norm) || f.acquired.Load() != 1 {
					t.Fatalf("after retirement got %p (old %p) dead=%v acquired=%d", f, a, f.dead(), f.acquired.Load())
				}
				tab.release(f)
			}
		})
	}
}

// Observable streams: observations of a set with duplicate map keys and of
// its normalised form are one point; the cardinality limit counts it once.
func TestDuplicateMapKeysPrecomputed(t *testing.T) {
	raw := attribute.NewSet(dupMap, dupNested)
	norm := attribute.NewSet(normMap, normNested)
	for _, temporality := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
		cfg := Config{Temporality: temporality, CardinalityLimit: 2}
		sum := NewPrecomputedSum[int64](cfg, true)
		gauge := NewPrecomputedLastValue[int64](cfg)
		for cycle := int64(1); cycle <= 2; cycle++ {
			sum.Measure(context.Background(), cycle, &raw)
			sum.Measure(context.Background(), 10*cycle, &norm)
			gauge.Measure(context.Background(), 10*cycle, &norm)
			gauge.Measure(context.Background(), cycle, &raw)
			want := map[string]int64{encoded(norm): 11 * cycle}
			if temporality == metricdata.DeltaTemporality && cycle == 2 {
				want[encoded(norm)] = 11
			}
			if got := sumPoints(t, sum); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%v cycle %d: sum %v, want %v", temporality, cycle, got, want)
			}
			var agg metricdata.Aggregation
			gauge.Collect(&agg)
			pts := agg.(metricdata.Gauge[int64]).DataPoints
			if len(pts) != 1 || pts[0].Value != cycle || !pts[0].Attributes.Equals(&norm) {
				t.Fatalf("%v cycle %d: gauge %+v, want one point %d at %s", temporality, cycle, pts, cycle, encoded(norm))
			}
		}
	}
}

// An exemplar's filtered attributes are normalised too, and its reservoir
// is made for the normalised set.
func TestDuplicateMapKeysExemplars(t *testing.T) {
	var reservoirFor []string
	cfg := cumulativeConfig()
	cfg.Filter = attribute.NewAllowKeysFilter("r")
	cfg.Exemplars = &ExemplarConfig{
		Filter: exemplar.AlwaysOnFilter,
		Provider: func(s attribute.Set) exemplar.Reservoir {
			reservoirFor = append(reservoirFor, encoded(s))
			return exemplar.NewFixedSizeReservoir(1)
		},
	}
	s := NewSum[int64](cfg, true)
	set := attribute.NewSet(attribute.Map("r", attribute.Int("a", 1), attribute.Int("a", 2)), dupMap)
	s.Measure(context.Background(), 1, &set)
	var agg metricdata.Aggregation
	s.Collect(&agg)
	p := agg.(metricdata.Sum[int64]).DataPoints[0]
	wantPoint := attribute.NewSet(attribute.Map("r", attribute.Int("a", 2)))
	if !p.Attributes.Equals(&wantPoint) || fmt.Sprint(reservoirFor) != fmt.Sprint([]string{encoded(wantPoint)}) {
		t.Fatalf("point %s, reservoirs for %v; want %s", encoded(p.Attributes), reservoirFor, encoded(wantPoint))
	}
	if len(p.Exemplars) != 1 {
		t.Fatalf("%d exemplars, want 1", len(p.Exemplars))
	}
	if got, want := attribute.NewSet(p.Exemplars[0].FilteredAttributes...), attribute.NewSet(normMap); !got.Equals(&want) {
		t.Fatalf("filtered attributes %s, want %s", encoded(got), encoded(want))
	}
}
