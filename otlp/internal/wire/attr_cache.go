package wire

import (
	"go.opentelemetry.io/otel/attribute"
)

// attrCache keeps the encoded KeyValues of data points' attribute sets
// across exports, so a series exported every interval is encoded once:
// reading an attribute.Set goes through reflection and was most of the cost
// of encoding a data point.
//
// A lookup first tries the entry the same data point (the same position in
// the export's sequence of attribute sets) used in the previous export: an
// SDK collects its series in a stable order, so this hint is right for
// nearly every point and costs one identity check (sameSet) instead of a map
// lookup. Otherwise it looks the set's hash up in a map and checks the sets
// are the same (hashes can collide).
//
// Entries not used for sweepEvery exports are dropped by a sweep that also
// compacts the byte arena; the maps, entries, hints and both arenas are
// reused, so a warm cache allocates only for series it has not seen.
type attrCache struct {
	// index maps a set's hash to its entry, one map per field number the
	// attributes are framed in (indexSlot).
	index   [3]map[attribute.Distinct]int32
	entries []attrEntry
	arena   []byte
	spare   []byte // the arena a sweep compacts into
	export  uint32 // exports encoded so far

	// prev holds, by position, the entry each attrSet of the previous
	// export used (-1: none); next is being filled by this export's.
	prev, next []int32
	remap      []int32 // a sweep's old entry index to new (-1: dropped)
}

// sweepEvery is how many exports an unused entry survives, and how often
// the cache is swept.
const sweepEvery = 8

// attrEntry is a cached encoding, arena[start:end].
type attrEntry struct {
	set        attribute.Set
	start, end int
	slot       uint8
	used       uint32 // the export that last used it
}

// indexSlot is the index map of a field number: NumberDataPoint and
// SummaryDataPoint frame attributes in field 7, HistogramDataPoint in 9,
// ExponentialHistogramDataPoint in 1.
func indexSlot(num protoNum) int {
	switch num {
	case 7:
		return 0
	case 9:
		return 1
	}
	return 2
}

// begin starts an export, sweeping stale entries every sweepEvery exports.
func (c *attrCache) begin() {
	if c.index[0] == nil {
		for i := range c.index {
			c.index[i] = make(map[attribute.Distinct]int32)
		}
	}
	c.export++
	c.prev, c.next = c.next, c.prev[:0]
	if c.export%sweepEvery == 0 {
		c.sweep()
	}
}

// sweep drops the entries not used in the last sweepEvery exports and
// compacts the survivors into the spare arena.
func (c *attrCache) sweep() {
	for i := range c.index {
		clear(c.index[i])
	}
	kept := c.entries[:0]
	c.spare = c.spare[:0]
	c.remap = c.remap[:0]
	for _, e := range c.entries {
		if c.export-e.used > sweepEvery {
			c.remap = append(c.remap, -1)
			continue
		}
		c.remap = append(c.remap, int32(len(kept))) //nolint:gosec // entries < 2^31
		start := len(c.spare)
		c.spare = append(c.spare, c.arena[e.start:e.end]...)
		e.start, e.end = start, len(c.spare)
		c.index[e.slot][e.set.Equivalent()] = int32(len(kept)) //nolint:gosec // entries < 2^31
		kept = append(kept, e)
	}
	clear(c.entries[len(kept):]) // release the dropped sets
	c.entries = kept
	c.arena, c.spare = c.spare, c.arena
	for k, i := range c.prev {
		if i >= 0 {
			c.prev[k] = c.remap[i]
		}
	}
}

// attrSet writes the attributes of a data point's set as KeyValues in field
// num, from the cache when it has them.
func (p *protoBuffer) attrSet(num protoNum, set *attribute.Set) {
	if set.Len() == 0 {
		return
	}
	c := &p.cache
	slot := indexSlot(num)
	if k := len(c.next); k < len(c.prev) {
		if i := c.prev[k]; i >= 0 {
			if e := &c.entries[i]; int(e.slot) == slot && sameSet(&e.set, set) {
				p.hit(i)
				return
			}
		}
	}
	d := set.Equivalent()
	i, found := c.index[slot][d]
	if found && sameSet(&c.entries[i].set, set) {
		p.hit(i)
		return
	}
	start := len(p.b)
	p.attrIter(num, set.Iter())
	if found {
		// A hash collision: the first set keeps the entry, this one is
		// encoded every time.
		c.next = append(c.next, -1)
		return
	}
	arenaStart := len(c.arena)
	c.arena = append(c.arena, p.b[start:]...)
	i = int32(len(c.entries)) //nolint:gosec // entries < 2^31
	c.index[slot][d] = i
	c.entries = append(c.entries, attrEntry{set: *set, start: arenaStart, end: len(c.arena), slot: uint8(slot), used: c.export})
	c.next = append(c.next, i)
}

// hit writes cached entry i and records it as this position's hint.
func (p *protoBuffer) hit(i int32) {
	c := &p.cache
	e := &c.entries[i]
	e.used = c.export
	p.b = append(p.b, c.arena[e.start:e.end]...)
	c.next = append(c.next, i)
}
