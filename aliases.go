package fastmeter

import (
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// The exported contract types of the official SDK, reused as aliases so that
// values written for it (exporters, views, aggregation configurations,
// selectors) are the very same types here.
type (
	// Exporter handles the delivery of metric data to external receivers.
	// It is the official SDK's Exporter; see its documentation for the
	// contract PeriodicReader honours.
	Exporter = sdkmetric.Exporter
	// Producer produces metrics for a Reader from an external source.
	Producer = sdkmetric.Producer
	// View is an override to the default behaviour of the SDK: it returns
	// the Stream an Instrument should produce, and whether it matched.
	View = sdkmetric.View
	// Instrument describes properties an instrument is created with; views
	// match on it.
	Instrument = sdkmetric.Instrument
	// Stream describes the stream of data an instrument produces.
	Stream = sdkmetric.Stream
	// InstrumentKind identifies a group of instruments that all perform
	// the same function.
	InstrumentKind = sdkmetric.InstrumentKind
	// Aggregation is the aggregation used to summarise measurements.
	Aggregation = sdkmetric.Aggregation
	// AggregationDefault selects the default aggregation of the instrument
	// kind (see DefaultAggregationSelector).
	AggregationDefault = sdkmetric.AggregationDefault
	// AggregationDrop drops all measurements.
	AggregationDrop = sdkmetric.AggregationDrop
	// AggregationSum summarises measurements as their arithmetic sum.
	AggregationSum = sdkmetric.AggregationSum
	// AggregationLastValue keeps the last measurement.
	AggregationLastValue = sdkmetric.AggregationLastValue
	// AggregationExplicitBucketHistogram summarises measurements as a
	// histogram with explicitly defined bucket boundaries.
	AggregationExplicitBucketHistogram = sdkmetric.AggregationExplicitBucketHistogram
	// AggregationBase2ExponentialHistogram summarises measurements as a
	// histogram whose bucket widths grow exponentially.
	AggregationBase2ExponentialHistogram = sdkmetric.AggregationBase2ExponentialHistogram
	// AggregationSelector selects the aggregation for an instrument kind.
	AggregationSelector = sdkmetric.AggregationSelector
	// TemporalitySelector selects the temporality for an instrument kind.
	TemporalitySelector = sdkmetric.TemporalitySelector
	// CardinalityLimitSelector selects the cardinality limit for an
	// instrument kind: (limit, false) sets it (≤ 0: unlimited), (0, true)
	// falls back to the provider's limit.
	CardinalityLimitSelector = sdkmetric.CardinalityLimitSelector
	// ExemplarReservoirProviderSelector selects the exemplar reservoir
	// provider for an aggregation.
	ExemplarReservoirProviderSelector = sdkmetric.ExemplarReservoirProviderSelector
)

// The instrument kinds, identical to the official SDK's.
const (
	// InstrumentKindCounter identifies Counters.
	InstrumentKindCounter = sdkmetric.InstrumentKindCounter
	// InstrumentKindUpDownCounter identifies UpDownCounters.
	InstrumentKindUpDownCounter = sdkmetric.InstrumentKindUpDownCounter
	// InstrumentKindHistogram identifies Histograms.
	InstrumentKindHistogram = sdkmetric.InstrumentKindHistogram
	// InstrumentKindObservableCounter identifies ObservableCounters.
	InstrumentKindObservableCounter = sdkmetric.InstrumentKindObservableCounter
	// InstrumentKindObservableUpDownCounter identifies ObservableUpDownCounters.
	InstrumentKindObservableUpDownCounter = sdkmetric.InstrumentKindObservableUpDownCounter
	// InstrumentKindObservableGauge identifies ObservableGauges.
	InstrumentKindObservableGauge = sdkmetric.InstrumentKindObservableGauge
	// InstrumentKindGauge identifies synchronous Gauges.
	InstrumentKindGauge = sdkmetric.InstrumentKindGauge
)

// The official SDK's error values, so errors.Is works across both SDKs.
var (
	// ErrExporterShutdown is returned by exporters after Shutdown.
	ErrExporterShutdown = sdkmetric.ErrExporterShutdown
	// ErrInstrumentName is returned, with a working instrument, when an
	// instrument name does not follow the specification's syntax.
	ErrInstrumentName = sdkmetric.ErrInstrumentName
	// ErrReaderNotRegistered is returned by Collect before the reader is
	// registered with a MeterProvider.
	ErrReaderNotRegistered = sdkmetric.ErrReaderNotRegistered
	// ErrReaderShutdown is returned by Collect and Shutdown after the
	// reader has been shut down.
	ErrReaderShutdown = sdkmetric.ErrReaderShutdown
)

// DefaultAggregationSelector returns the specification's default aggregation
// for an instrument kind: Sum for counters and up-down counters, LastValue for
// gauges, ExplicitBucketHistogram for histograms.
func DefaultAggregationSelector(ik InstrumentKind) Aggregation {
	return sdkmetric.DefaultAggregationSelector(ik)
}

// DefaultTemporalitySelector uses cumulative temporality for every kind.
func DefaultTemporalitySelector(ik InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(ik)
}

// CumulativeTemporalitySelector uses cumulative temporality for every kind.
func CumulativeTemporalitySelector(ik InstrumentKind) metricdata.Temporality {
	return sdkmetric.CumulativeTemporalitySelector(ik)
}

// DeltaTemporalitySelector uses delta temporality for counters, histograms
// and observable counters, and cumulative for up-down counters and gauges.
func DeltaTemporalitySelector(ik InstrumentKind) metricdata.Temporality {
	return sdkmetric.DeltaTemporalitySelector(ik)
}

// LowMemoryTemporalitySelector uses delta temporality for synchronous
// counters and histograms, and cumulative for everything else.
func LowMemoryTemporalitySelector(ik InstrumentKind) metricdata.Temporality {
	return sdkmetric.LowMemoryTemporalitySelector(ik)
}

// DefaultExemplarReservoirProviderSelector returns the default exemplar
// reservoir for an aggregation: bucket-aligned for explicit histograms,
// fixed size min(20, MaxSize) for exponential histograms, and fixed size
// otherwise.
func DefaultExemplarReservoirProviderSelector(agg Aggregation) exemplar.ReservoirProvider {
	return sdkmetric.DefaultExemplarReservoirProviderSelector(agg)
}
