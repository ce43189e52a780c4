// Package aggregate is fastmeter's aggregation engine: it turns measurements
// into metricdata for one stream (one instrument as seen by one reader
// through one view).
//
// A stream owns a seriesTable that maps an attribute set to a series. The
// table is read without locks: a lookup hashes the set's precomputed
// attribute.Distinct, probes an open-addressing array of atomic pointers and
// confirms the hit with attribute.Set.Equals, so two sets whose hashes
// collide are never merged. Inserts, growth and reclaim take the table's
// mutex; readers never do.
//
// Each series holds a cell (sum, last value, explicit histogram, exponential
// histogram) updated with atomics only. Collection never blocks writers:
// cumulative streams read the cells, delta streams swap them to zero, and
// every update lands in exactly one collection.
//
// Delta streams reclaim idle series: a series whose state word shows no
// writer since the previous collection is marked dead with a single CAS, and
// a writer that finds a dead series looks it up again and gets a fresh one,
// so no update is lost to a removal (see reclaim.go).
package aggregate
