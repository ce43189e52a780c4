package aggregate

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter/internal/selfobs"
)

var (
	hashSeed = maphash.MakeSeed()
	emptyKey = attribute.EmptySet().Equivalent()
	// overflowSet is the attribute set that receives measurements past a
	// stream's cardinality limit, as the specification names it.
	overflowSet = attribute.NewSet(attribute.Bool("otel.metric.overflow", true))
)

// forceCollisions makes every set hash alike; tests set it to prove that
// colliding sets are never merged.
var forceCollisions = false

// slotArray is one generation of the open-addressing table. Readers load it
// once and probe it without locks; a grown or compacted table is a new
// slotArray published with one atomic store.
type slotArray[C any] struct {
	mask  uint64
	slots []atomic.Pointer[series[C]]
}

func newSlotArray[C any](live int) *slotArray[C] {
	size := 8
	for size < 2*live+2 { // load factor ≤ 1/2 keeps probe chains short
		size <<= 1
	}
	return &slotArray[C]{mask: uint64(size - 1), slots: make([]atomic.Pointer[series[C]], size)}
}

// first returns the series in h's home slot when it holds set's own
// storage — the common case of a reused precomputed set — or nil, and then
// the caller goes on with find. It calls nothing, so it inlines into the
// streams' Measure, where find, which may call deepEqual, does not.
func (a *slotArray[C]) first(h uint64, set *attribute.Set) *series[C] {
	if s := a.slots[h&a.mask].Load(); s != nil && s.hash == h && identical(&s.attrs, set) {
		return s
	}
	return nil
}

// find returns the series for set, or nil.
func (a *slotArray[C]) find(h uint64, set *attribute.Set) (*series[C], uint64) {
	for i := h & a.mask; ; i = (i + 1) & a.mask {
		s := a.slots[i].Load()
		if s == nil {
			return nil, i
		}
		if s.hash == h && (identical(&s.attrs, set) || deepEqual(&s.attrs, set)) {
			return s, i
		}
	}
}

// seriesTable maps attribute sets to series for one stream.
type seriesTable[C any] struct {
	arr   atomic.Pointer[slotArray[C]]
	empty atomic.Pointer[series[C]] // the empty set's series: no lookup
	// overflow receives measurements past the cardinality limit; it is
	// never retired.
	overflow atomic.Pointer[series[C]]

	reclaim bool // writers bracket updates with enter/leave
	limit   int  // cardinality limit including the overflow series; ≤ 0: none
	initFn  func(*C)
	nowFn   func() int64
	repairs *RepairReport // reports sets repaired to valid UTF-8; may be nil
	normal  normalForms   // normalised forms of the bad sets seen (acquireSlow)

	mu   sync.Mutex // inserts, replacement of dead series, compaction
	live int        // series in arr that are not dead (under mu)
}

// newSeriesTable returns the series table of a stream configured by cfg;
// initCell, when set, prepares each new series' cell.
func newSeriesTable[C any](cfg *Config, initCell func(*C)) *seriesTable[C] {
	t := &seriesTable[C]{reclaim: cfg.reclaims(), limit: cfg.CardinalityLimit, initFn: initCell, nowFn: cfg.nowNanos,
		repairs: cfg.Repairs, normal: newNormalForms(cfg.CardinalityLimit)}
	if cfg.StreamStartTime && cfg.Temporality != metricdata.DeltaTemporality {
		// A new series' start time is read only when the series is
		// created; here it is the stream's creation time, for all.
		created := cfg.nowNanos()
		t.nowFn = func() int64 { return created }
	}
	t.arr.Store(newSlotArray[C](0))
	return t
}

// acquire returns the live series for set, creating it (or routing to the
// overflow series) when needed. For reclaiming tables the caller must call
// release(s) after updating the cell. A series finished meanwhile (dead, not
// yet compacted out) is never returned.
func (t *seriesTable[C]) acquire(set *attribute.Set) *series[C] {
	if set.Equivalent() == emptyKey {
		if s := t.empty.Load(); s != nil && t.admit(s) {
			return s
		}
		return t.acquireSlow(set, setHash(set))
	}
	h := setHash(set)
	if s, _ := t.arr.Load().find(h, set); s != nil && t.admit(s) {
		return s
	}
	return t.acquireSlow(set, h)
}

// admit reports whether a writer may update s: it enters s on a reclaiming
// table; otherwise s must not be dead (finished, finish.go).
func (t *seriesTable[C]) admit(s *series[C]) bool {
	if t.reclaim {
		return s.enter()
	}
	return !s.dead()
}

// lookup returns the series for set if it exists, without entering it or
// taking any lock: the fast path of non-reclaiming tables, whose series are
// never removed.
func (t *seriesTable[C]) lookup(set *attribute.Set) *series[C] {
	if set.Equivalent() == emptyKey {
		return t.empty.Load()
	}
	h, arr := setHash(set), t.arr.Load()
	if s := arr.first(h, set); s != nil {
		return s
	}
	s, _ := arr.find(h, set)
	return s
}

func (t *seriesTable[C]) release(s *series[C]) {
	if t.reclaim {
		s.leave()
	}
}

func (t *seriesTable[C]) acquireSlow(set *attribute.Set, h uint64) *series[C] {
	// A set whose MAP values repeat a key, or with invalid UTF-8, is the
	// series of its normalised form (see attrnorm.go, utf8.go). Only the
	// normalised set is ever stored, so such a set misses the lock-free
	// lookup on every measurement and gets here: acceptable for bad input,
	// and normalised once thanks to the memo (normal_forms.go). The
	// normalised set is looked up without the lock first, so repeating it
	// does not serialise writers. It is never empty (normalising keeps at
	// least one key).
	if norm, fixed := t.normal.of(set); fixed != 0 {
		if fixed&fixedInvalidUTF8 != 0 {
			t.repairs.repaired(set)
		}
		set, h = &norm, setHash(&norm)
		if s, _ := t.arr.Load().find(h, set); s != nil && t.admit(s) {
			return s
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for {
		arr := t.arr.Load()
		s, slot := arr.find(h, set)
		switch {
		case s != nil && !s.dead():
			if !t.reclaim || s.enter() {
				return s
			}
			continue // retired between the check and enter: look again
		case s != nil: // dead: replace in place, keeping probe chains intact
			return t.publish(arr, slot, set, h)
		}
		if t.limit > 0 && t.live >= t.limit-1 {
			selfobs.Overflowed()
			o := t.overflowSeries()
			if t.reclaim {
				o.enter() // the overflow series is never retired
			}
			return o
		}
		if 2*(t.live+1)+2 > len(arr.slots) {
			t.grow(arr)
			continue
		}
		return t.publish(arr, slot, set, h)
	}
}

// publish stores a fresh series for set in slot and returns it entered.
// The writer enters before the series becomes visible: a collector that
// saw it with no writer inside could otherwise retire it before the
// writer's update, and the update would be lost. Called with mu held.
func (t *seriesTable[C]) publish(arr *slotArray[C], slot uint64, set *attribute.Set, h uint64) *series[C] {
	fresh := t.newSeries(set, h)
	if t.reclaim {
		fresh.enter()
	}
	arr.slots[slot].Store(fresh)
	t.live++
	t.noteEmpty(fresh)
	return fresh
}

func (t *seriesTable[C]) noteEmpty(s *series[C]) {
	if s.attrs.Equivalent() == emptyKey {
		t.empty.Store(s)
	}
}

func (t *seriesTable[C]) newSeries(set *attribute.Set, h uint64) *series[C] {
	s := &series[C]{hash: h, attrs: *set, startNanos: t.nowFn()}
	if t.initFn != nil {
		t.initFn(&s.cell)
	}
	return s
}

// overflowSeries returns the series for measurements past the limit. Called
// with mu held.
func (t *seriesTable[C]) overflowSeries() *series[C] {
	if s := t.overflow.Load(); s != nil {
		return s
	}
	s := t.newSeries(&overflowSet, setHash(&overflowSet))
	t.overflow.Store(s)
	return s
}

// grow publishes a larger copy of arr, dropping dead series. Called with mu held.
func (t *seriesTable[C]) grow(arr *slotArray[C]) {
	t.rebuild(arr, t.live+1)
}

func (t *seriesTable[C]) rebuild(arr *slotArray[C], capacityFor int) {
	next := newSlotArray[C](capacityFor)
	live := 0
	for i := range arr.slots {
		s := arr.slots[i].Load()
		if s == nil || s.dead() {
			continue
		}
		_, slot := next.find(s.hash, &s.attrs)
		next.slots[slot].Store(s)
		live++
	}
	t.live = live
	t.arr.Store(next)
}

// compact drops retired series so memory follows the active set. Called by
// the collector after a sweep that retired something.
func (t *seriesTable[C]) compact() {
	t.mu.Lock()
	defer t.mu.Unlock()
	arr := t.arr.Load()
	live := 0
	for i := range arr.slots {
		if s := arr.slots[i].Load(); s != nil && !s.dead() {
			live++
		}
	}
	if e := t.empty.Load(); e != nil && e.dead() {
		t.empty.Store(nil)
	}
	t.normal.clear() // the memo follows the active sets too
	// Shrink only when the table is mostly empty, so a stream whose active
	// set oscillates does not reallocate every interval.
	if len(arr.slots) > 8 && 8*live+8 < len(arr.slots) {
		t.rebuild(arr, live)
		return
	}
	// Same size: rebuilding in place is still needed to drop dead entries
	// without breaking the probe chains of live ones.
	t.rebuild(arr, max(live, (len(arr.slots)-2)/2))
}

// each calls visit for every series currently in the table, then for the
// overflow series. Series inserted concurrently may be visited now or at the
// next call, never twice in one call.
func (t *seriesTable[C]) each(visit func(*series[C])) {
	arr := t.arr.Load()
	for i := range arr.slots {
		if s := arr.slots[i].Load(); s != nil {
			visit(s)
		}
	}
	if s := t.overflow.Load(); s != nil {
		visit(s)
	}
}
