package prometheus

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
)

// seriesLabels is one series' labels in every form a scrape needs: the
// protobuf pairs, their hash (for duplicate detection) and the text block
// the text and OpenMetrics writers print between the braces. A series'
// labels only depend on its attribute set, its metric and scope, and the
// exporter's configuration, so the cached value is reused by every scrape
// until the series disappears. It is immutable once built: scrapes running
// at the same time share it.
type seriesLabels struct {
	set    attribute.Set
	labels []*dto.LabelPair
	hash   uint64
	// text is `a="x",b="y"` (label values escaped as both text formats
	// escape them), without braces: a histogram bucket appends its le label.
	text []byte
	// proto is the labels encoded as the label field of a protobuf Metric.
	proto []byte
	// pass is the seriesCache.pass that last used the entry.
	pass uint64
}

// newSeriesLabels builds the cached forms of sorted, translated labels.
func newSeriesLabels(set attribute.Set, pairs []labelPair) *seriesLabels {
	sl := &seriesLabels{set: set}
	if len(pairs) > 0 {
		sl.labels = make([]*dto.LabelPair, len(pairs))
		cells := make([]labelCell, len(pairs))
		for i, p := range pairs {
			if p.shared != nil {
				sl.labels[i] = p.shared
				continue
			}
			c := &cells[i]
			c.name, c.value = p.name, p.value
			c.pair.Name, c.pair.Value = &c.name, &c.value
			sl.labels[i] = &c.pair
		}
	}
	var hashBuf []byte
	for i, p := range pairs {
		hashBuf = append(hashBuf, p.name...)
		hashBuf = append(hashBuf, 0xff)
		hashBuf = append(hashBuf, p.value...)
		hashBuf = append(hashBuf, 0xff)
		if i > 0 {
			sl.text = append(sl.text, ',')
		}
		sl.text = appendLabel(sl.text, p.name, p.value)
	}
	sl.hash = xxhash.Sum64(hashBuf)
	sl.proto = appendLabelsProto(nil, pairs)
	return sl
}

// labelValueEscaper escapes a label value as expfmt's text and OpenMetrics
// encoders do.
var labelValueEscaper = strings.NewReplacer("\\", `\\`, "\n", `\n`, "\"", `\"`)

// appendLabel appends name="value". The name is a legacy-valid label name
// (the fast writers only run when every name is; see fastScrapeFormat).
func appendLabel(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, '=', '"')
	if strings.ContainsAny(value, "\\\n\"") {
		dst = append(dst, labelValueEscaper.Replace(value)...)
	} else {
		dst = append(dst, value...)
	}
	return append(dst, '"')
}

// seriesCacheKey identifies whose series a seriesCache holds: one
// OpenTelemetry metric of one scope, served with the given reserved label
// name (which changes the labels a series keeps).
type seriesCacheKey struct {
	scope    instrumentation.Scope
	metric   string
	reserved string
}

// seriesCache holds the labels of one metric's series across scrapes, by
// attribute set. A scrape holds its lock while it translates the metric's
// data points; concurrent scrapes of the same metric take turns.
type seriesCache struct {
	mu sync.Mutex
	// pass counts the translations of the metric; entries not used by the
	// latest one are dropped after it, so the cache holds the series of the
	// last collection only.
	pass  uint64
	bySet map[attribute.Distinct]*seriesLabels
	used  int // entries used by the current pass
	// translation is the number of the latest translation that used the
	// cache (see translator.dropUnusedCaches).
	translation atomic.Uint64
}

// seriesCache returns the cache of a metric's series.
func (t *translator) seriesCache(key seriesCacheKey) *seriesCache {
	if c, ok := t.series.Load(key); ok {
		return c.(*seriesCache)
	}
	c, _ := t.series.LoadOrStore(key, &seriesCache{bySet: make(map[attribute.Distinct]*seriesLabels)})
	return c.(*seriesCache)
}

// begin locks the cache for one translation of its metric, the
// translator's translation-th.
func (c *seriesCache) begin(translation uint64) {
	if translation > c.translation.Load() {
		c.translation.Store(translation)
	}
	c.mu.Lock()
	c.pass++
	c.used = 0
}

// lookup returns the cached labels of set, or nil.
func (c *seriesCache) lookup(set attribute.Set) *seriesLabels {
	sl := c.bySet[set.Equivalent()]
	if sl == nil || !sl.set.Equals(&set) {
		return nil
	}
	if sl.pass != c.pass {
		sl.pass = c.pass
		c.used++
	}
	return sl
}

// store caches sl (unless another set with the same hash holds the slot,
// which leaves sl uncached).
func (c *seriesCache) store(sl *seriesLabels) {
	key := sl.set.Equivalent()
	if _, taken := c.bySet[key]; taken {
		return
	}
	sl.pass = c.pass
	c.used++
	c.bySet[key] = sl
}

// end drops the series the pass did not see and unlocks the cache.
func (c *seriesCache) end() {
	if len(c.bySet) > c.used {
		for key, sl := range c.bySet {
			if sl.pass != c.pass {
				delete(c.bySet, key)
			}
		}
	}
	c.mu.Unlock()
}

// dropUnusedCaches forgets the caches of metrics that neither the given
// translation nor the one before used: metrics that are gone (a producer's,
// or a scope's that no longer reports) keep no memory. A scrape running
// concurrently with an old translation number may still use a dropped
// cache; it just is not reused afterwards.
func (t *translator) dropUnusedCaches(translation uint64) {
	t.series.Range(func(key, value any) bool {
		if value.(*seriesCache).translation.Load()+1 < translation {
			t.series.Delete(key)
		}
		return true
	})
}
