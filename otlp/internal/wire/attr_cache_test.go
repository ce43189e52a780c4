package wire

import (
	"math/rand/v2"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter/otlp/internal/fixture"
)

// encodeFresh is what an encoder with an empty cache writes for rm.
func encodeFresh(t *testing.T, rm *metricdata.ResourceMetrics) string {
	t.Helper()
	var fresh ProtoEncoder
	b, err := fresh.Encode(rm)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// counterPoints is the data points of fixture.Counters(n).
func counterPoints(rm *metricdata.ResourceMetrics) []metricdata.DataPoint[int64] {
	return rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64]).DataPoints
}

// The hints are by position: when the series at a position changes between
// exports (shuffled, removed, replaced by a set built apart with the same
// attributes, or by other attributes), the bytes are still the fresh ones.
func TestAttrCacheHintsFollowChanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var enc ProtoEncoder
	base := fixture.Counters(300)
	for export := range 4 * sweepEvery {
		rm := fixture.Counters(300)
		pts := counterPoints(&rm)
		copy(pts, counterPoints(&base)) // the same Sets, as an SDK hands over
		switch export % 4 {
		case 1: // shuffled
			rng.Shuffle(len(pts), func(i, j int) { pts[i], pts[j] = pts[j], pts[i] })
		case 2: // a third removed from the middle
			pts = append(pts[:100], pts[200:]...)
			sum := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64])
			sum.DataPoints = pts
			rm.ScopeMetrics[0].Metrics[0].Data = sum
		case 3: // sets rebuilt apart, some with other attributes
			for i := range pts {
				if i%2 == 0 {
					pts[i].Attributes = attribute.NewSet(pts[i].Attributes.ToSlice()...)
				} else {
					pts[i].Attributes = attribute.NewSet(attribute.Int("other", export*1000+i))
				}
			}
		}
		got, err := enc.Encode(&rm)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != encodeFresh(t, &rm) {
			t.Fatalf("export %d: the cached encoding differs from a fresh one", export)
		}
	}
	if n := len(enc.p.cache.entries); n > 300+2*sweepEvery*150 {
		t.Fatalf("%d cache entries: stale sets are not swept", n)
	}
}

// Two sets with the same hash but other attributes (a collision, forced
// here by pointing the second set's hash at the first's entry) are each
// written with their own attributes.
func TestAttrCacheHashCollision(t *testing.T) {
	a := attribute.NewSet(attribute.String("route", "/a"))
	b := attribute.NewSet(attribute.String("route", "/b"))
	rmOf := func(set attribute.Set) metricdata.ResourceMetrics {
		rm := fixture.Counters(1)
		counterPoints(&rm)[0].Attributes = set
		return rm
	}
	var enc ProtoEncoder
	rmA := rmOf(a)
	if _, err := enc.Encode(&rmA); err != nil {
		t.Fatal(err)
	}
	c := &enc.p.cache
	c.index[indexSlot(7)][b.Equivalent()] = c.index[indexSlot(7)][a.Equivalent()]
	for range 3 { // the hint, then the map, both lead to a's entry
		rmB := rmOf(b)
		got, err := enc.Encode(&rmB)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != encodeFresh(t, &rmB) {
			t.Fatal("a set colliding with a cached one was written with the cached attributes")
		}
	}
}

func TestSameSet(t *testing.T) {
	if !setIdentityKnown {
		t.Fatal("attribute.Set's layout is not the one sameSet reads: sets are compared attribute by attribute (slow); update setLayout")
	}
	a := attribute.NewSet(attribute.String("k", "v"), attribute.Int("n", 1))
	copied := a
	apart := attribute.NewSet(attribute.Int("n", 1), attribute.String("k", "v"))
	other := attribute.NewSet(attribute.String("k", "w"), attribute.Int("n", 1))
	longer := attribute.NewSet(attribute.String("k", "v"), attribute.Int("n", 1), attribute.Bool("b", true))
	for _, tc := range []struct {
		name string
		b    attribute.Set
		want bool
	}{{"copy", copied, true}, {"built apart", apart, true}, {"other value", other, false}, {"more attributes", longer, false}} {
		if got := sameSet(&a, &tc.b); got != tc.want {
			t.Errorf("%s: sameSet = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A metric's length width is guessed from the previous export: when a
// metric grows or shrinks across a width (1, 2, 3 length bytes), the bytes
// are still the fresh ones.
func TestProtoMetricWidthGuess(t *testing.T) {
	var enc ProtoEncoder
	for _, n := range []int{1, 2000, 5, 20000, 20000, 1, 0, 3000} {
		rm := fixture.Histograms(n)
		got, err := enc.Encode(&rm)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != encodeFresh(t, &rm) {
			t.Fatalf("%d points: the encoding differs from a fresh one", n)
		}
	}
}

// Encoders share nothing: encoders exporting the same sets concurrently
// each write the fresh bytes (run with -race).
func TestEncodersShareNoCache(t *testing.T) {
	rms := []metricdata.ResourceMetrics{fixture.Counters(500), fixture.Histograms(200), fixture.Rich()}
	want := make([]string, len(rms))
	for i := range rms {
		want[i] = encodeFresh(t, &rms[i])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Go(func() {
			var enc ProtoEncoder
			for export := range 3 * sweepEvery {
				i := (export + g) % len(rms)
				got, err := enc.Encode(&rms[i])
				if err != nil || string(got) != want[i] {
					errs <- "an encoder wrote other bytes than a fresh one"
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
