// Package ratelimit bounds how often a stream of repeated events is reported.
//
// fastmeter reports problems caused by user input or user code (an invalid
// measurement, a panicking exemplar reservoir) through otel.Handle. Such a
// problem usually repeats on every measurement of a hot loop, and one report
// per occurrence would flood the error handler. A Limiter lets the first
// occurrence through at once and then at most one report per Interval, each
// carrying the number of occurrences since the previous report, so every
// occurrence is counted and none is lost from the totals.
package ratelimit

import (
	"sync/atomic"
	"time"
)

// Interval is the minimum time between two reports of one Limiter.
const Interval = 10 * time.Second

// Limiter rate-limits the reports of one kind of event (for example the
// invalid measurements of one instrument). The zero value is ready to use;
// it is safe for concurrent use and must not be copied after first use.
type Limiter struct {
	// pending counts the events not yet included in a report.
	pending atomic.Uint64
	// next is the earliest time, in Unix nanoseconds, at which the next
	// report may be made; zero lets the first event report at once.
	next atomic.Int64
}

// Event records one event that happened at now. It returns report == true
// when the caller should report now, with n the number of events since the
// previous report (this one included, n ≥ 1); otherwise the event is counted
// towards the next report. Of several concurrent callers at most one is told
// to report per Interval.
func (l *Limiter) Event(now time.Time) (n uint64, report bool) {
	l.pending.Add(1)
	t := now.UnixNano()
	next := l.next.Load()
	if next != 0 && t < next {
		return 0, false
	}
	if !l.next.CompareAndSwap(next, t+int64(Interval)) {
		return 0, false // another caller reports this round
	}
	n = l.pending.Swap(0)
	return n, n != 0
}
