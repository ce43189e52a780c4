package aggregate

import (
	"context"
	"math"
	"sync/atomic"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// The hot path of Counter.Add and UpDownCounter.Add.
//
// With one reader and the default view, an Add on an existing series of a
// cumulative sum is, at heart, one probe of the stream's table, one
// confirmation that the hit is the measurement's set (storage identity, or
// one byte comparison of the attribute arrays), and one atomic update. Each
// function call around that, each argument spilled to the stack because a
// slower path might call something, costs about as much again: every Add
// ends in a locked instruction, so consecutive Adds cannot overlap and
// their instruction counts add up.
//
// So the instrument embeds an Int64AddPath or Float64AddPath as its first
// field: the Add the API calls through its interface is the path's own
// method (a promoted method of a non-generic type compiles to a jump), and
// its common case — a single attribute option or none, a series in its
// home slot — calls nothing before the update but memequal (and, for a
// contended cell, the stripes' add, after which nothing is live, so no
// call forces a spill). Everything else goes to slow, one call at the end,
// which serves the rest of the direct cases (the probe chain, equal sets in
// distinct string storage), a single stream's Measure, and last the
// instrument's own path (AddRest) for validation reports, several streams,
// or options it must decode.

// AddRest is the instrument's own Add: everything its AddPath does not
// serve. opts is passed as the caller gave it.
type AddRest[N Number] interface {
	AddRest(ctx context.Context, v N, opts []metric.AddOption)
}

// directMode says which Adds the path may apply to a series itself.
type directMode uint8

const (
	directOff      directMode = iota // none: the only stream is not a direct sum
	directAnyCtx                     // exemplars off: any context
	directSpanless                   // trace-based exemplars: contexts without a span
)

// sumAddPath is the state Int64AddPath and Float64AddPath share. It is set
// once by Init, before the instrument is published, and only read after,
// except for mode and off, which SetEnabled switches at run time.
type sumAddPath[N Number] struct {
	// mode is a directMode: initMode while enabled, directOff while
	// disabled (SetEnabled), so a disabled Add leaves the inline part at
	// its first test and slow drops it. An atomic load of it is a plain
	// load on amd64, as the field was before it could change.
	mode     atomic.Uint32
	initMode directMode
	// off says the instrument's meter is disabled (MeterConfig): slow drops
	// every Add. Checked only there: a disabled path's mode is directOff.
	off atomic.Bool
	// minIncrement is the least value the direct modes take: 0 for a
	// Counter, the type's least value (-Inf for float64) otherwise; one
	// compare instead of two.
	minIncrement N
	table        *seriesTable[sumCell[N]] // the direct sum's series (mode != directOff)
	// optionItab is the itab of the API's attribute options as the
	// instrument verified it (their data is a pointer to the
	// attribute.Set), or nil when it could not: options are then never
	// read here.
	optionItab unsafe.Pointer
	only       Measurer[N] // the instrument's single stream, or nil
	rest       AddRest[N]
}

// Init configures the path for an instrument whose streams are measures.
// The direct modes need a single cumulative sum that never removes series,
// applies no attribute filter, and samples exemplars only for sampled
// spans (or never); see sum.directOK and DirectSum.
func (p *sumAddPath[N]) Init(measures []Measurer[N], monotonic bool, optionItab unsafe.Pointer, rest AddRest[N]) {
	p.optionItab, p.rest = optionItab, rest
	if !monotonic {
		p.minIncrement = leastValue[N]()
	}
	if len(measures) != 1 {
		return
	}
	p.only = measures[0]
	s, ok := p.only.(*sum[N])
	if !ok || optionItab == nil || !fastHash { // the inline part reads the API's hash as is
		return
	}
	if !s.directOK() || !s.cfg.Exemplars.TraceBasedOnly() {
		return
	}
	p.table, p.initMode = s.table, directSpanless
	if s.cfg.Exemplars == nil {
		p.initMode = directAnyCtx
	}
	p.mode.Store(uint32(p.initMode))
}

// SetEnabled switches the path on (its mode from Init) or off (every Add
// dropped), for a meter whose MeterConfig changed. off is set before mode
// either way, so once SetEnabled returns every Add sees the new state; an
// Add running concurrently may still take the old one.
func (p *sumAddPath[N]) SetEnabled(on bool) {
	p.off.Store(!on)
	if on {
		p.mode.Store(uint32(p.initMode))
	} else {
		p.mode.Store(uint32(directOff))
	}
}

// admits reports whether v may be recorded without a report: finite, and
// not negative on a Counter.
func (p *sumAddPath[N]) admits(v N) bool {
	return v-v == 0 && v >= p.minIncrement
}

// directFor reports whether the direct modes serve an Add with ctx.
func (p *sumAddPath[N]) directFor(ctx context.Context) bool {
	m := directMode(p.mode.Load())
	return m == directAnyCtx || (m == directSpanless && spanless(ctx))
}

// leastValue is N's least value: math.MinInt64, or -Inf.
func leastValue[N Number]() N {
	if isFloat[N]() {
		return N(math.Inf(-1))
	}
	v := int64(math.MinInt64)
	return N(v)
}

// slow is every Add the path's inline part did not finish. Kept out of
// line so that the inline part holds no call before its return.
//
//go:noinline
func (p *sumAddPath[N]) slow(ctx context.Context, v N, opts []metric.AddOption) {
	if p.off.Load() { // a disabled meter's instrument: the no-op
		return
	}
	if ctx != nil && p.admits(v) {
		if set, ok := p.optionSet(opts); ok {
			if p.directFor(ctx) {
				if s := p.table.lookup(set); s != nil {
					s.cell.value.add(v)
					p.settle(s)
					return
				}
			}
			if p.only != nil {
				p.only.Measure(ctx, v, set)
				return
			}
		}
	}
	p.rest.AddRest(ctx, v, opts)
}

// slowSet is slow for an Add the direct mode admitted (a valid value, a
// context the exemplar rule lets through) whose set was read but not found
// in its home slot: the rest of the probe, equal strings in distinct
// storage, or a new series, created by the stream. The stream gets
// context.Background() for the caller's context: in a direct mode no
// measurement's context can matter to it (exemplars are off, or trace-based
// and the context carries no span), and not passing it keeps the caller's
// context out of the registers the inline part must save around memequal.
//
//go:noinline
func (p *sumAddPath[N]) slowSet(set *attribute.Set, v N) {
	if s := p.table.lookup(set); s != nil {
		s.cell.value.add(v)
		p.settle(s)
		return
	}
	p.only.Measure(context.Background(), v, set)
}

// addContended is the inline part's update of a striped cell, or of one
// whose CAS failed: out of line, so that the inline part keeps nothing live
// across a call.
//
//go:noinline
func (p *sumAddPath[N]) addContended(s *series[sumCell[N]], v N) {
	s.cell.value.addStriped(v)
	p.settle(s)
}

// settle follows every direct update: a series finished meanwhile hands the
// update on to the set's fresh series (finish.go). The inline parts test
// deadBit themselves and call settleDead.
func (p *sumAddPath[N]) settle(s *series[sumCell[N]]) {
	if s.dead() {
		p.settleDead(s)
	}
}

//go:noinline
func (p *sumAddPath[N]) settleDead(s *series[sumCell[N]]) { settleSum(p.table, s) }

// optionSet returns the attribute set of an Add without options or with a
// single attribute option, the shapes the path reads itself.
func (p *sumAddPath[N]) optionSet(opts []metric.AddOption) (*attribute.Set, bool) {
	switch {
	case len(opts) == 0:
		return attribute.EmptySet(), true
	case len(opts) == 1 && p.optionItab != nil:
		if w := (*optionWords)(unsafe.Pointer(&opts[0])); w.itab == p.optionItab {
			return (*attribute.Set)(w.data), true
		}
	}
	return nil, false
}

// optionWords is a non-empty interface value: its itab and data pointer.
type optionWords struct {
	itab unsafe.Pointer
	data unsafe.Pointer
}

// Int64AddPath is the hot path of an int64 Counter's or UpDownCounter's
// Add; the instrument embeds it first and calls Init before publishing.
type Int64AddPath struct{ sumAddPath[int64] }

// Add records v with the attributes of opts. Its body is the common case
// only; see the comment at the top of this file.
func (p *Int64AddPath) Add(ctx context.Context, v int64, opts ...metric.AddOption) {
	// Written as early exits: a helper returning the condition as a bool
	// costs its materialisation on every Add.
	if m := directMode(p.mode.Load()); m != directOff && v >= p.minIncrement && (m == directAnyCtx || spanless(ctx)) {
		switch len(opts) {
		case 1:
			if w := (*optionWords)(unsafe.Pointer(&opts[0])); w.itab == p.optionItab {
				set := (*attribute.Set)(w.data)
				if h := layoutOf(set).hash; h != 0 { // 0: a zero Set, the empty set
					arr := p.table.arr.Load()
					if s := arr.slots[h&arr.mask].Load(); s != nil && s.hash == h && sameBytes(&s.attrs, set) {
						// stripedSum.add written out; the contended half
						// is one call at the end, so nothing spills.
						c := &s.cell.value
						if old := c.base.bits.Load(); c.stripes.Load() != nil || !c.base.bits.CompareAndSwap(old, old+uint64(v)) {
							p.addContended(s, v)
							return
						}
						if s.acquired.Load()&deadBit != 0 { // finished meanwhile
							p.settleDead(s)
						}
						return
					}
				}
				p.slowSet(set, v) // needs neither ctx nor opts: less is live across memequal
				return
			}
		case 0:
			// The empty set's cell: two's complement adds a negative v too.
			// The base word takes the add even once striped; collection
			// reads both.
			if s := p.table.empty.Load(); s != nil {
				s.cell.value.base.bits.Add(uint64(v))
				if s.acquired.Load()&deadBit != 0 {
					p.settleDead(s)
				}
				return
			}
			p.slowSet(attribute.EmptySet(), v)
			return
		}
	}
	p.slow(ctx, v, opts)
}

// Float64AddPath is Int64AddPath for float64 instruments. Its Add repeats
// Int64AddPath.Add rather than sharing a generic body: a promoted method of
// a generic type takes a dictionary and is not a jump, and a shared helper
// would not inline.
type Float64AddPath struct{ sumAddPath[float64] }

// Add records v with the attributes of opts; see Int64AddPath.Add.
func (p *Float64AddPath) Add(ctx context.Context, v float64, opts ...metric.AddOption) {
	if m := directMode(p.mode.Load()); m != directOff && v-v == 0 && v >= p.minIncrement && (m == directAnyCtx || spanless(ctx)) {
		var s *series[sumCell[float64]]
		var set *attribute.Set // the Add's set once read, for slowSet
		switch len(opts) {
		case 1:
			if w := (*optionWords)(unsafe.Pointer(&opts[0])); w.itab == p.optionItab {
				set = (*attribute.Set)(w.data)
				if h := layoutOf(set).hash; h != 0 {
					arr := p.table.arr.Load()
					if s = arr.slots[h&arr.mask].Load(); s != nil && (s.hash != h || !sameBytes(&s.attrs, set)) {
						s = nil
					}
				}
			}
		case 0:
			s, set = p.table.empty.Load(), attribute.EmptySet()
		}
		if s != nil { // stripedSum.add written out, as for int64
			c := &s.cell.value
			if old := c.base.bits.Load(); c.stripes.Load() != nil ||
				!c.base.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
				p.addContended(s, v)
				return
			}
			if s.acquired.Load()&deadBit != 0 {
				p.settleDead(s)
			}
			return
		}
		if set != nil {
			p.slowSet(set, v)
			return
		}
	}
	p.slow(ctx, v, opts)
}
