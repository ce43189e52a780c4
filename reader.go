package fastmeter

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter/internal/selfobs"
)

// Reader is the interface between the SDK and an exporter. The SDK drives
// ForceFlush and Shutdown through it; the exporter (or the application)
// drives Collect.
//
// Reader has unexported methods: the readers are ManualReader,
// PeriodicReader and readers built on them (a pull exporter embeds a
// ManualReader). Warning: methods may be added in minor releases.
type Reader interface {
	// Collect gathers all metric data of the Reader's provider and
	// producers into rm. It returns an error after Shutdown, before the
	// reader is registered, when rm is nil, or when ctx is done.
	// It is safe for concurrent use.
	//
	// Collect honours ctx throughout: waiting for a concurrent collection
	// ends with ctx, and when ctx can end, callbacks get the first half of
	// the time left before its deadline. A callback still running then is
	// abandoned: the other streams are collected and returned, the
	// callback's streams report nothing new (only what it observed before
	// the deadline), what it observes later is dropped, and it is skipped
	// by later collections until it returns; this is reported through
	// otel.Handle (rate-limited), naming its instruments, and is not an
	// error of Collect. If ctx itself ends while callbacks run, no stream is
	// read and ctx's error is returned. With a context that never ends
	// (context.Background()) callbacks run inline and Collect waits for them.
	Collect(ctx context.Context, rm *metricdata.ResourceMetrics) error
	// Shutdown flushes what the reader holds and releases its resources,
	// honouring ctx. Later calls to Collect return ErrReaderShutdown.
	Shutdown(ctx context.Context) error

	// register connects the reader to its provider's pipeline.
	register(source) error
	// settings is the reader's temporality, aggregation and cardinality
	// configuration, read by the provider when it builds streams.
	settings() *readerSettings
}

// source is what a reader collects from: a provider's pipeline for it. It
// fills rm with the provider's data followed by the producers' ScopeMetrics.
type source interface {
	produce(ctx context.Context, rm *metricdata.ResourceMetrics, producers []Producer) error
}

// readerSettings is the configuration every reader shares.
type readerSettings struct {
	temporality TemporalitySelector
	aggregation AggregationSelector
	cardinality CardinalityLimitSelector
	producers   []Producer
	// filter is the reader's MetricFilter (metric_filter.go); nil: none.
	filter *guardedFilter
}

// temporalityOf and aggregationOf fall back to the defaults when the
// selector is unset, which is the case only for a zero ManualReader (not
// from NewManualReader): it is usable, with the default configuration.
func (s *readerSettings) temporalityOf(k InstrumentKind) metricdata.Temporality {
	if s.temporality == nil {
		return DefaultTemporalitySelector(k)
	}
	return s.temporality(k)
}

func (s *readerSettings) aggregationOf(k InstrumentKind) Aggregation {
	if s.aggregation == nil {
		return DefaultAggregationSelector(k)
	}
	return s.aggregation(k)
}

// limitOf resolves the reader's cardinality limit for k, falling back to the
// provider's.
func (s *readerSettings) limitOf(k InstrumentKind, providerLimit int) int {
	if s.cardinality == nil {
		return providerLimit
	}
	limit, fallback := s.cardinality(k)
	if fallback {
		return providerLimit
	}
	return limit
}

// ManualReaderOption applies a configuration value to a ManualReader.
type ManualReaderOption interface {
	applyManual(readerSettings) readerSettings
}

// PeriodicReaderOption applies a configuration value to a PeriodicReader.
type PeriodicReaderOption interface {
	applyPeriodic(periodicSettings) periodicSettings
}

// ReaderOption applies to both ManualReader and PeriodicReader.
type ReaderOption interface {
	PeriodicReaderOption
	ManualReaderOption
}

type manualOptionFunc func(readerSettings) readerSettings

func (f manualOptionFunc) applyManual(s readerSettings) readerSettings { return f(s) }

type sharedOptionFunc func(readerSettings) readerSettings

func (f sharedOptionFunc) applyManual(s readerSettings) readerSettings { return f(s) }
func (f sharedOptionFunc) applyPeriodic(s periodicSettings) periodicSettings {
	s.readerSettings = f(s.readerSettings)
	return s
}

// WithTemporalitySelector sets the temporality a ManualReader uses per
// instrument kind. The default is DefaultTemporalitySelector (cumulative).
func WithTemporalitySelector(selector TemporalitySelector) ManualReaderOption {
	return manualOptionFunc(func(s readerSettings) readerSettings {
		if selector != nil {
			s.temporality = selector
		}
		return s
	})
}

// WithAggregationSelector sets the aggregation a ManualReader uses per
// instrument kind when no view chooses one. The default is
// DefaultAggregationSelector.
func WithAggregationSelector(selector AggregationSelector) ManualReaderOption {
	return manualOptionFunc(func(s readerSettings) readerSettings {
		if selector != nil {
			s.aggregation = selector
		}
		return s
	})
}

// WithProducer adds an external Producer whose ScopeMetrics are appended to
// every collection of the reader (for example a bridge from another metrics
// library).
func WithProducer(p Producer) ReaderOption {
	return sharedOptionFunc(func(s readerSettings) readerSettings {
		if p != nil {
			s.producers = append(s.producers, p)
		}
		return s
	})
}

// WithCardinalityLimitSelector sets the reader's cardinality limit per
// instrument kind; it overrides the provider's WithCardinalityLimit. The
// selector returns (limit, false) to set a limit (≤ 0: unlimited) or
// (0, true) to use the provider's.
func WithCardinalityLimitSelector(selector CardinalityLimitSelector) ReaderOption {
	return sharedOptionFunc(func(s readerSettings) readerSettings {
		s.cardinality = selector
		return s
	})
}

func defaultReaderSettings() readerSettings {
	return readerSettings{
		temporality: DefaultTemporalitySelector,
		aggregation: DefaultAggregationSelector,
	}
}

// readerCore is the registration and shutdown state both readers share.
type readerCore struct {
	cfg      readerSettings
	src      atomic.Pointer[sourceBox]
	shutdown atomic.Bool
	once     sync.Once
	// obs is the reader's self-instrumentation (nil unless
	// OTEL_GO_X_OBSERVABILITY=true when the reader was created).
	obs *selfobs.Reader
}

type sourceBox struct{ s source }

var errAlreadyRegistered = errors.New("fastmeter: reader is already registered with a MeterProvider; a reader serves one provider")

func (r *readerCore) register(s source) error {
	if !r.src.CompareAndSwap(nil, &sourceBox{s: s}) {
		return errAlreadyRegistered
	}
	return nil
}

func (r *readerCore) settings() *readerSettings { return &r.cfg }

// collect gathers the provider's data and then the external producers',
// recording the collection in the self-metrics once it is over (and the
// pipeline's collection lock released).
func (r *readerCore) collect(ctx context.Context, rm *metricdata.ResourceMetrics) (err error) {
	if r.obs != nil {
		start := r.obs.Start()
		defer func() { r.obs.Collected(ctx, start, rm, err) }()
	}
	if rm == nil {
		return errors.New("fastmeter: Collect needs a non-nil *metricdata.ResourceMetrics")
	}
	if r.shutdown.Load() {
		return ErrReaderShutdown
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	box := r.src.Load()
	if box == nil {
		return ErrReaderNotRegistered
	}
	return box.s.produce(ctx, rm, r.cfg.producers)
}
