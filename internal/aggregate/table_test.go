package aggregate

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func cumulativeConfig() Config { return Config{Temporality: metricdata.CumulativeTemporality} }
func deltaConfig() Config      { return Config{Temporality: metricdata.DeltaTemporality} }

func sumPoints(t *testing.T, s Stream[int64]) map[string]int64 {
	t.Helper()
	var agg metricdata.Aggregation
	out := map[string]int64{}
	if s.Collect(&agg) == 0 {
		return out
	}
	for _, p := range agg.(metricdata.Sum[int64]).DataPoints {
		out[p.Attributes.Encoded(attribute.DefaultEncoder())] += p.Value
	}
	return out
}

// TestHashCollisionsNeverMerge forces every attribute set onto the same
// hash: the table must still keep one series per set.
func TestHashCollisionsNeverMerge(t *testing.T) {
	forceCollisions, fastHash = true, false
	defer func() { forceCollisions, fastHash = false, setLayoutOK }()
	s := NewSum[int64](cumulativeConfig(), true)
	for i := 0; i < 50; i++ {
		set := attribute.NewSet(attribute.Int("i", i))
		s.Measure(context.Background(), int64(i+1), &set)
		s.Measure(context.Background(), int64(i+1), &set)
	}
	got := sumPoints(t, s)
	if len(got) != 50 {
		t.Fatalf("got %d series, want 50: %v", len(got), got)
	}
	for i := 0; i < 50; i++ {
		if v := got[fmt.Sprintf("i=%d", i)]; v != int64(2*(i+1)) {
			t.Fatalf("series i=%d = %d, want %d", i, v, 2*(i+1))
		}
	}
}

func TestCardinalityLimitOverflow(t *testing.T) {
	cfg := cumulativeConfig()
	cfg.CardinalityLimit = 4 // 3 real series + overflow
	s := NewSum[int64](cfg, true)
	for i := 0; i < 10; i++ {
		set := attribute.NewSet(attribute.Int("i", i))
		s.Measure(context.Background(), 1, &set)
	}
	got := sumPoints(t, s)
	if len(got) != 4 || got["otel.metric.overflow=true"] != 7 {
		t.Fatalf("got %v, want 3 series of 1 and overflow 7", got)
	}
	// Cumulative keeps the series it had: they still count after overflow.
	set := attribute.NewSet(attribute.Int("i", 0))
	s.Measure(context.Background(), 5, &set)
	if got := sumPoints(t, s); got["i=0"] != 6 {
		t.Fatalf("i=0 = %d, want 6", got["i=0"])
	}
}

// TestDeltaReclaimUnderWriters: writers hammer a rotating population of
// sets while a collector collects delta in a loop. Every add must be
// collected exactly once, and idle series must leave the table.
func TestDeltaReclaimUnderWriters(t *testing.T) {
	s := NewSum[int64](deltaConfig(), true).(*sum[int64])
	const writers, perWriter, sets = 8, 5000, 64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var collected int64
	var collectorDone sync.WaitGroup
	collectorDone.Add(1)
	go func() {
		defer collectorDone.Done()
		for {
			for _, v := range sumPoints(t, s) {
				collected += v
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				set := attribute.NewSet(attribute.Int("k", (w*perWriter+i)%sets))
				s.Measure(context.Background(), 1, &set)
			}
		}(w)
	}
	wg.Wait()
	close(stop)
	collectorDone.Wait()
	for _, v := range sumPoints(t, s) { // what arrived after the last loop
		collected += v
	}
	if collected != writers*perWriter {
		t.Fatalf("collected %d, want exactly %d", collected, writers*perWriter)
	}
	// Two idle collections: the first reports nothing new, and every
	// series is reclaimed.
	sumPoints(t, s)
	sumPoints(t, s)
	s.table.mu.Lock()
	live := s.table.live
	s.table.mu.Unlock()
	if live != 0 {
		t.Fatalf("%d series still live after idle intervals, want 0", live)
	}
}

// TestDeltaExactTotalsFewSeries is the regression test for a lost update: a
// fresh series was published before its creating writer entered it, so a
// collector could retire it in between. Few, often-idle series (the empty
// set among them) make that window likely.
func TestDeltaExactTotalsFewSeries(t *testing.T) {
	sets := []attribute.Set{*attribute.EmptySet(), attribute.NewSet(attribute.String("r", "a")), attribute.NewSet(attribute.String("r", "b"))}
	for round := 0; round < 5; round++ {
		s := NewSum[int64](deltaConfig(), true)
		const writers, perWriter = 8, 10000
		var wg sync.WaitGroup
		stop := make(chan struct{})
		var collected int64
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				for _, v := range sumPoints(t, s) {
					collected += v
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		}()
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < perWriter; i++ {
					s.Measure(context.Background(), 1, &sets[(w+i)%len(sets)])
				}
			}(w)
		}
		wg.Wait()
		close(stop)
		<-done
		for _, v := range sumPoints(t, s) {
			collected += v
		}
		if collected != writers*perWriter {
			t.Fatalf("round %d: collected %d, want exactly %d", round, collected, writers*perWriter)
		}
	}
}

// A filter that rejects never creates a reservoir: the series' exemplar cell
// stays a nil pointer, and collecting it does nothing extra.
func TestRejectedExemplarsAllocateNothing(t *testing.T) {
	created := 0
	cfg := cumulativeConfig()
	cfg.Exemplars = &ExemplarConfig{
		Filter: func(context.Context) bool { return false },
		Provider: func(attribute.Set) exemplar.Reservoir {
			created++
			return exemplar.NewFixedSizeReservoir(1)
		},
	}
	s := NewSum[int64](cfg, true).(*sum[int64])
	set := attribute.NewSet(attribute.Int("k", 1))
	for i := 0; i < 100; i++ {
		s.Measure(context.Background(), 1, &set)
	}
	sumPoints(t, s)
	if created != 0 {
		t.Fatalf("%d reservoirs created for rejected measurements", created)
	}
	s.table.each(func(se *series[sumCell[int64]]) {
		if se.cell.ex.box.Load() != nil {
			t.Fatal("a series holds a reservoir although nothing was offered")
		}
	})
}
