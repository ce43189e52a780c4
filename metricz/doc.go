// Package metricz serves a live web page of a process's current metrics,
// in the spirit of expvar and net/http/pprof: mount a [Handler] at
// /debug/metricz and open it in a browser.
//
//	page := metricz.New()
//	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(page))
//	http.Handle("/debug/metricz", page)
//
// The page shows every instrument grouped by instrumentation scope with its
// kind, unit and description; each series with its attributes, its current
// value and a sparkline of recent values; histograms (explicit-bucket and
// base-2 exponential) with bucket bars and p50/p90/p99 estimated from the
// buckets (see [HistogramQuantile] and [ExponentialHistogramQuantile]). A
// filter box narrows the view and the page refreshes itself without
// reloading. Every asset is embedded in the binary: the page never loads
// anything from the network, and a Content-Security-Policy allows only its
// own script.
//
// The Handler carries its own Reader, so it sees cumulative data whatever
// temporality the other readers of the provider use, and collects on its own
// cadence into a bounded in-memory ring: at most [DefaultMaxSeries] series of
// [DefaultHistory] points each unless configured otherwise. Series beyond the
// cap are counted and reported on the page, never stored; attribute values
// are cut at 200 bytes. Requests are served from the last collection and
// never wait for one in progress. Each collection is bounded by
// [DefaultCollectTimeout] (see [WithCollectTimeout]): a callback that never
// returns is abandoned at half of it, and the page shows the other metrics.
//
// # JSON for scripts
//
// ?format=json returns the data the page shows. Its main fields:
// collected_at, interval_ms, limits (the caps), totals (instruments, series,
// shown_series, dropped_series), error (the last collection error) and
// scopes[].instruments[] with name, kind (counter, updowncounter, gauge,
// histogram, exponential_histogram, summary), unit, description and
// series[]. A series has attributes [{key, value}], value (sums and gauges),
// rate (counters, per second), spark (recent points, oldest first, null for
// gaps) and histogram {count, sum, min, max, p50, p90, p99, buckets [{lo, hi,
// count}]}. Values JSON cannot hold are the strings "NaN", "Infinity" and
// "-Infinity". ?filter=text keeps the instruments and series whose names,
// units, descriptions or attributes contain text (case-insensitive). Any
// other query parameter is answered with 400 Bad Request.
//
// Like net/http/pprof, the page shows the inside of a process: mount it on an
// internal listener or behind authentication, not on a public endpoint.
package metricz
