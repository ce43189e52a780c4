// Package metricz serves a live web page of a process's current metrics,
// in the spirit of expvar and net/http/pprof: mount a [Handler] at
// /debug/metricz and open it in a browser.
//
// The page shows every instrument grouped by instrumentation scope with its
// kind, unit and description; each series with its attributes, its current
// value and a sparkline of recent values; histograms (explicit-bucket and
// base-2 exponential) with bucket bars and p50/p90/p99 estimated from the
// buckets. A filter box narrows the view and the page refreshes itself
// without reloading. The same data is served as JSON (?format=json) for
// scripts. Every asset is embedded in the binary: the page never loads
// anything from the network.
//
// The Handler carries its own Reader, so it sees cumulative data whatever
// temporality the other readers of the provider use, and collects on its own
// cadence into a bounded in-memory ring: at most [DefaultMaxSeries] series of
// [DefaultHistory] points each unless configured otherwise. Series beyond the
// cap are counted and reported on the page, never stored.
package metricz
