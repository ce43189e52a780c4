package otelconf

import (
	conf "go.opentelemetry.io/contrib/otelconf"
	"go.opentelemetry.io/otel/sdk/instrumentation"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// view builds one entry of meter_provider.views with fastmeter's NewView
// (instrument_name may hold the * and ? wildcards). limit is the stream's
// aggregation_cardinality_limit, 0 if unset.
func view(v conf.View, path string) (view sdkmetric.View, limit int, err error) {
	criteria, err := viewCriteria(v.Selector, child(path, "selector"))
	if err != nil {
		return nil, 0, err
	}
	streamPath := child(path, "stream")
	mask := sdkmetric.Stream{Name: deref(v.Stream.Name), Description: deref(v.Stream.Description)}
	if v.Stream.AttributeKeys != nil {
		mask.AttributeFilter, err = includeExcludeFilter(v.Stream.AttributeKeys.Included, v.Stream.AttributeKeys.Excluded, child(streamPath, "attribute_keys"))
		if err != nil {
			return nil, 0, err
		}
	}
	if v.Stream.Aggregation != nil {
		mask.Aggregation, err = aggregation(v.Stream.Aggregation, child(streamPath, "aggregation"))
		if err != nil {
			return nil, 0, err
		}
	}
	if v.Stream.AggregationCardinalityLimit != nil {
		limit = *v.Stream.AggregationCardinalityLimit
		if limit <= 0 {
			return nil, 0, pathErrorf(child(streamPath, "aggregation_cardinality_limit"), "must be > 0, got %d", limit)
		}
	}
	return sdkmetric.NewView(criteria, mask), limit, nil
}

// instrumentKinds maps the schema's instrument_type values.
var instrumentKinds = map[conf.InstrumentType]sdkmetric.InstrumentKind{
	conf.InstrumentTypeCounter:                 sdkmetric.InstrumentKindCounter,
	conf.InstrumentTypeUpDownCounter:           sdkmetric.InstrumentKindUpDownCounter,
	conf.InstrumentTypeHistogram:               sdkmetric.InstrumentKindHistogram,
	conf.InstrumentTypeGauge:                   sdkmetric.InstrumentKindGauge,
	conf.InstrumentTypeObservableCounter:       sdkmetric.InstrumentKindObservableCounter,
	conf.InstrumentTypeObservableUpDownCounter: sdkmetric.InstrumentKindObservableUpDownCounter,
	conf.InstrumentTypeObservableGauge:         sdkmetric.InstrumentKindObservableGauge,
}

func viewCriteria(s conf.ViewSelector, path string) (sdkmetric.Instrument, error) {
	criteria := sdkmetric.Instrument{
		Name: deref(s.InstrumentName),
		Unit: deref(s.Unit),
		Scope: instrumentation.Scope{
			Name:      deref(s.MeterName),
			Version:   deref(s.MeterVersion),
			SchemaURL: deref(s.MeterSchemaUrl),
		},
	}
	if s.InstrumentType != nil {
		kind, ok := instrumentKinds[*s.InstrumentType]
		if !ok {
			return sdkmetric.Instrument{}, pathErrorf(child(path, "instrument_type"), "unknown value %q", *s.InstrumentType)
		}
		criteria.Kind = kind
	}
	if criteria.Name == "" && criteria.Unit == "" && criteria.Kind == 0 && criteria.Scope == (instrumentation.Scope{}) {
		return sdkmetric.Instrument{}, pathErrorf(path, "empty: a view must select by at least one criterion")
	}
	return criteria, nil
}

// aggregation maps a view's aggregation entry. record_min_max defaults to
// true, as the schema says (otelconf v0.27.0 leaves min and max out when
// the key is absent).
func aggregation(a *conf.Aggregation, path string) (sdkmetric.Aggregation, error) {
	var set []string
	var agg sdkmetric.Aggregation
	if a.Default != nil {
		set, agg = append(set, "default"), nil
	}
	if a.Drop != nil {
		set, agg = append(set, "drop"), sdkmetric.AggregationDrop{}
	}
	if a.Sum != nil {
		set, agg = append(set, "sum"), sdkmetric.AggregationSum{}
	}
	if a.LastValue != nil {
		set, agg = append(set, "last_value"), sdkmetric.AggregationLastValue{}
	}
	if h := a.ExplicitBucketHistogram; h != nil {
		explicit := sdkmetric.AggregationExplicitBucketHistogram{
			Boundaries: h.Boundaries,
			NoMinMax:   h.RecordMinMax != nil && !*h.RecordMinMax,
		}
		if h.Boundaries == nil {
			explicit.Boundaries = defaultBoundaries
		}
		for i := 1; i < len(h.Boundaries); i++ {
			if !(h.Boundaries[i] > h.Boundaries[i-1]) {
				return nil, pathErrorf(child(child(path, "explicit_bucket_histogram"), "boundaries"), "not strictly increasing at [%d]: %v after %v", i, h.Boundaries[i], h.Boundaries[i-1])
			}
		}
		set, agg = append(set, "explicit_bucket_histogram"), explicit
	}
	if h := a.Base2ExponentialBucketHistogram; h != nil {
		exp := sdkmetric.AggregationBase2ExponentialHistogram{
			MaxSize:  defaultExponentialMaxSize,
			MaxScale: defaultExponentialMaxScale,
			NoMinMax: h.RecordMinMax != nil && !*h.RecordMinMax,
		}
		if h.MaxSize != nil {
			if *h.MaxSize < 2 || *h.MaxSize > 1<<30 {
				return nil, pathErrorf(child(child(path, "base2_exponential_bucket_histogram"), "max_size"), "must be in 2-%d, got %d", 1<<30, *h.MaxSize)
			}
			exp.MaxSize = int32(*h.MaxSize)
		}
		if h.MaxScale != nil {
			if *h.MaxScale < -10 || *h.MaxScale > 20 {
				return nil, pathErrorf(child(child(path, "base2_exponential_bucket_histogram"), "max_scale"), "must be in -10-20, got %d", *h.MaxScale)
			}
			exp.MaxScale = int32(*h.MaxScale)
		}
		set, agg = append(set, "base2_exponential_bucket_histogram"), exp
	}
	if len(set) > 1 {
		return nil, pathErrorf(path, "more than one aggregation: %v", set)
	}
	return agg, nil
}

// defaultBoundaries are the specification's explicit bucket boundaries,
// used when explicit_bucket_histogram gives none (an empty list in the
// file means a single bucket).
var defaultBoundaries = []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
