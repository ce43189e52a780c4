// Package exphist holds the state of one series of a Base2 exponential
// histogram, as defined by the OpenTelemetry metrics data model.
//
// A [Histogram] records values into a positive and a negative range of
// exponentially sized buckets plus a zero bucket (zero threshold 0). All
// buckets share one scale: the histogram starts at the configured MaxScale and
// halves its resolution (downscales) whenever the indices in use in either
// range would span more than MaxSize buckets.
//
// Bucket indices are exact for every float64 at every scale from -10 to 20,
// subnormals and MaxFloat64 included: exact powers of two are recognised from
// math.Frexp, scales up to 10 use precomputed boundaries, finer scales the
// logarithm, re-checked against the boundary itself (computed to ~106 bits)
// when it lands too close to one to trust. For the same values the data points
// equal the official SDK's.
//
// [Histogram] guards each series with its own mutex; [LockFreeHistogram] is
// an exact lock-free alternative with the same API, slower on the machines
// measured (see its documentation).
//
// The package depends only on the standard library and metricdata so that the
// aggregation engine can embed it for every series without pulling anything
// else in.
package exphist
