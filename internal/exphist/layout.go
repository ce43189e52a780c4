package exphist

import (
	"sync/atomic"
	"unsafe"
)

// window is a fixed run of atomic bucket counts: bucket index i (at the
// owning layout's scale) is counts[i-base]. A window never changes shape once
// published, which is what lets writers use it without a lock.
type window struct {
	counts []atomic.Uint64
	base   int32
}

// slot returns the counter of bucket idx, or nil if idx is outside the window.
func (w *window) slot(idx int32) *atomic.Uint64 {
	off := int64(idx) - int64(w.base)
	if off < 0 || off >= int64(len(w.counts)) {
		return nil
	}
	return &w.counts[off]
}

// used returns the first and last index with a non-zero count.
func (w *window) used() (lo, hi int32, ok bool) {
	first, last := -1, -1
	for i := range w.counts {
		if w.counts[i].Load() != 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 0, 0, false
	}
	return w.base + int32(first), w.base + int32(last), true
}

// sameArray reports whether two windows share their counters.
func sameArray(a, b *window) bool {
	return len(a.counts) > 0 && len(b.counts) > 0 && unsafe.SliceData(a.counts) == unsafe.SliceData(b.counts)
}

// indexRange is a set of bucket indices lo..hi, possibly empty.
type indexRange struct {
	lo, hi int32
	ok     bool
}

func (r indexRange) with(lo, hi int32, ok bool) indexRange {
	switch {
	case !ok:
		return r
	case !r.ok:
		return indexRange{lo, hi, true}
	default:
		return indexRange{min(r.lo, lo), max(r.hi, hi), true}
	}
}

func (r indexRange) shift(delta int32) indexRange {
	return indexRange{r.lo >> delta, r.hi >> delta, r.ok}
}

func (r indexRange) span() int64 {
	if !r.ok {
		return 0
	}
	return int64(r.hi) - int64(r.lo) + 1
}

// layout is one generation of a half's bucket storage: a scale and a window
// per sign. When a value falls outside its sign's window, a writer builds a
// new layout (wider, or coarser when the indices in use would otherwise span
// more than MaxSize buckets) and publishes it. Writers still holding the old
// layout keep adding to it, so it stays linked (prev) until a collection,
// with the writers gone, drains every generation. No count is ever moved
// while a writer could be adding to it.
type layout struct {
	scale    int32
	pos, neg window
	// known holds the indices in use as far as the layout's builder could
	// see (stragglers may add more); it only guides scale and window choices.
	knownPos, knownNeg indexRange
	prev               *layout
}

func (l *layout) side(negative bool) *window {
	if negative {
		return &l.neg
	}
	return &l.pos
}
