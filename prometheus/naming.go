package prometheus

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/prometheus/otlptranslator"
)

// metricNamer turns an OpenTelemetry metric name, unit and kind into its
// Prometheus name with otlptranslator, honouring WithoutUnits and
// WithoutCounterSuffixes. Translation allocates and is pure, so results are
// cached for the exporter's life: a scrape of an unchanged provider never
// translates a name twice.
type metricNamer struct {
	namer        otlptranslator.MetricNamer
	withoutUnits bool
	withoutTotal bool
	cache        sync.Map // metricNameKey → translatedName
}

type metricNameKey struct {
	name, unit string
	kind       otlptranslator.MetricType
}

type translatedName struct {
	name string
	err  error
}

func newMetricNamer(cfg config, namespace string) *metricNamer {
	return &metricNamer{
		namer:        otlptranslator.NewMetricNamer(namespace, cfg.strategy),
		withoutUnits: cfg.withoutUnits,
		withoutTotal: cfg.withoutTotal,
	}
}

// name returns the Prometheus name, or an error when the OpenTelemetry name
// cannot become a valid one.
func (n *metricNamer) name(name, unit string, kind otlptranslator.MetricType) (string, error) {
	if n.withoutUnits {
		unit = ""
	}
	if n.withoutTotal && kind == otlptranslator.MetricTypeMonotonicCounter {
		// Naming a counter like an up-down counter is how otlptranslator
		// leaves _total off.
		kind = otlptranslator.MetricTypeNonMonotonicCounter
	}
	key := metricNameKey{name: name, unit: unit, kind: kind}
	if cached, ok := n.cache.Load(key); ok {
		t := cached.(translatedName)
		return t.name, t.err
	}
	var t translatedName
	if name == "" {
		// UTF-8 strategies pass names through, suffixes and all: an empty
		// name would become "_total" or "_ratio", and OpenMetrics serves a
		// counter "x_total" as family "x", here the empty name.
		t.err = errEmptyName
		n.cache.Store(key, t)
		return "", t.err
	}
	t.name, t.err = n.namer.Build(otlptranslator.Metric{Name: name, Unit: unit, Type: kind})
	if t.err == nil && !utf8.ValidString(t.name) {
		// Only possible with a UTF-8 strategy, which passes names through.
		t.name, t.err = "", errInvalidUTF8Name
	}
	if t.err == nil && strings.TrimSuffix(t.name, "_total") == "" {
		t.name, t.err = "", errEmptyName
	}
	n.cache.Store(key, t)
	return t.name, t.err
}
