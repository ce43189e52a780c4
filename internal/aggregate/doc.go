// Package aggregate is fastmeter's aggregation engine: it turns measurements
// into metricdata for one stream (one instrument as seen by one reader
// through one view).
//
// # Series table
//
// A synchronous stream owns a seriesTable (table.go) that maps an attribute
// set to a series. The table is read without locks: a lookup hashes the set
// (the empty set has a cached series and needs no lookup), probes an
// open-addressing array of atomic pointers and confirms a hit by storage
// identity or attribute.Set.Equals, so two sets whose hashes collide are
// never merged. A miss takes the table's mutex, probes again and inserts a
// fresh series, or, past the cardinality limit, returns the
// otel.metric.overflow=true series. Growth and compaction build a new array
// under the same mutex and publish it with one atomic store; readers never
// take the mutex.
//
// Each series holds a cell (sum, last value, explicit histogram, exponential
// histogram) updated with atomics only. Collection never blocks writers:
// cumulative streams read the cells, delta streams swap them to zero, and
// every update lands in exactly one collection. Asynchronous instruments use
// the precomputed streams (precomputed.go), which are only written while the
// pipeline runs callbacks and so simply take a mutex.
//
// # Reclaim
//
// Delta streams, and cumulative streams configured with ForgetIdleAfter,
// remove idle series so memory follows the active attribute sets. Writers of
// such a stream bracket every update with series.enter and series.leave,
// which count writers in and out (series.go). At collection, sweep (stream.go) visits every series
// and calls observe: a series whose two counters are equal (nobody inside)
// and unchanged for the stream's idle limit of consecutive visits (one for
// delta, ForgetIdleAfter for cumulative) is retired with a single CAS that
// sets a dead bit in the enter counter. The CAS fails if a writer entered
// since the counters were read, so a series is never retired under a writer;
// a writer arriving after the CAS sees the dead bit in the value enter
// returns, looks the set up again and gets a fresh series, so no update is
// lost to a removal. A fresh series is entered by its creator before it is
// published. A retired series is collected one last time (a writer that left
// after the previous visit may have updated it), and the table is compacted
// after a sweep that retired something. The overflow series is never
// retired.
//
// Bound handles (bound.go) follow the same protocol: on a reclaiming stream a
// handle enters its series on every update and, when it finds the series
// retired, acquires a fresh one.
//
// # Finish
//
// Finish (finish.go, the experimental x.Finisher) asks the next collection to
// report a series one last time and release it, on every stream kind and
// temporality. On reclaiming streams that is a retirement that waits for the
// writers inside; on cumulative streams that never reclaim, whose writers do
// not bracket their updates, writers check the dead bit after each update and
// move a late update out of the dead cell into the set's fresh series once the
// collector has sealed the final value.
//
// # Exemplars
//
// A series' reservoir (exemplar.go) is created on the first offer that
// passed the stream's filter. The specification's default reservoirs are
// fastmeter's own (reservoir.go): uniform sampling over the current cycle
// decided lock-free with an atomic count and one random draw, a lock only
// for an offer that is kept, and a collection that copies the held slots
// and zeroes the counts. Calls into user reservoirs are serialised and
// recovered: a panicking reservoir loses its exemplars, never the
// measurement, and its panics are reported through otel.Handle at a bounded
// rate (internal/ratelimit).
package aggregate
