package fastmeter

import (
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter/internal/aggregate"
)

// instrumentSpec is everything stream building needs to know about an
// instrument.
type instrumentSpec struct {
	Instrument
	number         string    // "int64" or "float64"
	advisoryBounds []float64 // metric.WithExplicitBucketBoundaries, nil if absent
	// allowedKeys are the advisory attribute keys (x.WithDefaultAttributes):
	// nil if absent (keep every key), empty if given without keys (keep
	// none).
	allowedKeys []attribute.Key
	// repairs reports the instrument's measurements whose attributes were
	// repaired to valid UTF-8; shared by all its streams, so the rate limit
	// is per instrument.
	repairs *aggregate.RepairReport
}

// resolvedStream is one stream an instrument produces for one reader: the
// view's Stream with the aggregation decided.
type resolvedStream struct {
	Stream
	aggregation Aggregation
	config      aggregate.Config
}

// resolveStreams applies the provider's views to an instrument for pipeline
// p: every matching view yields a stream; no match yields the default
// stream. Invalid aggregations are reported in err and replaced by the
// instrument kind's default, so a configuration mistake never loses data.
func resolveStreams(p *pipeline, spec instrumentSpec) (streams []resolvedStream, err error) {
	matched := false
	for _, entry := range p.provider.views {
		s, ok := entry.view(spec.Instrument)
		if !ok {
			continue
		}
		matched = true
		s, verr := repairViewStream(spec.Name, s)
		err = errors.Join(err, verr)
		rs, rerr := resolveStream(p, spec, s, true)
		if entry.hasLimit {
			rs.config.CardinalityLimit = entry.limit
		}
		err = errors.Join(err, rerr)
		streams = append(streams, rs)
	}
	if !matched {
		rs, rerr := resolveStream(p, spec, Stream{Name: spec.Name, Description: spec.Description, Unit: spec.Unit}, false)
		err = errors.Join(err, rerr)
		streams = append(streams, rs)
	}
	return streams, err
}

// repairViewStream repairs invalid UTF-8 in the name, description and unit
// a view gave a stream (see internal/aggregate/utf8.go): they are exported,
// and one invalid string fails a whole OTLP request.
func repairViewStream(instrument string, s Stream) (Stream, error) {
	var err error
	for _, field := range []struct {
		what string
		str  *string
	}{{"name", &s.Name}, {"description", &s.Description}, {"unit", &s.Unit}} {
		if repaired, changed := aggregate.ValidUTF8(*field.str); changed {
			err = errors.Join(err, fmt.Errorf("fastmeter: instrument %q: a view sets the stream %s %q, which is not valid UTF-8; using %q (invalid bytes replaced by U+FFFD)",
				instrument, field.what, *field.str, repaired))
			*field.str = repaired
		}
	}
	return s, err
}

func resolveStream(p *pipeline, spec instrumentSpec, s Stream, fromView bool) (resolvedStream, error) {
	kind := spec.Kind
	agg := s.Aggregation
	chosenByView := fromView && agg != nil && !isDefault(agg)
	switch {
	case agg == nil:
		// No aggregation in the stream: the reader decides.
		agg = p.settings.aggregationOf(kind)
		if agg == nil || isDefault(agg) {
			agg = DefaultAggregationSelector(kind)
		}
	case isDefault(agg):
		// A view that asks for AggregationDefault gets the specification's
		// default for the kind, whatever the reader's selector says.
		agg = DefaultAggregationSelector(kind)
	}
	var err error
	// Advisory boundaries were validated once per instrument (see
	// instrument); invalid ones arrive here as nil.
	if h, ok := agg.(AggregationExplicitBucketHistogram); ok && !chosenByView && spec.advisoryBounds != nil {
		h.Boundaries = append([]float64(nil), spec.advisoryBounds...)
		agg = h
	}
	if verr := validateAggregation(kind, agg); verr != nil {
		// The specification: a view that cannot be applied without a
		// semantic error is reported and the SDK proceeds as if it did
		// not exist, i.e. with the kind's default aggregation.
		def := DefaultAggregationSelector(kind)
		err = errors.Join(err, fmt.Errorf("fastmeter: instrument %q, stream %q: %w; using the default aggregation %T instead", spec.Name, s.Name, verr, def))
		agg = def
	}
	temporality := p.settings.temporalityOf(kind)
	if temporality != metricdata.DeltaTemporality && temporality != metricdata.CumulativeTemporality {
		// As in the official SDK: anything but delta is cumulative,
		// silently.
		temporality = metricdata.CumulativeTemporality
	}
	cfg := aggregate.Config{
		Temporality:      temporality,
		Filter:           attributeFilter(s, spec),
		CardinalityLimit: p.settings.limitOf(kind, p.provider.cardinalityLimit),
		Exemplars:        exemplarConfig(p.provider.exemplarFilter, s, agg, spec, temporality),
		Repairs:          spec.repairs,
	}
	if temporality == metricdata.CumulativeTemporality && !isObservable(kind) {
		cfg.ForgetIdleAfter = p.provider.forgetIdleAfter
		cfg.StreamStartTime = !perSeriesStartTimes()
	}
	return resolvedStream{Stream: s, aggregation: agg, config: cfg}, err
}

// perSeriesStartTimesEnv is the official SDK's experimental switch for
// per-series start times of cumulative streams, off by default there.
const perSeriesStartTimesEnv = "OTEL_GO_X_PER_SERIES_START_TIMESTAMPS"

// perSeriesStartTimes reports whether a new cumulative synchronous stream
// gives each series its own start time, its first measurement, as the
// specification recommends: fastmeter's default, and what the official SDK
// does with OTEL_GO_X_PER_SERIES_START_TIMESTAMPS=true. The variable set
// to "false" (any case) gives the official default instead: every series
// starts when the stream was created. It is read when a stream is created.
func perSeriesStartTimes() bool {
	return !strings.EqualFold(strings.TrimSpace(os.Getenv(perSeriesStartTimesEnv)), "false")
}

// attributeFilter is the stream's attribute filter: the view's, or when the
// view sets none (or no view matched), the instrument's advisory attribute
// keys, as the specification orders them.
func attributeFilter(s Stream, spec instrumentSpec) attribute.Filter {
	if s.AttributeFilter != nil || spec.allowedKeys == nil {
		return s.AttributeFilter
	}
	return attribute.NewAllowKeysFilter(spec.allowedKeys...)
}

func isDefault(a Aggregation) bool {
	_, ok := a.(AggregationDefault)
	return ok
}

func isObservable(k InstrumentKind) bool {
	switch k {
	case InstrumentKindObservableCounter, InstrumentKindObservableUpDownCounter, InstrumentKindObservableGauge:
		return true
	}
	return false
}

// isMonotonic reports whether a sum over the kind only grows.
func isMonotonic(k InstrumentKind) bool {
	switch k {
	case InstrumentKindCounter, InstrumentKindObservableCounter, InstrumentKindHistogram:
		return true
	}
	return false
}

// validateAggregation checks an aggregation's parameters and that it fits the
// instrument kind, with the official SDK's compatibility rules: histograms
// fit every kind, Sum fits counters, up-down counters and histograms (not
// gauges), LastValue fits only gauges.
func validateAggregation(kind InstrumentKind, agg Aggregation) error {
	incompatible := fmt.Errorf("aggregation %T is not compatible with instrument kind %v", agg, kind)
	switch a := agg.(type) {
	case AggregationDrop:
		return nil
	case AggregationSum:
		switch kind {
		case InstrumentKindGauge, InstrumentKindObservableGauge:
			return incompatible
		}
		return nil
	case AggregationLastValue:
		switch kind {
		case InstrumentKindGauge, InstrumentKindObservableGauge:
			return nil
		}
		return incompatible
	case AggregationExplicitBucketHistogram:
		return validateBounds(a.Boundaries)
	case AggregationBase2ExponentialHistogram:
		return validateExponential(a)
	default:
		return fmt.Errorf("unknown aggregation %T", agg)
	}
}

// histogramHasSum reports whether a histogram over the kind collects a sum:
// the specification leaves it out for instruments that can record negative
// values, where a sum would be meaningless as a total.
func histogramHasSum(kind InstrumentKind) bool {
	switch kind {
	case InstrumentKindUpDownCounter, InstrumentKindObservableUpDownCounter,
		InstrumentKindGauge, InstrumentKindObservableGauge:
		return false
	}
	return true
}

// validateBounds requires strictly increasing, non-NaN boundaries.
func validateBounds(bounds []float64) error {
	for i, b := range bounds {
		if math.IsNaN(b) {
			return fmt.Errorf("invalid histogram boundaries %v: boundary %d is NaN", bounds, i)
		}
		if i > 0 && !(bounds[i-1] < b) {
			return fmt.Errorf("invalid histogram boundaries %v: they must be strictly increasing, but boundary %d (%v) follows %v", bounds, i, b, bounds[i-1])
		}
	}
	return nil
}

func validateExponential(a AggregationBase2ExponentialHistogram) error {
	if a.MaxSize < 2 {
		return fmt.Errorf("invalid exponential histogram: MaxSize %d is below the minimum of 2", a.MaxSize)
	}
	if a.MaxScale < -10 || a.MaxScale > 20 {
		return fmt.Errorf("invalid exponential histogram: MaxScale %d is outside [-10, 20]", a.MaxScale)
	}
	return nil
}

// exemplarConfig returns nil when the filter can never pass, so the stream
// skips exemplars without even calling the filter.
//
// Observations of observable instruments are offered to the filter with
// context.Background(), as in the official SDK: the API's Observe takes no
// context, and a callback's context is the collection's, not the observed
// operation's. The trace-based filter can therefore never pass for them, and
// their streams get no exemplar configuration at all.
func exemplarConfig(filter exemplar.Filter, s Stream, agg Aggregation, spec instrumentSpec, temporality metricdata.Temporality) *aggregate.ExemplarConfig {
	if filter == nil || sameFunc(filter, exemplar.AlwaysOffFilter) {
		return nil
	}
	traceBased := sameFunc(filter, exemplar.TraceBasedFilter)
	if traceBased && isObservable(spec.Kind) {
		return nil
	}
	if _, drop := agg.(AggregationDrop); drop {
		return nil
	}
	cfg := &aggregate.ExemplarConfig{
		Filter: filter,
		// An observable stream's points, and so their reservoirs, last
		// one cycle whatever the temporality.
		Delta:      temporality == metricdata.DeltaTemporality || isObservable(spec.Kind),
		Name:       spec.Name,
		TraceBased: traceBased,
	}
	if selector := s.ExemplarReservoirProviderSelector; selector != nil && !isDefaultSelector(selector) {
		if cfg.Provider = selector(agg); cfg.Provider == nil {
			return nil
		}
		return cfg
	}
	if cfg.Default = defaultReservoir(agg); cfg.Default == nil {
		return nil
	}
	return cfg
}

// defaultReservoir is the specification's default reservoir for agg, with
// the official SDK's choices (sdkmetric.DefaultExemplarReservoirProviderSelector):
// an explicit histogram with at least one boundary keeps one exemplar per
// bucket; an exponential histogram min(20, MaxSize) exemplars; everything
// else GOMAXPROCS (at least 1). fastmeter implements these itself
// (internal/aggregate/reservoir.go); nil means a reservoir of size 0.
func defaultReservoir(agg Aggregation) *aggregate.DefaultReservoir {
	switch a := agg.(type) {
	case AggregationExplicitBucketHistogram:
		if len(a.Boundaries) > 0 {
			return &aggregate.DefaultReservoir{Aligned: true, Bounds: slices.Clone(a.Boundaries)}
		}
	case AggregationBase2ExponentialHistogram:
		if n := min(int(a.MaxSize), 20); n > 0 {
			return &aggregate.DefaultReservoir{Size: n}
		}
		return nil
	}
	return &aggregate.DefaultReservoir{Size: max(runtime.GOMAXPROCS(0), 1)}
}

// isDefaultSelector reports whether a view's reservoir selector is the
// default one (fastmeter's or the official SDK's, which it wraps): such a
// stream gets fastmeter's own implementation of the same reservoirs rather
// than the official ones its provider would build.
func isDefaultSelector(sel ExemplarReservoirProviderSelector) bool {
	p := reflect.ValueOf(sel).Pointer()
	return p == reflect.ValueOf(DefaultExemplarReservoirProviderSelector).Pointer() ||
		p == reflect.ValueOf(sdkmetric.DefaultExemplarReservoirProviderSelector).Pointer()
}

func sameFunc(a, b exemplar.Filter) bool {
	return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
}

// newAggregateStream builds the engine stream for a resolved stream, or nil
// for Drop.
func newAggregateStream[N aggregate.Number](kind InstrumentKind, rs resolvedStream) aggregate.Stream[N] {
	cfg := rs.config
	switch a := rs.aggregation.(type) {
	case AggregationSum:
		if isObservable(kind) {
			return aggregate.NewPrecomputedSum[N](cfg, isMonotonic(kind))
		}
		return aggregate.NewSum[N](cfg, isMonotonic(kind))
	case AggregationLastValue:
		if isObservable(kind) {
			return aggregate.NewPrecomputedLastValue[N](cfg)
		}
		return aggregate.NewLastValue[N](cfg)
	case AggregationExplicitBucketHistogram:
		return aggregate.NewHistogram[N](cfg, a.Boundaries, a.NoMinMax, !histogramHasSum(kind))
	case AggregationBase2ExponentialHistogram:
		return newExponentialStream[N](cfg, a, !histogramHasSum(kind))
	}
	return nil
}

// buildStreams creates an instrument's streams in every pipeline and
// registers them for collection. It returns the measurers per pipeline (in
// pipeline order) and any configuration error.
//
// Streams are shared by identity within a pipeline and scope: two views that
// produce the same stream for one instrument, or a view that renames one
// instrument onto another's stream, feed one aggregation, as in the official
// SDK. An instrument never measures the same stream twice.
func buildStreams[N aggregate.Number](pipes []*pipeline, scope instrumentation.Scope, spec instrumentSpec) ([][]aggregate.Measurer[N], error) {
	perPipe := make([][]aggregate.Measurer[N], len(pipes))
	var err error
	for i, p := range pipes {
		streams, rerr := resolveStreams(p, spec)
		err = errors.Join(err, rerr)
		for _, rs := range streams {
			if _, drop := rs.aggregation.(AggregationDrop); drop {
				continue
			}
			id := streamIdentity{
				name: rs.Name, description: rs.Description, unit: rs.Unit,
				kind: spec.Kind, number: spec.number,
			}
			st := p.sharedStream(scope, id, rs.aggregation, func() any {
				return newAggregateStream[N](spec.Kind, rs)
			}).(aggregate.Stream[N])
			if !slices.Contains(perPipe[i], aggregate.Measurer[N](st)) {
				perPipe[i] = append(perPipe[i], st)
			}
		}
	}
	return perPipe, err
}
