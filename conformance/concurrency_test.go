package conformance

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestDeltaStress (issue 2 "Proof"): 8 goroutines add known amounts to a
// counter and record known values into a histogram, over a few attribute
// sets, while another goroutine collects with delta temporality in a loop.
// The sum of all collected deltas must equal exactly what was added: nothing
// lost, nothing counted twice. Run with -race.
func TestDeltaStress(t *testing.T) {
	const (
		writers   = 8
		opsEach   = 2000
		setsCount = 3
	)
	sets := make([]attribute.Set, setsCount)
	for i := range sets {
		sets[i] = attribute.NewSet(attribute.Int("set", i))
	}
	forEachSDK(t, func(t *testing.T, s sdk) {
		h := s.manual(t, providerConfig{readers: []readerConfig{{temporality: allDelta}}})
		meter := h.provider.Meter("stress")
		counter, _ := meter.Int64Counter("counter")
		fcounter, _ := meter.Float64Counter("fcounter")
		hist, _ := meter.Int64Histogram("hist")

		var (
			counted    int64   // sum of collected counter deltas
			fcounted   float64 // sum of collected float counter deltas
			histCount  uint64  // sum of collected histogram counts
			histSum    int64   // sum of collected histogram sums
			collectErr error
		)
		accumulate := func(rm metricdata.ResourceMetrics) {
			for _, m := range flatten(rm) {
				switch d := m.Data.(type) {
				case metricdata.Sum[int64]:
					for _, p := range d.DataPoints {
						counted += p.Value
					}
				case metricdata.Sum[float64]:
					for _, p := range d.DataPoints {
						fcounted += p.Value
					}
				case metricdata.Histogram[int64]:
					for _, p := range d.DataPoints {
						histCount += p.Count
						histSum += p.Sum
					}
				}
			}
		}

		var done atomic.Bool
		var collector sync.WaitGroup
		collector.Go(func() {
			for !done.Load() {
				var rm metricdata.ResourceMetrics
				if err := h.collect[0](context.Background(), &rm); err != nil {
					collectErr = err
					return
				}
				accumulate(rm)
			}
		})

		var writersWG sync.WaitGroup
		for w := range writers {
			writersWG.Go(func() {
				ctx := context.Background()
				for i := range opsEach {
					opt := metric.WithAttributeSet(sets[(w+i)%setsCount])
					v := int64(i%7 + 1)
					counter.Add(ctx, v, opt)
					fcounter.Add(ctx, 0.5, opt) // exact in binary
					hist.Record(ctx, v, opt)
				}
			})
		}
		writersWG.Wait()
		done.Store(true)
		collector.Wait()
		if collectErr != nil {
			t.Fatal(collectErr)
		}
		// A last collection picks up whatever the loop had not seen yet.
		accumulate(h.collectReader(t, 0))

		var wantSum int64
		for i := range opsEach {
			wantSum += int64(i%7 + 1)
		}
		wantSum *= writers
		const wantOps = writers * opsEach
		if counted != wantSum {
			t.Errorf("sum of counter deltas = %d, want %d", counted, wantSum)
		}
		if fcounted != 0.5*wantOps {
			t.Errorf("sum of float counter deltas = %v, want %v", fcounted, 0.5*wantOps)
		}
		if histCount != wantOps || histSum != wantSum {
			t.Errorf("histogram deltas: count %d sum %d, want count %d sum %d", histCount, histSum, wantOps, wantSum)
		}
	})
}

// TestCollectReusesResourceMetrics: Collect into a ResourceMetrics that
// already holds a previous, larger result leaves exactly the new result
// (the official SDK reuses the caller's slices; stale entries must not leak).
func TestCollectReusesResourceMetrics(t *testing.T) {
	ctx := context.Background()
	forEachSDK(t, func(t *testing.T, s sdk) {
		h := s.manual(t, providerConfig{readers: []readerConfig{{temporality: allDelta}}})
		m1, m2 := h.provider.Meter("one"), h.provider.Meter("two")
		a, _ := m1.Int64Counter("a")
		b, _ := m1.Int64Counter("b")
		c, _ := m2.Int64Counter("c")
		a.Add(ctx, 1, metric.WithAttributes(attribute.String("x", "1")))
		a.Add(ctx, 1, metric.WithAttributes(attribute.String("x", "2")))
		b.Add(ctx, 1)
		c.Add(ctx, 1)

		var rm metricdata.ResourceMetrics
		if err := h.collect[0](ctx, &rm); err != nil {
			t.Fatal(err)
		}
		if n := len(flatten(rm)); n != 3 {
			t.Fatalf("first collection: %d metrics, want 3", n)
		}
		a.Add(ctx, 5, metric.WithAttributes(attribute.String("x", "2")))
		if err := h.collect[0](ctx, &rm); err != nil {
			t.Fatal(err)
		}
		want := int64Sum("a", metricdata.DeltaTemporality, true, int64Point(5, attribute.String("x", "2")))
		if len(rm.ScopeMetrics) != 1 || len(rm.ScopeMetrics[0].Metrics) != 1 {
			t.Fatalf("second collection into the reused value: %+v, want only %+v", rm.ScopeMetrics, want)
		}
		if rm.ScopeMetrics[0].Scope.Name != "one" {
			t.Errorf("scope = %+v, want one", rm.ScopeMetrics[0].Scope)
		}
		assertMetric(t, want, rm.ScopeMetrics[0].Metrics[0])

		// And an empty collection empties it.
		if err := h.collect[0](ctx, &rm); err != nil {
			t.Fatal(err)
		}
		if len(rm.ScopeMetrics) != 0 {
			t.Errorf("empty delta collection left %+v", rm.ScopeMetrics)
		}
	})
}

// TestConcurrentInstrumentCreation: many goroutines create the same
// instruments and record at once: one stream each, exact totals.
func TestConcurrentInstrumentCreation(t *testing.T) {
	const goroutines = 8
	forEachSDK(t, func(t *testing.T, s sdk) {
		h := s.manual(t, providerConfig{})
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				ctx := context.Background()
				meter := h.provider.Meter("concurrent")
				c, err := meter.Int64Counter("c")
				if err != nil {
					t.Error(err)
					return
				}
				c.Add(ctx, 1)
				_, err = meter.Int64ObservableGauge("g", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
					o.Observe(7)
					return nil
				}))
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got := h.collectMetrics(t)
		if len(got) != 2 {
			t.Fatalf("want 2 metrics, got %+v", got)
		}
		c, _ := findMetric(got, "c")
		assertMetric(t, int64Sum("c", metricdata.CumulativeTemporality, true, int64Point(goroutines)), c)
	})
}

// TestConcurrentAPIUnderCollection: while one goroutine collects in a loop,
// others create instruments and meters, record, and register and unregister
// callbacks. Under -race this checks the whole API surface for data races;
// the final cumulative counter must hold exactly what was added.
func TestConcurrentAPIUnderCollection(t *testing.T) {
	const (
		goroutines = 4
		iterations = 200
	)
	forEachSDK(t, func(t *testing.T, s sdk) {
		h := s.manual(t, providerConfig{readers: []readerConfig{{}, {temporality: allDelta}}})
		var done atomic.Bool
		var collector sync.WaitGroup
		collector.Go(func() {
			for !done.Load() {
				for i := range h.collect {
					var rm metricdata.ResourceMetrics
					_ = h.collect[i](context.Background(), &rm)
				}
			}
		})
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				ctx := context.Background()
				for i := range iterations {
					meter := h.provider.Meter("chaos", metric.WithInstrumentationVersion("v1"))
					c, _ := meter.Int64Counter("total")
					c.Add(ctx, 1, metric.WithAttributes(attribute.Int("g", g)))
					hist, _ := meter.Float64Histogram("hist")
					hist.Record(ctx, float64(i))
					obs, _ := meter.Int64ObservableGauge("obs")
					reg, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
						o.ObserveInt64(obs, int64(i))
						return nil
					}, obs)
					if err == nil {
						_ = reg.Unregister()
					}
				}
			})
		}
		wg.Wait()
		done.Store(true)
		collector.Wait()

		m, ok := findMetric(h.collectMetrics(t), "total")
		if !ok {
			t.Fatal("counter missing")
		}
		var total int64
		for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
			total += p.Value
		}
		if total != goroutines*iterations {
			t.Errorf("counter total %d, want %d", total, goroutines*iterations)
		}
	})
}
