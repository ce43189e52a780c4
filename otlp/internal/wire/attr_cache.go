package wire

import (
	"go.opentelemetry.io/otel/attribute"
)

// attrCache keeps the encoded KeyValues of data points' attribute sets
// across exports, so a series exported every interval is encoded once:
// reading an attribute.Set goes through reflection and was most of the cost
// of encoding a data point, while a hit here is one map lookup on the set's
// hash, an equality check of the sets (hashes can collide) and a copy.
//
// Entries not used for sweepEvery exports are dropped by a sweep that also
// compacts the byte arena; the maps, entries and both arenas are reused, so
// a warm cache allocates only for series it has not seen.
type attrCache struct {
	// index maps a set's hash to its entry, one map per field number the
	// attributes are framed in (indexSlot).
	index   [3]map[attribute.Distinct]int32
	entries []attrEntry
	arena   []byte
	spare   []byte // the arena a sweep compacts into
	export  uint32 // exports encoded so far
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
	for _, e := range c.entries {
		if c.export-e.used > sweepEvery {
			continue
		}
		start := len(c.spare)
		c.spare = append(c.spare, c.arena[e.start:e.end]...)
		e.start, e.end = start, len(c.spare)
		c.index[e.slot][e.set.Equivalent()] = int32(len(kept)) //nolint:gosec // entries < 2^31
		kept = append(kept, e)
	}
	clear(c.entries[len(kept):]) // release the dropped sets
	c.entries = kept
	c.arena, c.spare = c.spare, c.arena
}

// attrSet writes the attributes of a data point's set as KeyValues in field
// num, from the cache when it has them.
func (p *protoBuffer) attrSet(num protoNum, set *attribute.Set) {
	if set.Len() == 0 {
		return
	}
	c := &p.cache
	slot := indexSlot(num)
	d := set.Equivalent()
	i, found := c.index[slot][d]
	if found {
		e := &c.entries[i]
		if e.set.Equals(set) {
			e.used = c.export
			p.b = append(p.b, c.arena[e.start:e.end]...)
			return
		}
	}
	start := len(p.b)
	p.attrIter(num, set.Iter())
	if found {
		return // a hash collision: the first set keeps the entry, this one is encoded every time
	}
	arenaStart := len(c.arena)
	c.arena = append(c.arena, p.b[start:]...)
	c.index[slot][d] = int32(len(c.entries)) //nolint:gosec // entries < 2^31
	c.entries = append(c.entries, attrEntry{set: *set, start: arenaStart, end: len(c.arena), slot: uint8(slot), used: c.export})
}
