package aggregate

import (
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
)

// deadBit marks a series retired by reclaim. It is set in acquired with a CAS
// that only succeeds when no writer is inside the series.
const deadBit = uint64(1) << 63

// series is one attribute set's state within a stream.
//
// Writers of reclaiming streams bracket each update with acquired/done: the
// collector may retire the series only when acquired == done (nobody inside)
// and nothing changed since its previous visit, and it does so by CAS on
// acquired, so a writer that arrives later sees deadBit and goes to a fresh
// series instead. Non-reclaiming (cumulative) streams skip both counters.
type series[C any] struct {
	hash  uint64
	attrs attribute.Set
	// startNanos is when the series saw its first measurement: the start
	// time of its cumulative points.
	startNanos int64

	acquired atomic.Uint64 // writers that entered, | deadBit once retired
	done     atomic.Uint64 // writers that left

	// Owned by the stream's collector (under its collect mutex).
	seenAcquired uint64
	seenDone     uint64
	idleRounds   uint32

	cell C
}

// enter registers a writer on a reclaiming series. It reports false when the
// series has been retired; the caller must look the set up again.
func (s *series[C]) enter() bool {
	return s.acquired.Add(1)&deadBit == 0
}

// leave ends the update begun by enter.
func (s *series[C]) leave() { s.done.Add(1) }

func (s *series[C]) dead() bool { return s.acquired.Load()&deadBit != 0 }

// activity is what the collector learns about one series in one visit.
type activity struct {
	// changed: some writer entered or left since the previous visit, so
	// the series has data for this interval.
	changed bool
	// retired: the series was idle and has now been marked dead; its
	// cell may still hold the last update of a writer that left after the
	// previous visit, so the caller collects it one final time.
	retired bool
}

// observe compares the series' writer counters with the previous visit and,
// when retire is allowed and the series was idle for idleLimit visits in a
// row with nobody inside, marks it dead.
func (s *series[C]) observe(retire bool, idleLimit uint32) activity {
	acq := s.acquired.Load()
	done := s.done.Load()
	var a activity
	if acq != s.seenAcquired || done != s.seenDone {
		a.changed = true
		s.idleRounds = 0
	} else {
		s.idleRounds++
	}
	s.seenAcquired, s.seenDone = acq, done
	if retire && !a.changed && acq == done && s.idleRounds >= idleLimit {
		// Succeeds only if no writer entered since acq was read.
		a.retired = s.acquired.CompareAndSwap(acq, acq|deadBit)
	}
	return a
}
