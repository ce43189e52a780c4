package aggregate

import (
	"math"
	"runtime"

	"go.opentelemetry.io/otel/attribute"
)

// Finish: ending a series' lifetime on request (the experimental
// x.Finisher). A finished series is collected one last time by the stream's
// next collection, for every reader, and then released: it is marked dead
// and compacted out of the table, so memory follows the live set. A
// measurement made between Finish and that collection belongs to the final
// value; one made after it creates a fresh series (with a new start time on
// a cumulative stream).
//
// The request and the lifecycle live in the series' acquired word, next to
// deadBit, so a series costs no extra memory:
//
//   - finishBit: Finish asked for it; the next sweep finishes the series.
//   - deadBit: the series is finished (or retired idle); a writer must not
//     leave an update in it.
//   - sealedBit: the final value has been taken (non-reclaiming streams).
//
// Reclaiming streams (delta, or cumulative with ForgetIdleAfter) already
// bracket every write with enter/leave, so the sweep sets deadBit, waits for
// the writers that entered before it to leave, and reads the final value:
// writers arriving later fail enter and acquire a fresh series.
//
// Cumulative streams that never reclaim do not bracket their writers (their
// hot paths are one lookup and one atomic update, and a bound handle keeps
// its series' cell). Their writers check deadBit after updating instead
// (settle, a load and a branch on a line the update just touched). The
// sweep sets deadBit, then takes the final value (swapping the cell to zero,
// as delta collection does), then sets sealedBit. A writer whose update came
// before the take is in the final value; one whose update came after it sees
// deadBit (it was set before the take), waits for sealedBit, takes what is
// left in the dead cell — its own update and any other late writer's — and
// adds that to the set's fresh series. Every update is therefore counted
// exactly once: in the final value, or in the new series, which later
// collections report.

const (
	finishBit  = uint64(1) << 61
	sealedBit  = uint64(1) << 62
	stateFlags = deadBit | sealedBit | finishBit
)

// finishing reports whether Finish asked for s and it is not finished yet.
func (s *series[C]) finishing() bool {
	return s.acquired.Load()&(finishBit|deadBit) == finishBit
}

// kill marks s dead for finishing. On a reclaiming table it waits for the
// writers that entered before to leave, and reports whether any writer
// entered since the collector's previous visit (the series has data for this
// interval). Called by the collector.
func (s *series[C]) kill(reclaim bool) (changed bool) {
	old := s.acquired.Or(deadBit)
	if !reclaim {
		return true
	}
	entered := old &^ stateFlags
	for s.done.Load() != entered {
		runtime.Gosched() // a writer is inside, in the middle of a few atomics
	}
	return entered != s.seenAcquired&^stateFlags || entered != s.seenDone
}

// seal publishes that the final value of a dead series has been taken.
func (s *series[C]) seal() { s.acquired.Or(sealedBit) }

// awaitSeal waits until the collector has taken a dead series' final value,
// so that what a late writer then finds in the cell is exactly what came
// after it.
func (s *series[C]) awaitSeal() {
	for s.acquired.Load()&sealedBit == 0 {
		runtime.Gosched() // the collector is between two atomics of its sweep
	}
}

// Finisher is implemented by the synchronous streams.
type Finisher interface {
	// Finish asks the next collection to report attrs' series one last time
	// and release it. attrs is the measurement's set, before the stream's
	// attribute filter. An unknown, finished or overflowed set is a no-op.
	Finish(attrs *attribute.Set)
}

// finish marks the series of set (already filtered) for finishing. It
// reports whether there was one. The overflow series is not in the array and
// is never finished.
func (t *seriesTable[C]) finish(set *attribute.Set) bool {
	// The series of a set with repeated MAP keys or invalid UTF-8 is that
	// of its normal form (acquireSlow): Finish names it the same way.
	if norm, fixed := normalizedSet(set); fixed != 0 {
		set = &norm
	}
	if s := t.liveSeries(set); s != nil {
		s.acquired.Or(finishBit)
		return true
	}
	// Not found, or found dead: a finished series may have just been
	// replaced by a fresh one in an array published meanwhile. Under mu
	// the array and the empty set's series are current.
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.liveSeries(set); s != nil {
		s.acquired.Or(finishBit)
		return true
	}
	return false
}

// liveSeries returns set's series if it is in the table and not dead.
func (t *seriesTable[C]) liveSeries(set *attribute.Set) *series[C] {
	var s *series[C]
	if set.Equivalent() == emptyKey {
		s = t.empty.Load()
	} else {
		s, _ = t.arr.Load().find(setHash(set), set)
	}
	if s == nil || s.dead() {
		return nil
	}
	return s
}

// Finish implements Finisher.
func (s *sum[N]) Finish(attrs *attribute.Set) { s.table.finishFiltered(&s.cfg, attrs) }

// Finish implements Finisher.
func (h *histogram[N]) Finish(attrs *attribute.Set) { h.table.finishFiltered(&h.cfg, attrs) }

// Finish implements Finisher.
func (s *lastValue[N]) Finish(attrs *attribute.Set) { s.table.finishFiltered(&s.cfg, attrs) }

// Finish implements Finisher.
func (e *exponential[N]) Finish(attrs *attribute.Set) { e.table.finishFiltered(&e.cfg, attrs) }

// finishFiltered is finish for a measurement's set, before the stream's
// attribute filter.
func (t *seriesTable[C]) finishFiltered(cfg *Config, attrs *attribute.Set) {
	fset, _ := cfg.filtered(attrs)
	t.finish(&fset)
}

// settleDead is the late-writer step of a non-reclaiming stream after an
// update of se found it dead: once the final value is sealed, move takes
// what is left in the dead cell into the set's fresh series (and on, should
// that one be finished meanwhile too). It returns the series the residue
// went to, which a bound handle keeps.
func settleDead[C any](t *seriesTable[C], se *series[C], move func(from, to *C)) *series[C] {
	for se.dead() {
		se.awaitSeal()
		next := t.acquire(&se.attrs) // never a dead series, never entered (no reclaim)
		move(&se.cell, &next.cell)
		se = next
	}
	return se
}

// settleSum is settleDead for sums, which the add path calls directly.
func settleSum[N Number](t *seriesTable[sumCell[N]], se *series[sumCell[N]]) *series[sumCell[N]] {
	return settleDead(t, se, moveSum[N])
}

func moveSum[N Number](from, to *sumCell[N]) {
	if v := from.value.swapZero(); v != 0 {
		to.value.add(v)
	}
}

// moveHistogram moves every part of a histogram cell's residue. Extrema are
// idempotent: merging the residue's (or an empty cell's ±Inf) into the
// fresh series is always right.
func moveHistogram[N Number](from, to *histogramCell[N]) {
	for i := range from.counts {
		if n := from.counts[i].Swap(0); n != 0 {
			to.counts[i].Add(n)
		}
	}
	if v := from.sum.swapZero(); v != 0 {
		to.sum.add(v)
	}
	atomicMin(&to.min, math.Float64frombits(from.min.Swap(posInfBits)))
	atomicMax(&to.max, math.Float64frombits(from.max.Swap(negInfBits)))
}

// moveLastValue moves a gauge value stored after the final take: has says
// whether the dead cell holds one.
func moveLastValue[N Number](from, to *lastValueCell[N]) {
	if from.has.Swap(false) {
		to.value.store(from.value.load())
		to.has.Store(true)
	}
}

// settle is the step after every update of se by a writer that did not
// enter it: it returns se, or, when se was finished, the series its residue
// went to (the one a bound handle keeps). Reclaiming tables need none.
func (s *sum[N]) settle(se *series[sumCell[N]]) *series[sumCell[N]] {
	if !s.table.reclaim && se.dead() {
		return settleSum(s.table, se)
	}
	return se
}

// settle is sum.settle for histograms.
func (h *histogram[N]) settle(se *series[histogramCell[N]]) *series[histogramCell[N]] {
	if !h.table.reclaim && se.dead() {
		return settleDead(h.table, se, moveHistogram[N])
	}
	return se
}

// settle is sum.settle for gauges.
func (s *lastValue[N]) settle(se *series[lastValueCell[N]]) *series[lastValueCell[N]] {
	if !s.table.reclaim && se.dead() {
		return settleDead(s.table, se, moveLastValue[N])
	}
	return se
}

// settle is sum.settle for exponential histograms, whose update already
// moved a value refused by a closed histogram; a handle moves on too.
func (e *exponential[N]) settle(se *series[exponentialCell[N]]) *series[exponentialCell[N]] {
	if !e.table.reclaim && se.dead() {
		return e.table.acquire(&se.attrs)
	}
	return se
}
