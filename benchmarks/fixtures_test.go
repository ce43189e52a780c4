package benchmarks

import (
	"testing"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// TestSDKSharePoolIsEqualSetsInDistinctStorage checks the perCallSDKShare
// inputs: every pooled option and the primer carry a set equal to the
// precomputed one (same attributes, same API hash), and no two of them share
// attribute storage, so an SDK cannot tell them from sets built per call by
// storage identity.
func TestSDKSharePoolIsEqualSetsInDistinctStorage(t *testing.T) {
	fx, _ := fixtures()
	var sets []attribute.Set
	for i := range sdkSharePoolSize {
		add := metric.NewAddConfig(fx.shareAdd[i]).Attributes()
		rec := metric.NewRecordConfig(fx.shareRecord[i]).Attributes()
		if storage(t, &add) != storage(t, &rec) {
			t.Errorf("pool %d: the Add and Record options should be the same option", i)
		}
		sets = append(sets, add)
	}
	sets = append(sets, metric.NewAddConfig(fx.sharePrimerAdd).Attributes())
	if primer := metric.NewRecordConfig(fx.sharePrimerRecord).Attributes(); storage(t, &primer) != storage(t, &sets[sdkSharePoolSize]) {
		t.Error("the Add and Record primers should be the same option")
	}
	seen := map[unsafe.Pointer]int{storage(t, &fx.set): -1}
	for i := range sets {
		s := &sets[i]
		if !s.Equals(&fx.set) || s.Equivalent() != fx.set.Equivalent() {
			t.Errorf("set %d = %v, want a set equal to %v", i, s.ToSlice(), fx.set.ToSlice())
		}
		p := storage(t, s)
		if j, dup := seen[p]; dup {
			t.Errorf("set %d shares its storage with set %d (-1: the precomputed set)", i, j)
		}
		seen[p] = i
	}
}

// storage is the address of a set's attributes. It reads attribute.Set's
// layout ({hash uint64; data any}) and skips the test if that has changed.
func storage(t *testing.T, s *attribute.Set) unsafe.Pointer {
	t.Helper()
	type layout struct {
		hash      uint64
		typ, data unsafe.Pointer
	}
	if unsafe.Sizeof(attribute.Set{}) != unsafe.Sizeof(layout{}) {
		t.Skip("attribute.Set's layout changed; cannot compare storage")
	}
	return (*layout)(unsafe.Pointer(s)).data
}
