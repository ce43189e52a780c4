package aggregate

import (
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
)

// The instrument-side lookup of a direct sum. An attributed Counter.Add on
// an existing series costs, at heart, one probe of the stream's table, one
// comparison of the attributes and one atomic update. Going through the
// stream's Measure added an interface call and the prologue of a function
// that also holds every slower path, as much again on a precomputed set.
// SumCells lets an instrument whose only stream is a direct sum (see
// DirectSum) make that update with one static call, which does only this.

// SumCells is the lock-free, read-only view of a direct sum stream's series
// for the instrument's own lookup. It finds existing series only: a miss
// goes the stream's full path, which creates the series (or routes to the
// overflow series past the cardinality limit) exactly as before.
type SumCells[N Number] struct {
	table *seriesTable[sumCell[N]]
}

// Cells returns the stream's view, or false when a measurement may not
// bypass Measure: an attribute filter applies (the series' set is not the
// measurement's), the stream removes series (a series could be retired
// under the caller), or the attribute layout checks failed (sameBytes
// would not be sound). The caller must also honour Direct's exemplar rule.
func (s *sum[N]) Cells() (SumCells[N], bool) {
	return SumCells[N]{table: s.table}, s.fast && kvLayoutOK
}

// Add adds v to set's series and reports true when the series exists, or
// reports false and changes nothing. Equality is decided on the attributes,
// never on the hash alone: a set that merely collides with a series is not
// that series.
func (c SumCells[N]) Add(set *attribute.Set, v N) bool {
	h, arr := setHash(set), c.table.arr.Load()
	s := arr.slots[h&arr.mask].Load()
	if s == nil || s.hash != h || !sameBytes(&s.attrs, set) {
		if s = c.findSlow(h, set); s == nil {
			return false
		}
	}
	// stripedSum.add, written out to save the call.
	cell := &s.cell.value
	if old := cell.base.bits.Load(); cell.stripes.Load() != nil || !cell.base.bits.CompareAndSwap(old, plusBits(old, v)) {
		cell.addStriped(v)
	}
	return true
}

// findSlow is Add's lookup past the home slot's byte comparison: the empty
// set, the rest of the probe chain, and equal sets whose strings live in
// distinct storage (compared field by field). Out of line, so that Add
// stays a small leaf on its common path.
//
//go:noinline
func (c SumCells[N]) findSlow(h uint64, set *attribute.Set) *series[sumCell[N]] {
	if set.Equivalent() == emptyKey {
		return c.table.empty.Load()
	}
	s, _ := c.table.arr.Load().find(h, set)
	return s
}

// sameBytes reports that a and b share their attribute storage or hold the
// same attributes byte for byte, as a set built per call from the same
// strings as its series' set does; equal bytes are equal attributes (a
// KeyValue has no padding: only valid where kvLayoutOK). False means
// "compare further", not "different". Small enough to inline.
func sameBytes(a, b *attribute.Set) bool {
	la, lb := layoutOf(a), layoutOf(b)
	if la.typ != lb.typ {
		return false
	}
	// Equal type words: both nil (zero Sets, whose data is nil too) or
	// the same array type, whose size is read from it.
	return la.data == lb.data || bytesAt(la.data, arraySize(la.typ)) == bytesAt(lb.data, arraySize(la.typ))
}

// bytesAt views n bytes at p as a string, to compare them with one
// memequal. Unlike unsafe.String it adds no checks: p and n come from a
// live array and its type's size.
func bytesAt(p unsafe.Pointer, n int) string {
	type header struct {
		data unsafe.Pointer
		len  int
	}
	return *(*string)(unsafe.Pointer(&header{p, n}))
}
