package prometheus

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
)

// labelNamer turns attribute keys into Prometheus label names. Translation is
// pure, so results (including failures) are cached for the exporter's life:
// the same few keys are translated for every series of every scrape.
type labelNamer struct {
	namer otlptranslator.LabelNamer
	cache sync.Map // attribute key (string) → translatedLabel
}

type translatedLabel struct {
	name string
	err  error
}

func newLabelNamer(utf8Allowed bool) *labelNamer {
	return &labelNamer{namer: otlptranslator.LabelNamer{UTF8Allowed: utf8Allowed}}
}

// name returns the label name for an attribute key, or an error when the key
// cannot be a label name (empty, only underscores, invalid UTF-8).
func (n *labelNamer) name(key string) (string, error) {
	if cached, ok := n.cache.Load(key); ok {
		t := cached.(translatedLabel)
		return t.name, t.err
	}
	t := n.translate(key)
	n.cache.Store(key, t)
	return t.name, t.err
}

func (n *labelNamer) translate(key string) translatedLabel {
	if n.namer.UTF8Allowed && !utf8.ValidString(key) {
		return translatedLabel{err: errInvalidUTF8Key}
	}
	name, err := n.namer.Build(key)
	if err != nil {
		return translatedLabel{err: err}
	}
	// promhttp escapes UTF-8 label names with the metric-name rules, which
	// keep ':'; a legacy scraper then receives an invalid label name. A ':'
	// in a label name is therefore replaced even in UTF-8 mode.
	if !model.LabelName(model.EscapeName(name, model.UnderscoreEscaping)).IsValidLegacy() {
		name = strings.ReplaceAll(name, ":", "_")
	}
	// Names starting with "__" are reserved for Prometheus itself
	// (__name__ would even replace the metric name); an attribute must never
	// produce one, neither as is nor once promhttp escapes a UTF-8 name for
	// a legacy scraper ("0 name " becomes "__name_").
	if strings.HasPrefix(model.EscapeName(name, model.UnderscoreEscaping), "__") {
		name = "key" + name
	}
	if !model.LabelName(model.EscapeName(name, model.UnderscoreEscaping)).IsValidLegacy() {
		return translatedLabel{err: fmt.Errorf("label name %q cannot be served to legacy scrapers", key)}
	}
	return translatedLabel{name: name}
}

// validLabelValue returns v, with invalid UTF-8 sequences replaced by U+FFFD:
// every exposition format requires UTF-8 label values, and replacing keeps
// the series instead of dropping it.
func validLabelValue(v string) string {
	if utf8.ValidString(v) {
		return v
	}
	return strings.ToValidUTF8(v, "\uFFFD")
}

// labelPair is one translated label before it becomes a *dto.LabelPair.
type labelPair struct {
	name, value string
	// shared is set for the constant labels of a scope: one protobuf value
	// is reused by every series of the scope instead of one copy each.
	shared *dto.LabelPair
}

// labelBuilder converts attribute sets into sorted, duplicate-free label
// pairs. It keeps scratch space between calls, so one builder serves one
// scrape goroutine.
type labelBuilder struct {
	namer    *labelNamer
	reporter *problemReporter
	own      []labelPair // the data point's translated attributes
	merged   []labelPair // own merged with the scope's constant labels
	// reserved is the label name the exposition formats add to the
	// current metric's samples ("le" for histograms, "quantile" for
	// summaries), which a series must not carry itself.
	reserved string
}

// series returns the labels of one data point: its attributes merged with
// the constant labels of its scope, sorted by name, ready to serve. They come
// from the metric's cache when an earlier scrape translated the same
// attribute set.
func (b *labelBuilder) series(cache *seriesCache, set attribute.Set, constant []labelPair, metric string) *seriesLabels {
	if sl := cache.lookup(set); sl != nil {
		return sl
	}
	sl := newSeriesLabels(set, b.pairs(set, constant, metric))
	cache.store(sl)
	return sl
}

// pairs translates the labels of one data point (see series).
func (b *labelBuilder) pairs(set attribute.Set, constant []labelPair, metric string) []labelPair {
	b.own = b.attributes(b.own[:0], set, metric)
	if b.reserved != "" {
		b.own = b.dropReserved(b.own, metric)
	}
	labels := b.own
	if len(constant) > 0 {
		b.merged = b.mergeConstant(b.merged[:0], b.own, constant, metric)
		labels = b.merged
	}
	if b.namer.namer.UTF8Allowed {
		labels = b.dropEscapeClashes(labels, metric)
	}
	return labels
}

// dropReserved removes the label named b.reserved: a histogram's "le" or a
// summary's "quantile" attribute would give every bucket or quantile sample
// that label twice, which no parser accepts. It works in place.
func (b *labelBuilder) dropReserved(labels []labelPair, metric string) []labelPair {
	i := slices.IndexFunc(labels, func(l labelPair) bool { return l.name == b.reserved })
	if i < 0 {
		return labels
	}
	b.reporter.reportf("reserved\x00"+metric+"\x00"+b.reserved,
		"metric %q: attribute label %q dropped: the exposition formats use it for the buckets or quantiles of this metric", metric, b.reserved)
	return slices.Delete(labels, i, i+1)
}

// dropEscapeClashes removes, in UTF-8 mode, labels whose names become equal
// once escaped for a scraper that does not accept UTF-8 (promhttp replaces
// every invalid character with "_"): "a.b" and "a_b" are two labels to a
// UTF-8 scraper but one label twice, which no parser accepts, to the others.
// The first in name order is kept. It works in place.
func (b *labelBuilder) dropEscapeClashes(labels []labelPair, metric string) []labelPair {
	needsEscaping := false
	for _, l := range labels {
		if !model.LabelName(l.name).IsValidLegacy() {
			needsEscaping = true
			break
		}
	}
	if !needsEscaping {
		return labels
	}
	seen := make(map[string]string, len(labels))
	out := labels[:0]
	for _, l := range labels {
		escaped := model.EscapeName(l.name, model.UnderscoreEscaping)
		if first, ok := seen[escaped]; ok {
			b.reporter.reportf("escape\x00"+metric+"\x00"+l.name,
				"metric %q: label %q dropped: it escapes to %q like label %q, which scrapers without UTF-8 support could not parse",
				metric, l.name, escaped, first)
			continue
		}
		seen[escaped] = l.name
		out = append(out, l)
	}
	return out
}

// attributes appends the translated attributes of set to dst, sorted by
// label name. Keys that translate to the same label name (a.b and a_b) have
// their values joined with ";" in sorted order, as the compatibility
// specification asks. Keys that cannot be label names are dropped and
// reported with the metric's name.
func (b *labelBuilder) attributes(dst []labelPair, set attribute.Set, metric string) []labelPair {
	start := len(dst)
	iter := set.Iter()
	for iter.Next() {
		kv := iter.Attribute()
		name, err := b.namer.name(string(kv.Key))
		if err != nil {
			b.reporter.reportf("label\x00"+metric+"\x00"+string(kv.Key),
				"metric %q: attribute %q dropped: %v", metric, string(kv.Key), err)
			continue
		}
		dst = append(dst, labelPair{name: name, value: validLabelValue(kv.Value.Emit())})
	}
	added := dst[start:]
	// attribute.Set is sorted by key, but translation can reorder names
	// ("a.b" < "a_a" while "a_b" > "a_a"), so sort again when needed.
	if !slices.IsSortedFunc(added, compareLabelPairs) {
		slices.SortStableFunc(added, compareLabelPairs)
	}
	return append(dst[:start], mergeSameNames(added)...)
}

func compareLabelPairs(a, b labelPair) int {
	if c := cmp.Compare(a.name, b.name); c != 0 {
		return c
	}
	return cmp.Compare(a.value, b.value)
}

// mergeSameNames joins the values of adjacent pairs with equal names (the
// input is sorted by name, then value) with ";". It works in place.
func mergeSameNames(pairs []labelPair) []labelPair {
	if len(pairs) < 2 {
		return pairs
	}
	out := pairs[:1]
	for _, p := range pairs[1:] {
		last := &out[len(out)-1]
		if p.name == last.name {
			last.value += ";" + p.value
			continue
		}
		out = append(out, p)
	}
	return out
}

// labelCell holds one label's protobuf form and the strings it points to,
// so that a series' own labels take a single allocation.
type labelCell struct {
	pair        dto.LabelPair
	name, value string
}

// shareConstant gives each constant label the protobuf value all series
// of the scope will point to.
func shareConstant(pairs []labelPair) []labelPair {
	for i := range pairs {
		pairs[i].shared = &dto.LabelPair{Name: new(pairs[i].name), Value: new(pairs[i].value)}
	}
	return pairs
}

// mergeConstant merges the sorted series labels with the sorted constant
// labels of a scope (scope and resource labels). On a name clash the constant
// label wins: it identifies where the series comes from, and serving two
// labels with one name would break the exposition.
func (b *labelBuilder) mergeConstant(merged, series, constant []labelPair, metric string) []labelPair {
	i, j := 0, 0
	for i < len(series) || j < len(constant) {
		switch {
		case j == len(constant) || (i < len(series) && series[i].name < constant[j].name):
			merged = append(merged, series[i])
			i++
		case i == len(series) || constant[j].name < series[i].name:
			merged = append(merged, constant[j])
			j++
		default: // same name
			b.reporter.reportf("shadow\x00"+metric+"\x00"+series[i].name,
				"metric %q: attribute label %q dropped: it clashes with a scope or resource label", metric, series[i].name)
			merged = append(merged, constant[j])
			i++
			j++
		}
	}
	return merged
}
