package selfobs

import "sync/atomic"

// The process-wide event counts. They are incremented in slow paths only,
// whether or not self-observability is on (one uncontended atomic add on a
// path that already takes a lock or reports an error costs less than
// reading the switch), and read at collection time by the observable
// counters of process.go.
var (
	// overflowed counts measurements routed to a stream's overflow series
	// (otel.metric.overflow=true) by the locked lookup of a set past the
	// cardinality limit; a bound handle routed there counts once, when it
	// binds.
	overflowed atomic.Int64
	// invalid counts measurements dropped as invalid (NaN, ±Inf, a negative
	// counter increment, a negative histogram value…).
	invalid atomic.Int64
	// abandoned counts callback runs a collection walked away from at its
	// callback deadline.
	abandoned atomic.Int64
	// panicked counts callback runs that panicked (the panic is contained).
	panicked atomic.Int64
)

// Overflowed records one measurement routed to an overflow series.
func Overflowed() { overflowed.Add(1) }

// Invalid records one measurement dropped as invalid.
func Invalid() { invalid.Add(1) }

// Abandoned records one abandoned callback run.
func Abandoned() { abandoned.Add(1) }

// Panicked records one callback run that panicked.
func Panicked() { panicked.Add(1) }

// Counts is a snapshot of the process-wide event counts.
type Counts struct {
	Overflowed, Invalid, Abandoned, Panicked int64
}

// Snapshot returns the current process-wide event counts.
func Snapshot() Counts {
	return Counts{Overflowed: overflowed.Load(), Invalid: invalid.Load(), Abandoned: abandoned.Load(), Panicked: panicked.Load()}
}
