// Package exphist holds the state of one series of a Base2 exponential
// histogram, as defined by the OpenTelemetry metrics data model.
//
// A [Histogram] records values into a positive and a negative range of
// exponentially sized buckets plus a zero bucket (zero threshold 0). All
// buckets share one scale: the histogram starts at the configured MaxScale and
// halves its resolution (downscales) whenever the indices in use in either
// range would span more than MaxSize buckets.
//
// The package depends only on the standard library and metricdata so that the
// aggregation engine can embed it for every series without pulling anything
// else in.
package exphist
