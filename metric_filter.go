package fastmeter

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// MetricFilter decides, at collection, which metric streams and which of
// their data points a reader receives: the specification's MetricFilter
// (metrics SDK, Development status). Register one on a reader with
// WithMetricFilter; the reader applies it to the provider's streams and
// passes it to its Producers.
//
// TestMetric is called once for every metric stream in every collection of
// the reader (the result is not cached, so a filter may change its mind
// between collections). TestAttributes is called only for streams whose
// TestMetric returned MetricFilterAcceptPartial, once per data point.
//
// The kind of one of the provider's streams is the kind of its instrument
// (a view that changes the aggregation does not change it); the kind of a
// Producer's metric is derived from its data: a monotonic Sum is a
// Counter, a non-monotonic Sum an UpDownCounter, a Gauge a Gauge, and a
// Histogram, an ExponentialHistogram or a Summary a Histogram.
//
// The methods are called from the collecting goroutine, one collection of
// a reader at a time; a filter registered on several readers must be safe
// for concurrent use. A method that panics is contained: the panic is
// reported through otel.Handle (rate-limited, naming the metric) and the
// metric or point is accepted, as if there were no filter.
type MetricFilter interface {
	// TestMetric decides for a whole metric stream.
	TestMetric(scope instrumentation.Scope, name string, kind InstrumentKind, unit string) MetricFilterResult
	// TestAttributes decides for one data point of a stream whose
	// TestMetric returned MetricFilterAcceptPartial.
	TestAttributes(scope instrumentation.Scope, name string, kind InstrumentKind, unit string, attrs attribute.Set) AttributesFilterResult
}

// MetricFilterResult is what MetricFilter.TestMetric decides for a stream.
type MetricFilterResult int

const (
	// MetricFilterAccept keeps every data point of the stream without
	// calling TestAttributes. It is the zero value; a value that is none of
	// these constants is treated as MetricFilterAccept.
	MetricFilterAccept MetricFilterResult = iota
	// MetricFilterDrop drops the whole stream: no data point is built, and
	// a callback whose every stream this reader drops is not run.
	MetricFilterDrop
	// MetricFilterAcceptPartial keeps the data points whose attributes
	// TestAttributes accepts.
	MetricFilterAcceptPartial
)

// String returns the specification's name of the result.
func (r MetricFilterResult) String() string {
	switch r {
	case MetricFilterDrop:
		return "Drop"
	case MetricFilterAcceptPartial:
		return "Accept_Partial"
	}
	return "Accept"
}

// AttributesFilterResult is what MetricFilter.TestAttributes decides for one
// data point.
type AttributesFilterResult int

const (
	// AttributesFilterAccept keeps the data point. It is the zero value; a
	// value that is none of these constants is treated as
	// AttributesFilterAccept.
	AttributesFilterAccept AttributesFilterResult = iota
	// AttributesFilterDrop drops the data point.
	AttributesFilterDrop
)

// String returns the specification's name of the result.
func (r AttributesFilterResult) String() string {
	if r == AttributesFilterDrop {
		return "Drop"
	}
	return "Accept"
}

// FilteringProducer is a Producer that accepts the reader's MetricFilter,
// the specification's optional metricFilter parameter of Produce. A reader
// with a MetricFilter calls ProduceFiltered instead of Produce and uses its
// result as it is, so the producer can skip what the filter drops before
// fetching or building it; ProduceFiltered must apply the filter as
// MetricFilter describes. The filter it receives is never nil and contains
// its own panics. A reader without a filter calls Produce.
//
// A Producer that does not implement FilteringProducer is filtered by the
// reader after Produce returns.
type FilteringProducer interface {
	Producer
	ProduceFiltered(ctx context.Context, filter MetricFilter) ([]metricdata.ScopeMetrics, error)
}

// WithMetricFilter registers a MetricFilter on a ManualReader or a
// PeriodicReader: every collection of the reader applies it to the
// provider's streams and to the reader's producers (see FilteringProducer).
// A stream the filter drops costs its collection nothing (no data point is
// built); the recording path is the same with or without a filter. A nil
// filter, the default, keeps everything. A later WithMetricFilter replaces
// an earlier one.
//
// A delta stream that is dropped keeps what it aggregated: if a later
// collection accepts it again, its point covers the time since the stream
// was last collected. Data points dropped by TestAttributes are taken from
// their delta streams and discarded, so a set's next accepted point covers
// only the time since the collection that dropped it.
func WithMetricFilter(filter MetricFilter) ReaderOption {
	return sharedOptionFunc(func(s readerSettings) readerSettings {
		s.filter = newGuardedFilter(filter)
		return s
	})
}
