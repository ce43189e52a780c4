package aggregate

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"
)

var (
	resTraceID = trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	resSpanID  = trace.SpanID{8, 7, 6, 5, 4, 3, 2, 1}
)

func sampledCtx() context.Context {
	return trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: resTraceID, SpanID: resSpanID, TraceFlags: trace.FlagsSampled,
	}))
}

func defaultConfig(d DefaultReservoir, delta bool) *ExemplarConfig {
	return &ExemplarConfig{Filter: exemplar.AlwaysOnFilter, Default: &d, Delta: delta}
}

func exemplarValues[N Number](ex []metricdata.Exemplar[N]) []N {
	var out []N
	for _, e := range ex {
		out = append(out, e.Value)
	}
	return out
}

// k offers fill the k slots of a fixed-size reservoir, each exemplar
// carrying its value, time, span and the dropped attributes.
func TestFixedReservoirFillsEverySlot(t *testing.T) {
	cfg := defaultConfig(DefaultReservoir{Size: 4}, false)
	var c exemplarCell[float64]
	set := attribute.NewSet()
	dropped := []attribute.KeyValue{attribute.String("user", "ann")}
	before := time.Now()
	for i := range 4 {
		c.offer(sampledCtx(), cfg, float64(i), &set, dropped)
	}
	after := time.Now()
	var ex []metricdata.Exemplar[float64]
	c.collect(cfg, &ex)
	if got := exemplarValues(ex); !slices.Equal(got, []float64{0, 1, 2, 3}) {
		t.Fatalf("exemplars %v, want the four offers", got)
	}
	for _, e := range ex {
		if e.Time.Before(before) || e.Time.After(after) {
			t.Errorf("exemplar time %v outside [%v, %v]", e.Time, before, after)
		}
		if trace.TraceID(e.TraceID) != resTraceID || trace.SpanID(e.SpanID) != resSpanID {
			t.Errorf("trace %x span %x", e.TraceID, e.SpanID)
		}
		if !slices.Equal(e.FilteredAttributes, dropped) {
			t.Errorf("filtered attributes %v, want %v", e.FilteredAttributes, dropped)
		}
	}
	// Without a span the IDs are empty.
	cfg = defaultConfig(DefaultReservoir{Size: 1}, false)
	var c2 exemplarCell[float64]
	c2.offer(context.Background(), cfg, 1, &set, nil)
	c2.collect(cfg, &ex)
	if len(ex) != 1 || len(ex[0].TraceID) != 0 || len(ex[0].SpanID) != 0 {
		t.Fatalf("exemplars %+v, want one without trace and span IDs", ex)
	}
}

// An aligned reservoir keeps at most one exemplar per bucket, and a bucket's
// exemplar is one of that bucket's measurements, whether the histogram
// passes the bucket or the reservoir finds it.
func TestAlignedReservoirKeepsTheBucketsMeasurement(t *testing.T) {
	bounds := []float64{10, 20}
	for _, passBucket := range []bool{true, false} {
		cfg := defaultConfig(DefaultReservoir{Aligned: true, Bounds: bounds}, true)
		var c exemplarCell[int64]
		set := attribute.NewSet()
		var ex []metricdata.Exemplar[int64]
		for cycle := range 200 {
			for v := int64(0); v < 30; v++ {
				if (v+int64(cycle))%3 == 0 {
					continue // vary which measurements each cycle sees
				}
				if passBucket {
					c.offerBucket(context.Background(), cfg, v, bucketIndex(bounds, float64(v)), &set, nil)
				} else {
					c.offer(context.Background(), cfg, v, &set, nil)
				}
			}
			c.collect(cfg, &ex)
			if len(ex) != 3 {
				t.Fatalf("%d exemplars, want one per bucket (3)", len(ex))
			}
			for i, e := range ex {
				if b := bucketIndex(bounds, float64(e.Value)); b != i {
					t.Fatalf("exemplar %d (value %d) is from bucket %d", i, e.Value, b)
				}
			}
		}
	}
}

// Sampling is uniform over the cycle's offers: over many cycles, each of n
// offers is held k/n of the time. The bound, ±25% of the expectation, is
// more than 17 standard deviations, so the test cannot flake, while a
// reservoir that favours the first or the last offers fails it by far.
func TestReservoirSamplingIsUniform(t *testing.T) {
	const cycles = 20000
	cases := []struct {
		name string
		d    DefaultReservoir
		n    int // offers per cycle, all into one bucket for aligned
		k    int // exemplars held per cycle
	}{
		{"FixedSize2of10", DefaultReservoir{Size: 2}, 10, 2},
		{"FixedSize5of20", DefaultReservoir{Size: 5}, 20, 5},
		{"AlignedBucket1of5", DefaultReservoir{Aligned: true, Bounds: []float64{100}}, 5, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, delta := range []bool{true, false} {
				cfg := defaultConfig(tc.d, delta)
				var c exemplarCell[int64]
				set := attribute.NewSet()
				held := make([]int, tc.n)
				var ex []metricdata.Exemplar[int64]
				for range cycles {
					for v := range tc.n {
						c.offer(context.Background(), cfg, int64(v), &set, nil)
					}
					// n ≥ k offers overwrite every slot, so a cumulative
					// stream's exemplars are this cycle's too.
					c.collect(cfg, &ex)
					if len(ex) != tc.k {
						t.Fatalf("%d exemplars, want %d", len(ex), tc.k)
					}
					for _, e := range ex {
						held[e.Value]++
					}
				}
				want := float64(cycles) * float64(tc.k) / float64(tc.n)
				for v, got := range held {
					if float64(got) < 0.75*want || float64(got) > 1.25*want {
						t.Errorf("delta=%v: offer %d held %d times in %d cycles, want ≈ %.0f", delta, v, got, cycles, want)
					}
				}
			}
		})
	}
}

// A cumulative stream keeps reporting held exemplars while nothing new is
// offered; new offers replace them, the new cycle's first offers first.
func TestCumulativeReservoirPersists(t *testing.T) {
	set := attribute.NewSet()
	ctx := context.Background()
	var ex []metricdata.Exemplar[float64]

	fixed := defaultConfig(DefaultReservoir{Size: 2}, false)
	var c exemplarCell[float64]
	c.offer(ctx, fixed, 1, &set, nil)
	c.offer(ctx, fixed, 2, &set, nil)
	for range 3 {
		c.collect(fixed, &ex)
		if got := exemplarValues(ex); !slices.Equal(got, []float64{1, 2}) {
			t.Fatalf("fixed: exemplars %v, want [1 2] again", got)
		}
	}
	c.offer(ctx, fixed, 3, &set, nil)
	c.collect(fixed, &ex)
	if got := exemplarValues(ex); !slices.Equal(got, []float64{3, 2}) {
		t.Fatalf("fixed: exemplars %v, want the new offer in the first slot: [3 2]", got)
	}

	aligned := defaultConfig(DefaultReservoir{Aligned: true, Bounds: []float64{10}}, false)
	var h exemplarCell[float64]
	h.offer(ctx, aligned, 5, &set, nil)
	h.collect(aligned, &ex)
	h.offer(ctx, aligned, 50, &set, nil)
	h.collect(aligned, &ex)
	if got := exemplarValues(ex); !slices.Equal(got, []float64{5, 50}) {
		t.Fatalf("aligned: exemplars %v, want the quiet bucket's old one and the new one", got)
	}
	h.collect(aligned, &ex)
	if got := exemplarValues(ex); !slices.Equal(got, []float64{5, 50}) {
		t.Fatalf("aligned: exemplars %v, want both kept", got)
	}
}

// A delta stream's reservoir starts every interval empty.
func TestDeltaReservoirResets(t *testing.T) {
	set := attribute.NewSet()
	ctx := context.Background()
	for _, d := range []DefaultReservoir{{Size: 3}, {Aligned: true, Bounds: []float64{10, 20}}} {
		cfg := defaultConfig(d, true)
		var c exemplarCell[float64]
		var ex []metricdata.Exemplar[float64]
		c.offer(ctx, cfg, 1, &set, nil)
		c.offer(ctx, cfg, 15, &set, nil)
		c.collect(cfg, &ex)
		if len(ex) != 2 {
			t.Fatalf("%+v: %d exemplars, want 2", d, len(ex))
		}
		c.collect(cfg, &ex)
		if len(ex) != 0 {
			t.Fatalf("%+v: %d exemplars in an interval without offers, want 0", d, len(ex))
		}
		c.offer(ctx, cfg, 25, &set, nil)
		c.collect(cfg, &ex)
		if got := exemplarValues(ex); !slices.Equal(got, []float64{25}) {
			t.Fatalf("%+v: exemplars %v, want only this interval's [25]", d, got)
		}
	}
}

// After a series' first offer, offering and collecting (into reused
// storage) allocate nothing; a rejecting filter never creates a reservoir.
func TestDefaultReservoirAllocations(t *testing.T) {
	set := attribute.NewSet()
	ctx := sampledCtx()
	for _, delta := range []bool{false, true} {
		for _, d := range []DefaultReservoir{{Size: 2}, {Aligned: true, Bounds: []float64{10, 20}}} {
			cfg := defaultConfig(d, delta)
			var c exemplarCell[float64]
			var ex []metricdata.Exemplar[float64]
			c.offer(ctx, cfg, 1, &set, nil)
			c.offer(ctx, cfg, 15, &set, nil)
			c.collect(cfg, &ex)
			v := 0.0
			if n := testing.AllocsPerRun(100, func() {
				v++
				c.offer(ctx, cfg, v, &set, nil)
				c.offer(ctx, cfg, v+15, &set, nil)
				c.collect(cfg, &ex)
			}); n != 0 {
				t.Errorf("%+v delta=%v: %v allocations per offer+collect, want 0", d, delta, n)
			}
		}
	}

	cfg := cumulativeConfig()
	cfg.Exemplars = &ExemplarConfig{Filter: func(context.Context) bool { return false }, Default: &DefaultReservoir{Aligned: true, Bounds: []float64{1}}}
	h := NewHistogram[float64](cfg, []float64{1}, false, false).(*histogram[float64])
	for range 10 {
		h.Measure(ctx, 0.5, &set)
	}
	var agg metricdata.Aggregation
	h.Collect(&agg)
	h.table.each(func(se *series[histogramCell[float64]]) {
		if se.cell.ex.box.Load() != nil {
			t.Fatal("a series holds a reservoir although the filter rejected everything")
		}
	})
}

// A histogram stream with the default aligned reservoir reports one
// exemplar per used bucket, each from its bucket.
func TestHistogramStreamDefaultReservoir(t *testing.T) {
	bounds := []float64{0, 5, 10}
	for _, temporality := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
		cfg := Config{Temporality: temporality}
		cfg.Exemplars = defaultConfig(DefaultReservoir{Aligned: true, Bounds: bounds}, temporality == metricdata.DeltaTemporality)
		h := NewHistogram[float64](cfg, bounds, false, false)
		set := attribute.NewSet(attribute.String("k", "v"))
		for i := range 100 {
			h.Measure(context.Background(), float64(i%8), &set) // buckets 0..2 used, 3 not
		}
		var agg metricdata.Aggregation
		h.Collect(&agg)
		p := agg.(metricdata.Histogram[float64]).DataPoints[0]
		if len(p.Exemplars) != 3 {
			t.Fatalf("%v: %d exemplars, want 3", temporality, len(p.Exemplars))
		}
		for _, e := range p.Exemplars {
			if b := bucketIndex(bounds, e.Value); p.BucketCounts[b] == 0 {
				t.Errorf("%v: exemplar %v in empty bucket %d", temporality, e.Value, b)
			}
		}
	}
}

// Concurrent offers and collections (run with -race): every collection sees
// at most one exemplar per bucket (fixed: at most k), each a value that was
// offered, from its own bucket.
func TestDefaultReservoirConcurrent(t *testing.T) {
	bounds := []float64{10, 20, 30}
	for _, delta := range []bool{false, true} {
		for _, d := range []DefaultReservoir{{Size: 3}, {Aligned: true, Bounds: bounds}} {
			cfg := defaultConfig(d, delta)
			var c exemplarCell[int64]
			set := attribute.NewSet()
			dropped := []attribute.KeyValue{attribute.Int("w", 1)}
			var wg sync.WaitGroup
			var running atomic.Int32
			for w := range 3 {
				wg.Add(1)
				running.Add(1)
				go func() {
					defer wg.Done()
					defer running.Add(-1)
					ctx := sampledCtx()
					for i := range 20000 {
						c.offer(ctx, cfg, int64((i*7+w)%40), &set, dropped)
					}
				}()
			}
			var ex []metricdata.Exemplar[int64]
			total := 0
			check := func() {
				c.collect(cfg, &ex)
				total += len(ex)
				if d.Aligned && len(ex) > len(bounds)+1 || !d.Aligned && len(ex) > d.Size {
					t.Fatalf("%+v: %d exemplars", d, len(ex))
				}
				prev := -1
				for _, e := range ex {
					if e.Value < 0 || e.Value >= 40 || trace.TraceID(e.TraceID) != resTraceID || len(e.FilteredAttributes) != 1 {
						t.Fatalf("%+v: bad exemplar %+v", d, e)
					}
					if d.Aligned {
						b := bucketIndex(bounds, float64(e.Value))
						if b <= prev {
							t.Fatalf("%+v: two exemplars from bucket %d, or out of order", d, b)
						}
						prev = b
					}
				}
			}
			for running.Load() > 0 {
				check()
				runtime.Gosched()
			}
			wg.Wait()
			check() // whatever the last offers left
			if total == 0 {
				t.Fatalf("%+v: no exemplar collected", d)
			}
		}
	}
}
