package prometheus

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// config holds the resolved options of one Exporter.
type config struct {
	registerer        prometheus.Registerer
	skipRegistration  bool
	readerOptions     []sdkmetric.ManualReaderOption
	hasProducer       bool
	strategy          otlptranslator.TranslationStrategyOption
	withoutUnits      bool
	withoutTotal      bool
	withoutTargetInfo bool
	withoutScopeInfo  bool
	namespace         string
	resourceAsLabels  attribute.Filter
}

func newConfig(opts []Option) config {
	var cfg config
	for _, opt := range opts {
		opt.apply(&cfg)
	}
	if cfg.strategy == "" {
		cfg.strategy = otlptranslator.UnderscoreEscapingWithSuffixes
	}
	if !cfg.strategy.ShouldAddSuffixes() {
		// A strategy without suffixes wins over the finer-grained options.
		cfg.withoutUnits = true
		cfg.withoutTotal = true
	}
	if cfg.registerer == nil && !cfg.skipRegistration {
		cfg.registerer = prometheus.DefaultRegisterer
	}
	return cfg
}

// Option configures an [Exporter].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithRegisterer registers the exporter's collector with reg instead of
// prometheus.DefaultRegisterer. A nil reg means the default registerer.
func WithRegisterer(reg prometheus.Registerer) Option {
	return optionFunc(func(c *config) {
		c.registerer = reg
		c.skipRegistration = false
	})
}

// WithoutRegistration leaves the collector unregistered: serve the exporter
// through its own [Exporter.ServeHTTP], or register [Exporter.Collector]
// yourself.
func WithoutRegistration() Option {
	return optionFunc(func(c *config) {
		c.registerer = nil
		c.skipRegistration = true
	})
}

// WithAggregationSelector sets the aggregation the exporter's reader uses per
// instrument kind. The temporality is always cumulative.
func WithAggregationSelector(selector sdkmetric.AggregationSelector) Option {
	return optionFunc(func(c *config) {
		c.readerOptions = append(c.readerOptions, sdkmetric.WithAggregationSelector(selector))
	})
}

// WithProducer adds an external source of metrics (for example a bridge)
// whose data is served next to the provider's own. A nil producer is
// ignored.
func WithProducer(producer sdkmetric.Producer) Option {
	return optionFunc(func(c *config) {
		if producer == nil {
			return
		}
		c.readerOptions = append(c.readerOptions, sdkmetric.WithProducer(producer))
		c.hasProducer = true
	})
}

// WithMetricFilter registers a MetricFilter on the exporter's reader
// (fastmeter.WithMetricFilter): each scrape serves only the streams and data
// points filter accepts. A dropped stream is not read at all; the points
// TestAttributes drops are absent from the scrape. A nil filter means no
// filter.
func WithMetricFilter(filter sdkmetric.MetricFilter) Option {
	return optionFunc(func(c *config) {
		c.readerOptions = append(c.readerOptions, sdkmetric.WithMetricFilter(filter))
	})
}

// WithTranslationStrategy chooses how OpenTelemetry names become Prometheus
// names (see the OpenTelemetry → Prometheus compatibility specification):
//
//   - otlptranslator.UnderscoreEscapingWithSuffixes (the default): characters
//     outside [a-zA-Z0-9_:] become underscores, unit, _total and _ratio
//     suffixes are added;
//   - otlptranslator.UnderscoreEscapingWithoutSuffixes: escaping, no suffixes;
//   - otlptranslator.NoUTF8EscapingWithSuffixes: UTF-8 names are kept,
//     suffixes are added;
//   - otlptranslator.NoTranslation: names are served exactly as recorded.
//
// With a UTF-8 strategy, scrapers that do not announce UTF-8 support in their
// Accept header still receive escaped names (promhttp escapes them).
func WithTranslationStrategy(strategy otlptranslator.TranslationStrategyOption) Option {
	return optionFunc(func(c *config) { c.strategy = strategy })
}

// WithoutUnits leaves unit suffixes off metric names (request.duration in ms
// becomes request_duration instead of request_duration_milliseconds).
func WithoutUnits() Option {
	return optionFunc(func(c *config) { c.withoutUnits = true })
}

// WithoutCounterSuffixes leaves the _total suffix off monotonic sums.
func WithoutCounterSuffixes() Option {
	return optionFunc(func(c *config) { c.withoutTotal = true })
}

// WithoutTargetInfo stops serving the target_info metric that carries the
// resource attributes.
func WithoutTargetInfo() Option {
	return optionFunc(func(c *config) { c.withoutTargetInfo = true })
}

// WithoutScopeInfo stops adding the otel_scope_name, otel_scope_version,
// otel_scope_schema_url and otel_scope_<attribute> labels to every series.
func WithoutScopeInfo() Option {
	return optionFunc(func(c *config) { c.withoutScopeInfo = true })
}

// WithNamespace prefixes every metric name except target_info with ns and an
// underscore.
func WithNamespace(ns string) Option {
	return optionFunc(func(c *config) { c.namespace = ns })
}

// WithResourceAsConstantLabels adds the resource attributes that filter keeps
// as labels on every series (target_info is unaffected).
func WithResourceAsConstantLabels(filter attribute.Filter) Option {
	return optionFunc(func(c *config) { c.resourceAsLabels = filter })
}
