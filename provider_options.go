package fastmeter

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fastmeter/fastmeter/internal/globallog"
)

// defaultCardinalityLimit is the specification's default series limit per
// stream.
const defaultCardinalityLimit = 2000

// providerConfig is what the Options of NewMeterProvider build.
type providerConfig struct {
	res              *resource.Resource
	readers          []Reader
	views            []viewEntry
	exemplarFilter   exemplar.Filter
	cardinalityLimit int
	// forgetIdleAfter: cumulative synchronous series idle for this many
	// collections are removed (0: never).
	forgetIdleAfter int
	// meterConfigurator is WithMeterConfigurator's (meter_config.go).
	meterConfigurator MeterConfigurator
}

// viewEntry is a configured View and, if set with WithViewCardinalityLimit,
// the cardinality limit of the streams it produces.
type viewEntry struct {
	view     View
	limit    int
	hasLimit bool
}

func newProviderConfig(opts []Option) providerConfig {
	cfg := providerConfig{
		res:              resource.Default(),
		exemplarFilter:   exemplarFilterFromEnv(),
		cardinalityLimit: cardinalityLimitFromEnv(),
	}
	for _, o := range opts {
		if o == nil {
			globallog.Warn("fastmeter: nil Option passed to NewMeterProvider; ignored")
			continue
		}
		cfg = o.apply(cfg)
	}
	return cfg
}

// Option applies a configuration value to a MeterProvider.
type Option interface {
	apply(providerConfig) providerConfig
}

type optionFunc func(providerConfig) providerConfig

func (f optionFunc) apply(c providerConfig) providerConfig { return f(c) }

// WithResource associates a Resource with the MeterProvider: the entity
// producing the telemetry. It is merged over the resource described by the
// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME environment variables. By
// default resource.Default() is used.
func WithResource(res *resource.Resource) Option {
	return optionFunc(func(c providerConfig) providerConfig {
		if res == nil {
			return c
		}
		merged, err := resource.Merge(resource.Environment(), res)
		if err != nil {
			otel.Handle(fmt.Errorf("fastmeter: merging resources: %w", err))
		}
		if merged != nil {
			c.res = merged
		}
		return c
	})
}

// WithReader associates a Reader with the MeterProvider. Without a Reader
// the provider measures nothing.
func WithReader(r Reader) Option {
	return optionFunc(func(c providerConfig) providerConfig {
		if r == nil {
			globallog.Warn("fastmeter: nil Reader passed to WithReader; ignored")
			return c
		}
		c.readers = append(c.readers, r)
		return c
	})
}

// WithView associates views with the MeterProvider. Views are appended to
// those already configured; an instrument matched by no view gets the default
// stream.
func WithView(views ...View) Option {
	return optionFunc(func(c providerConfig) providerConfig {
		for _, v := range views {
			if v == nil {
				globallog.Warn("fastmeter: nil View passed to WithView; ignored")
				continue
			}
			c.views = append(c.views, viewEntry{view: v})
		}
		return c
	})
}

// WithViewCardinalityLimit adds views, like WithView, whose streams keep at
// most limit series (the overflow series included; zero or negative means no
// limit). The specification's precedence applies: a view's limit overrides
// the reader's (WithCardinalityLimitSelector), which overrides the
// provider's (WithCardinalityLimit, default 2000). The official SDK's Stream
// has no field for this, hence a fastmeter option.
func WithViewCardinalityLimit(limit int, views ...View) Option {
	return optionFunc(func(c providerConfig) providerConfig {
		for _, v := range views {
			if v == nil {
				globallog.Warn("fastmeter: nil View passed to WithViewCardinalityLimit; ignored")
				continue
			}
			c.views = append(c.views, viewEntry{view: v, limit: limit, hasLimit: true})
		}
		return c
	})
}

// WithForgetIdleSeries makes cumulative synchronous streams remove a series
// that received no measurement for the given number of consecutive
// collections, so memory follows the active attribute sets there too (delta
// streams always do this after one idle interval). If the series is measured
// again it starts over: a new start time and a value counted from zero, which
// is how the cumulative data model signals a reset. The trade-off is that a
// backend sees the series disappear while idle. Zero (the default) keeps
// cumulative series forever, as the official SDK does.
func WithForgetIdleSeries(collections int) Option {
	return optionFunc(func(c providerConfig) providerConfig {
		if collections < 0 {
			globallog.Warn(fmt.Sprintf("fastmeter: WithForgetIdleSeries(%d) is negative; keeping series forever", collections))
			collections = 0
		}
		c.forgetIdleAfter = collections
		return c
	})
}

// WithExemplarFilter sets the filter deciding which measurements are offered
// to exemplar reservoirs. The default is exemplar.TraceBasedFilter, or what
// OTEL_METRICS_EXEMPLAR_FILTER says (always_on, always_off, trace_based).
// exemplar.AlwaysOffFilter disables exemplars at no cost per measurement.
func WithExemplarFilter(filter exemplar.Filter) Option {
	return optionFunc(func(c providerConfig) providerConfig {
		if filter == nil {
			globallog.Warn("fastmeter: nil exemplar filter passed to WithExemplarFilter; keeping the current filter")
			return c
		}
		c.exemplarFilter = filter
		return c
	})
}

// WithCardinalityLimit sets the provider-wide limit on the number of series
// (attribute sets) one stream keeps, the overflow series included. Past it,
// measurements go to the series with the attribute otel.metric.overflow=true.
// Zero or negative means no limit. Readers override it per instrument kind
// with WithCardinalityLimitSelector, and WithViewCardinalityLimit per view.
//
// Without this option the limit is 2000, or, as in the official SDK (which
// keeps reading it for backward compatibility), the integer in the
// environment variable OTEL_GO_X_CARDINALITY_LIMIT: zero or negative there
// also means no limit, and a value that is not an integer is reported through
// otel.Handle and the default 2000 is used. This option overrides the
// variable.
func WithCardinalityLimit(limit int) Option {
	return optionFunc(func(c providerConfig) providerConfig {
		c.cardinalityLimit = limit
		return c
	})
}

// cardinalityLimitEnv is the official SDK's experimental variable for the
// provider-wide cardinality limit, which it still honours.
const cardinalityLimitEnv = "OTEL_GO_X_CARDINALITY_LIMIT"

// cardinalityLimitFromEnv reads OTEL_GO_X_CARDINALITY_LIMIT: unset or blank
// gives the default.
func cardinalityLimitFromEnv() int {
	v := strings.TrimSpace(os.Getenv(cardinalityLimitEnv))
	if v == "" {
		return defaultCardinalityLimit
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		otel.Handle(fmt.Errorf("fastmeter: %s=%q is not an integer; using the default cardinality limit %d: %w", cardinalityLimitEnv, v, defaultCardinalityLimit, err))
		return defaultCardinalityLimit
	}
	return n
}

// exemplarFilterFromEnv reads OTEL_METRICS_EXEMPLAR_FILTER.
func exemplarFilterFromEnv() exemplar.Filter {
	v, ok := os.LookupEnv("OTEL_METRICS_EXEMPLAR_FILTER")
	if !ok {
		return exemplar.TraceBasedFilter
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "always_on":
		return exemplar.AlwaysOnFilter
	case "always_off":
		return exemplar.AlwaysOffFilter
	case "trace_based", "":
		return exemplar.TraceBasedFilter
	default:
		globallog.Error(fmt.Errorf("fastmeter: OTEL_METRICS_EXEMPLAR_FILTER=%q is not one of always_on, always_off, trace_based; using trace_based", v), "invalid exemplar filter", "environment variable", "OTEL_METRICS_EXEMPLAR_FILTER", "value", v)
		return exemplar.TraceBasedFilter
	}
}
