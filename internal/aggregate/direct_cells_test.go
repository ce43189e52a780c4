package aggregate

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

func directCells(t *testing.T, cfg Config) (*sum[int64], SumCells[int64]) {
	t.Helper()
	s := NewSum[int64](cfg, true).(*sum[int64])
	cells, ok := s.Cells()
	if !ok {
		t.Fatal("a cumulative sum without a filter offers no direct cells")
	}
	return s, cells
}

// SumCells.Add updates existing series only, and decides which series by
// the attributes: equal sets in distinct storage (bytes equal, or strings
// equal in distinct storage) find their series; a set not yet measured
// changes nothing, so its first measurement still goes through Measure.
func TestSumCellsAddFindsExistingSeriesOnly(t *testing.T) {
	s, cells := directCells(t, cumulativeConfig())
	ctx := context.Background()
	route := "/api/" + strings.Repeat("v", 3) // built at run time: its own storage
	a := attribute.NewSet(attribute.String("route", "/api/vvv"), attribute.Int("code", 200))
	if cells.Add(&a, 1) {
		t.Fatal("Add found a series that was never measured")
	}
	s.Measure(ctx, 10, &a)
	sameBytes := attribute.NewSet(attribute.Int("code", 200), attribute.String("route", "/api/vvv"))
	sameStrings := attribute.NewSet(attribute.String("route", route), attribute.Int("code", 200))
	for _, set := range []attribute.Set{a, sameBytes, sameStrings} {
		if !cells.Add(&set, 1) {
			t.Fatalf("Add missed the existing series of %v", set.ToSlice())
		}
	}
	other := attribute.NewSet(attribute.String("route", "/api/vvv"), attribute.Int("code", 500))
	if cells.Add(&other, 1) {
		t.Fatal("Add found a series for a set that differs in one value")
	}
	empty := attribute.NewSet()
	if cells.Add(&empty, 1) {
		t.Fatal("Add found the empty set's series before it existed")
	}
	s.Measure(ctx, 2, &empty)
	if !cells.Add(&empty, 3) {
		t.Fatal("Add missed the empty set's series")
	}
	got := sumPoints(t, s)
	if len(got) != 2 || got["code=200,route=/api/vvv"] != 13 || got[""] != 5 {
		t.Fatalf("points = %v, want code=200,route=/api/vvv:13 and the empty set:5", got)
	}
}

// With every set on one hash, the direct lookup must still tell sets apart
// by their attributes: a colliding set is never added to its neighbour.
func TestSumCellsAddNeverMergesCollidingSets(t *testing.T) {
	forceCollisions, fastHash = true, false
	defer func() { forceCollisions, fastHash = false, setLayoutOK }()
	s, cells := directCells(t, cumulativeConfig())
	const n = 20
	sets := make([]attribute.Set, n)
	for i := range sets {
		sets[i] = attribute.NewSet(attribute.Int("i", i))
	}
	for i := range sets {
		if cells.Add(&sets[i], 100) {
			t.Fatalf("set %d was added to another set's series before its own existed", i)
		}
		s.Measure(context.Background(), 1, &sets[i])
	}
	for round := 0; round < 3; round++ {
		for i := range sets {
			if !cells.Add(&sets[i], int64(i)) {
				t.Fatalf("set %d: its series was not found", i)
			}
		}
	}
	got := sumPoints(t, s)
	if len(got) != n {
		t.Fatalf("got %d series, want %d: %v", len(got), n, got)
	}
	for i := range sets {
		if v := got[fmt.Sprintf("i=%d", i)]; v != int64(1+3*i) {
			t.Fatalf("series i=%d = %d, want %d", i, v, 1+3*i)
		}
	}
}

// Streams whose series are not the measurement's set as is, or whose series
// may be retired, offer no direct cells.
func TestSumCellsOnlyWhereBypassingMeasureIsRight(t *testing.T) {
	filtered := cumulativeConfig()
	filtered.Filter = func(kv attribute.KeyValue) bool { return kv.Key == "keep" }
	forgetting := cumulativeConfig()
	forgetting.ForgetIdleAfter = 2
	for name, cfg := range map[string]Config{"filter": filtered, "delta": deltaConfig(), "forget idle": forgetting} {
		if _, ok := NewSum[int64](cfg, true).(*sum[int64]).Cells(); ok {
			t.Errorf("%s: the stream offers direct cells", name)
		}
	}
}
