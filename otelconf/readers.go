package otelconf

import (
	"net"
	"strconv"
	"time"

	"github.com/prometheus/otlptranslator"
	otelprombridge "go.opentelemetry.io/contrib/bridges/prometheus"
	conf "go.opentelemetry.io/contrib/otelconf"
	confx "go.opentelemetry.io/contrib/otelconf/x"
	"go.opentelemetry.io/otel/attribute"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/prometheus"
)

// reader builds one entry of meter_provider.readers.
func (b *builder) reader(r conf.MetricReader, path string) (sdkmetric.Reader, error) {
	switch {
	case r.Periodic != nil && r.Pull != nil:
		return nil, pathErrorf(path, "both periodic and pull: a reader is one of them")
	case r.Periodic != nil:
		return b.periodicReader(r.Periodic, child(path, "periodic"))
	case r.Pull != nil:
		return b.pullReader(r.Pull, child(path, "pull"))
	}
	return nil, pathErrorf(path, "neither periodic nor pull")
}

func (b *builder) periodicReader(p *conf.PeriodicMetricReader, path string) (sdkmetric.Reader, error) {
	var opts []sdkmetric.PeriodicReaderOption
	if p.Interval != nil {
		if *p.Interval == 0 {
			return nil, pathErrorf(child(path, "interval"), "must be > 0 milliseconds")
		}
		opts = append(opts, sdkmetric.WithInterval(time.Duration(*p.Interval)*time.Millisecond))
	}
	if p.Timeout != nil {
		if *p.Timeout == 0 {
			return nil, pathErrorf(child(path, "timeout"), "must be > 0 milliseconds")
		}
		opts = append(opts, sdkmetric.WithTimeout(time.Duration(*p.Timeout)*time.Millisecond))
	}
	if p.CardinalityLimits != nil {
		opts = append(opts, sdkmetric.WithCardinalityLimitSelector(cardinalityLimitSelector(p.CardinalityLimits)))
	}
	producers, err := b.producers(p.Producers, child(path, "producers"))
	if err != nil {
		return nil, err
	}
	for _, prod := range producers {
		opts = append(opts, sdkmetric.WithProducer(prod))
	}
	exp, err := b.pushExporter(p.Exporter, child(path, "exporter"))
	if err != nil {
		return nil, err
	}
	return sdkmetric.NewPeriodicReader(exp, opts...), nil
}

// pullReader builds fastmeter's Prometheus exporter and the HTTP server
// that exposes it at host:port/metrics, which the SDK's Shutdown stops.
func (b *builder) pullReader(p *conf.PullMetricReader, path string) (sdkmetric.Reader, error) {
	if p.CardinalityLimits != nil {
		return nil, unsupported(child(path, "cardinality_limits"), "fastmeter's prometheus exporter takes the provider's limit; set it on the views (aggregation_cardinality_limit) instead")
	}
	expPath := child(path, "exporter")
	prom, err := prometheusExporterConfig(p.Exporter, expPath)
	if err != nil {
		return nil, err
	}
	promPath := child(expPath, prometheusExporterKey)
	opts := []prometheus.Option{prometheus.WithoutRegistration()}
	if prom.TranslationStrategy != nil {
		s, ok := translationStrategies[*prom.TranslationStrategy]
		if !ok {
			return nil, pathErrorf(child(promPath, "translation_strategy"), "unknown value %q", *prom.TranslationStrategy)
		}
		opts = append(opts, prometheus.WithTranslationStrategy(s))
	}
	if prom.WithoutScopeInfo != nil && *prom.WithoutScopeInfo {
		opts = append(opts, prometheus.WithoutScopeInfo())
	}
	if prom.WithoutTargetInfo != nil && *prom.WithoutTargetInfo {
		opts = append(opts, prometheus.WithoutTargetInfo())
	}
	if prom.WithResourceConstantLabels != nil {
		filter, err := includeExcludeFilter(prom.WithResourceConstantLabels.Included, prom.WithResourceConstantLabels.Excluded, child(promPath, "with_resource_constant_labels"))
		if err != nil {
			return nil, err
		}
		opts = append(opts, prometheus.WithResourceAsConstantLabels(filter))
	}
	producers, err := b.producers(p.Producers, child(path, "producers"))
	if err != nil {
		return nil, err
	}
	for _, prod := range producers {
		opts = append(opts, prometheus.WithProducer(prod))
	}

	host, port := "localhost", 9464 // the specification's defaults
	if prom.Host != nil {
		host = *prom.Host
		// "[::1]" and "::1" both mean the IPv6 loopback.
		if len(host) > 2 && host[0] == '[' && host[len(host)-1] == ']' {
			host = host[1 : len(host)-1]
		}
	}
	if prom.Port != nil {
		if *prom.Port < 0 || *prom.Port > 65535 {
			return nil, pathErrorf(child(promPath, "port"), "%d is not a port number in 0-65535", *prom.Port)
		}
		port = *prom.Port
	}
	exp, err := prometheus.New(opts...)
	if err != nil {
		return nil, &PathError{Path: promPath, Err: err}
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	l, err := (&net.ListenConfig{}).Listen(b.ctx, "tcp", addr)
	if err != nil {
		return nil, pathErrorf(promPath, "listen on %s: %v", addr, err)
	}
	// The server belongs to the reader: the provider's Shutdown stops it.
	r, err := prometheus.Serve(exp, l)
	if err != nil {
		_ = l.Close()
		return nil, &PathError{Path: promPath, Err: err}
	}
	return r, nil
}

// prometheusExporterConfig finds the prometheus/development entry of a pull
// exporter; fastmeter offers no other pull exporter.
func prometheusExporterConfig(e conf.PullMetricExporter, path string) (confx.ExperimentalPrometheusMetricExporter, error) {
	extra, _ := e.AdditionalProperties.(map[string]any)
	var found *confx.ExperimentalPrometheusMetricExporter
	for name, v := range extra {
		if name != prometheusExporterKey {
			return confx.ExperimentalPrometheusMetricExporter{}, unsupported(child(path, name), "unknown pull exporter (fastmeter supports %s)", prometheusExporterKey)
		}
		switch v := v.(type) {
		case confx.ExperimentalPrometheusMetricExporter:
			found = &v
		case *confx.ExperimentalPrometheusMetricExporter:
			found = v
		case nil, map[string]any:
			found = &confx.ExperimentalPrometheusMetricExporter{}
		default:
			return confx.ExperimentalPrometheusMetricExporter{}, pathErrorf(child(path, name), "holds a %T, want x.ExperimentalPrometheusMetricExporter", v)
		}
	}
	if found == nil {
		return confx.ExperimentalPrometheusMetricExporter{}, pathErrorf(path, "no exporter configured (fastmeter supports %s)", prometheusExporterKey)
	}
	return *found, nil
}

// translationStrategies maps the schema's names to otlptranslator's.
var translationStrategies = map[confx.ExperimentalPrometheusTranslationStrategy]otlptranslator.TranslationStrategyOption{
	confx.ExperimentalPrometheusTranslationStrategyUnderscoreEscapingWithSuffixes:    otlptranslator.UnderscoreEscapingWithSuffixes,
	confx.ExperimentalPrometheusTranslationStrategyUnderscoreEscapingWithoutSuffixes: otlptranslator.UnderscoreEscapingWithoutSuffixes,
	confx.ExperimentalPrometheusTranslationStrategyNoUtf8EscapingWithSuffixes:        otlptranslator.NoUTF8EscapingWithSuffixes,
	confx.ExperimentalPrometheusTranslationStrategyNoTranslation:                     otlptranslator.NoTranslation,
}

// producers builds a reader's producers entries. The schema's opencensus
// bridge does not exist for Go's current OpenCensus; prometheus/development
// is the contrib Prometheus bridge, reading client_golang's default
// gatherer.
func (b *builder) producers(list []conf.MetricProducer, path string) ([]sdkmetric.Producer, error) {
	var out []sdkmetric.Producer
	for i, p := range list {
		at := index(path, i)
		if p.Opencensus != nil {
			return nil, unsupported(child(at, "opencensus"), "no OpenCensus bridge in fastmeter")
		}
		extra, _ := p.AdditionalProperties.(map[string]any)
		if len(extra) == 0 {
			return nil, pathErrorf(at, "no producer configured (fastmeter supports %s)", prometheusProducerKey)
		}
		for name := range extra {
			if name != prometheusProducerKey {
				return nil, unsupported(child(at, name), "unknown producer (fastmeter supports %s)", prometheusProducerKey)
			}
			out = append(out, otelprombridge.NewMetricProducer())
		}
	}
	return out, nil
}

// cardinalityLimitSelector maps cardinality_limits: the kind's own limit,
// else default, else the provider's limit.
func cardinalityLimitSelector(cl *conf.CardinalityLimits) sdkmetric.CardinalityLimitSelector {
	perKind := map[sdkmetric.InstrumentKind]*int{
		sdkmetric.InstrumentKindCounter:                 cl.Counter,
		sdkmetric.InstrumentKindUpDownCounter:           cl.UpDownCounter,
		sdkmetric.InstrumentKindHistogram:               cl.Histogram,
		sdkmetric.InstrumentKindGauge:                   cl.Gauge,
		sdkmetric.InstrumentKindObservableCounter:       cl.ObservableCounter,
		sdkmetric.InstrumentKindObservableUpDownCounter: cl.ObservableUpDownCounter,
		sdkmetric.InstrumentKindObservableGauge:         cl.ObservableGauge,
	}
	return func(kind sdkmetric.InstrumentKind) (int, bool) {
		if limit := perKind[kind]; limit != nil {
			return *limit, false
		}
		if cl.Default != nil {
			return *cl.Default, false
		}
		return 0, true
	}
}

// includeExcludeFilter keeps the included keys (all if none is listed)
// minus the excluded ones; a key in both lists is an error.
func includeExcludeFilter(included, excluded []string, path string) (attribute.Filter, error) {
	in := make(map[attribute.Key]bool, len(included))
	for _, k := range included {
		in[attribute.Key(k)] = true
	}
	out := make(map[attribute.Key]bool, len(excluded))
	for _, k := range excluded {
		if in[attribute.Key(k)] {
			return nil, pathErrorf(path, "%q is both included and excluded", k)
		}
		out[attribute.Key(k)] = true
	}
	return func(kv attribute.KeyValue) bool {
		if out[kv.Key] {
			return false
		}
		return len(in) == 0 || in[kv.Key]
	}, nil
}
