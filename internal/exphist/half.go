package exphist

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
)

// half is one of a LockFreeHistogram's two alternating buffers. Writers update it
// with atomics while it is hot; once a collection has made it cold and every
// writer that entered it has left, the collector drains it alone.
type half[N int64 | float64] struct {
	// done counts the Records that finished on this half since it was last
	// drained; the collector waits for it to reach the number that started.
	done      atomic.Uint64
	zeroCount atomic.Uint64
	sum       atomicValue[N]
	min, max  atomicValue[N] // start at the extremes of N
	layout    atomic.Pointer[layout]

	// growMu serialises building layouts. The layouts and (zeroed) arrays
	// of drained generations are kept for the next layouts built, so that a
	// series active in every interval stops allocating; the arrays kept are
	// bounded by spareBudget.
	growMu      sync.Mutex
	freeLayouts []*layout
	spares      [][]atomic.Uint64
}

// maxFreeLayouts bounds the layout structs a half keeps for reuse (a series
// rarely goes through more generations in one interval).
const maxFreeLayouts = 8

// spareBudget returns how many counters a half may keep in spare arrays: the
// windows a busy series needs, about two per sign of up to maxSize each.
func spareBudget(cfg *settings) int {
	return 4*int(cfg.maxSize) + 2*initialCapacity
}

func (h *half[N]) init() {
	top, bottom := extremes[N]()
	h.min.store(top)
	h.max.store(bottom)
}

// record adds v (whose float64 value f is finite) with atomics only, unless
// its bucket is outside the current layout.
func (h *half[N]) record(cfg *settings, v N, f float64) {
	if !cfg.noSum {
		h.sum.add(v)
	}
	if !cfg.noMinMax {
		h.min.lower(v)
		h.max.raise(v)
	}
	if f == 0 {
		h.zeroCount.Add(1)
		return
	}
	negative, abs := f < 0, math.Abs(f)
	if l := h.layout.Load(); l != nil {
		if c := l.side(negative).slot(bucketIndex(abs, l.scale)); c != nil {
			c.Add(1)
			return
		}
	}
	h.recordSlow(cfg, negative, abs)
}

// recordSlow adds a magnitude that the layout seen by record could not hold,
// building and publishing a new layout if it still cannot.
func (h *half[N]) recordSlow(cfg *settings, negative bool, abs float64) {
	h.growMu.Lock()
	defer h.growMu.Unlock()
	old := h.layout.Load()
	scale := cfg.maxScale
	if old != nil {
		scale = old.scale
	}
	idx := bucketIndex(abs, scale)
	if old != nil {
		if c := old.side(negative).slot(idx); c != nil {
			c.Add(1) // another writer made room meanwhile
			return
		}
	}
	l := h.grow(cfg, old, negative, idx)
	l.side(negative).slot(idx >> (scale - l.scale)).Add(1)
	h.layout.Store(l)
}

// grow builds the layout that succeeds old (nil for the first) to hold index
// idx, at old's scale (MaxScale for the first), of one sign. Its scale is the
// highest at which the indices known to be in use, and idx, span at most
// maxSize buckets per sign; its windows cover those indices with room to grow
// towards idx. It need not cover old's windows: a collection drains every
// generation, so a writer still adding to old loses nothing.
func (h *half[N]) grow(cfg *settings, old *layout, negative bool, idx int32) *layout {
	scale := cfg.maxScale
	var known [2]indexRange // by sign: 0 positive, 1 negative
	if old != nil {
		scale = old.scale
		known[0] = old.knownPos.with(old.pos.used())
		known[1] = old.knownNeg.with(old.neg.used())
	}
	sign := 0
	if negative {
		sign = 1
	}
	before := known[sign]
	known[sign] = known[sign].with(idx, idx, true)

	var delta int32
	for (known[0].shift(delta).span() > int64(cfg.maxSize) || known[1].shift(delta).span() > int64(cfg.maxSize)) &&
		scale-delta > MinScale {
		delta++
	}
	l := h.newLayout()
	*l = layout{
		scale:    scale - delta,
		knownPos: known[0].shift(delta),
		knownNeg: known[1].shift(delta),
		prev:     old,
	}
	for s := range 2 {
		w := l.side(s == 1)
		if s != sign && old != nil && delta == 0 {
			// Unchanged: share the counters with old (a collection drains
			// a shared array once).
			*w = *old.side(s == 1)
			continue
		}
		cover := known[s].shift(delta)
		if !cover.ok {
			continue // no value of this sign yet: no window
		}
		// Size: the growing side doubles, the other keeps its size; both
		// within what maxSize can use, and at least what they must cover.
		want := int64(0)
		if old != nil {
			want = int64(len(old.side(s == 1).counts))
		}
		if s == sign {
			want = max(2*want, initialCapacity)
		}
		size := max(cover.span(), min(want, int64(cfg.maxSize)))
		room := size - cover.span()
		base := int64(cover.lo) - room/2
		if b, t := before.shift(delta), idx>>delta; s == sign && b.ok {
			// Most of the room goes the way the range grew, some the
			// other way: values spread both ways from where they were.
			switch {
			case t < b.lo:
				base = int64(cover.lo) - room + room/4
			case t > b.hi:
				base = int64(cover.lo) - room/4
			}
		}
		*w = h.newWindow(base, size, cover)
	}
	return l
}

// newLayout returns a layout struct, reused if one is free.
func (h *half[N]) newLayout() *layout {
	if n := len(h.freeLayouts); n > 0 {
		l := h.freeLayouts[n-1]
		h.freeLayouts = h.freeLayouts[:n-1]
		return l
	}
	return new(layout)
}

// newWindow returns a zeroed window of size counters from base, moved and
// trimmed as needed to stay within int32 indices while covering cover. It
// uses the smallest spare array that is large enough, if any.
func (h *half[N]) newWindow(base, size int64, cover indexRange) window {
	// cover is within int32 and size >= its span, so these keep it covered.
	if base+size-1 > math.MaxInt32 {
		base = math.MaxInt32 - size + 1
	}
	base = max(base, math.MinInt32)
	size = min(size, math.MaxInt32-base+1)
	best := -1
	for i, a := range h.spares {
		if int64(len(a)) >= size && (best < 0 || len(a) < len(h.spares[best])) {
			best = i
		}
	}
	var counts []atomic.Uint64
	if best >= 0 {
		counts = h.spares[best][:size]
		last := len(h.spares) - 1
		h.spares[best], h.spares[last] = h.spares[last], nil
		h.spares = h.spares[:last]
	} else {
		counts = make([]atomic.Uint64, size)
	}
	return window{counts: counts, base: int32(base)}
}

// drain adds everything recorded on the half into acc and empties the half.
// Only the collector calls it, once every writer has left the half.
func (h *half[N]) drain(cfg *settings, acc *state[N]) {
	newest := h.layout.Load()
	var nonZero uint64
	var newer *layout
	for l := newest; l != nil; l = l.prev {
		for s := range 2 {
			negative := s == 1
			w := l.side(negative)
			if newer != nil && sameArray(w, newer.side(negative)) {
				continue // already folded with the newer layout
			}
			for i := range w.counts {
				if c := w.counts[i].Load(); c != 0 {
					acc.addBucket(cfg, negative, w.base+int32(i), l.scale, c)
					nonZero += c
				}
			}
		}
		newer = l
	}
	zeros := h.zeroCount.Load()
	acc.addStats(cfg, zeros+nonZero, zeros, h.sum.load(), h.min.load(), h.max.load())

	h.recycle(cfg, newest)
	h.layout.Store(nil)
	h.zeroCount.Store(0)
	h.sum.store(0)
	h.init()
	h.done.Store(0)
}

// recycle zeroes the arrays of a drained chain of layouts and keeps them, the
// largest first within spareBudget, with the layout structs, for reuse.
func (h *half[N]) recycle(cfg *settings, newest *layout) {
	var newer *layout
	for l := newest; l != nil; {
		for s := range 2 {
			w := l.side(s == 1)
			if len(w.counts) == 0 || (newer != nil && sameArray(w, newer.side(s == 1))) {
				continue
			}
			for i := range w.counts {
				w.counts[i].Store(0)
			}
			// Beyond len the array was never written: it is still zero.
			h.spares = append(h.spares, w.counts[:cap(w.counts)])
		}
		newer, l = l, l.prev
		if len(h.freeLayouts) < maxFreeLayouts {
			h.freeLayouts = append(h.freeLayouts, newer)
		}
	}
	for _, l := range h.freeLayouts {
		*l = layout{} // drop references to arrays and older layouts
	}
	slices.SortFunc(h.spares, func(a, b []atomic.Uint64) int { return len(b) - len(a) })
	kept, total := 0, 0
	for _, a := range h.spares {
		if kept > 0 && total+len(a) > spareBudget(cfg) {
			break
		}
		kept++
		total += len(a)
	}
	clear(h.spares[kept:])
	h.spares = h.spares[:kept]
}
