package prometheus

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const (
	targetInfoHelp   = "Target metadata"
	scopeLabelPrefix = "otel_scope_"
	scopeSchemaLabel = scopeLabelPrefix + "schema_url"
)

// translator turns one collection of the provider into Prometheus metric
// families. It is shared by all scrapes; the per-scrape state lives in
// scrape.
type translator struct {
	cfg         config
	metricNamer *metricNamer
	labelNamer  *labelNamer
	reporter    *problemReporter

	// known remembers, for the exporter's life, the first metric seen under
	// each Prometheus name. The SDK does not order scopes the same way on
	// every collection, so "first in this scrape" would let the winner of
	// a collision (and the help text served) flip between scrapes; first
	// ever seen is stable.
	known    sync.Map // Prometheus name → *knownFamily
	knownSeq atomic.Uint64

	// series caches every metric's translated series labels across
	// scrapes (see series_cache.go); translations numbers the calls of
	// translate, to drop the caches of metrics that are gone.
	series       sync.Map // seriesCacheKey → *seriesCache
	translations atomic.Uint64
}

// knownFamily is what the first metric seen under a Prometheus name fixed.
type knownFamily struct {
	typ    dto.MetricType
	help   string
	origin string
	seq    uint64 // order of first appearance, for stable collision handling
}

// claim returns the first-seen description of a Prometheus name, recording
// the given one if the name is new.
func (t *translator) claim(name string, typ dto.MetricType, help, origin string) *knownFamily {
	if k, ok := t.known.Load(name); ok {
		return k.(*knownFamily)
	}
	k, _ := t.known.LoadOrStore(name, &knownFamily{typ: typ, help: help, origin: origin, seq: t.knownSeq.Add(1)})
	return k.(*knownFamily)
}

// scrape is the state of translating one collection.
type scrape struct {
	arenas   *arenas
	t        *translator
	labels   labelBuilder
	families map[string]*family
	order    []*family // in the order first seen: earlier wins collisions
	// cache holds the series labels of the metric being translated.
	cache       *seriesCache
	translation uint64 // the number of this translation

	// The start time of consecutive series is usually the same; they share
	// one protobuf timestamp.
	lastStart   time.Time
	lastCreated *timestamppb.Timestamp
}

// created returns the protobuf form of a series' start time (nil when it
// is unknown): the previous series' one when equal, else cell filled in.
func (s *scrape) created(start time.Time, cell *timestamppb.Timestamp) *timestamppb.Timestamp {
	if start.IsZero() {
		return nil
	}
	if s.lastCreated == nil || !start.Equal(s.lastStart) {
		cell.Seconds, cell.Nanos = start.Unix(), int32(start.Nanosecond())
		s.lastStart, s.lastCreated = start, cell
	}
	return s.lastCreated
}

// family is one Prometheus metric family under construction.
type family struct {
	mf       *dto.MetricFamily
	origin   string // the OpenTelemetry metric (or "resource") that created it
	seq      uint64 // knownFamily.seq of its name; 0 for target_info
	reserved bool   // created by the exporter (target_info): nothing may join it
	// series indexes the family's metrics by a hash of their labels, to
	// catch two data points that translate to the same series; collisions
	// of the 64-bit hash (never seen in practice) go to moreSeries.
	series     map[uint64]*dto.Metric
	moreSeries map[uint64][]*dto.Metric
	// labels holds the labels of each of mf.Metric, for the text writers.
	labels []*seriesLabels
}

// reserve sizes the series index for n more series.
func (f *family) reserve(n int) {
	if f.series == nil {
		f.series = make(map[uint64]*dto.Metric, n)
	}
}

// translate converts rm. Problems are reported through the translator's
// reporter; the returned families are always valid and free of duplicates,
// sorted by name.
//
// The series are built in a; nil means new arenas (the caller keeps the
// result for as long as it likes).
func (t *translator) translate(rm *metricdata.ResourceMetrics, a *arenas) []*family {
	if a == nil {
		a = new(arenas)
	}
	s := &scrape{
		arenas:      a,
		translation: t.translations.Add(1),
		t:           t,
		families:    make(map[string]*family),
	}
	s.labels = labelBuilder{namer: t.labelNamer, reporter: t.reporter}
	if !t.cfg.withoutTargetInfo {
		s.addTargetInfo(rm.Resource)
	}
	var resourceLabels []labelPair
	if t.cfg.resourceAsLabels != nil && rm.Resource != nil {
		kept, _ := rm.Resource.Set().Filter(t.cfg.resourceAsLabels)
		resourceLabels = s.labels.attributes(nil, kept, "resource")
	}
	for i := range rm.ScopeMetrics {
		sm := &rm.ScopeMetrics[i]
		constant := shareConstant(s.constantLabels(sm.Scope, resourceLabels))
		for j := range sm.Metrics {
			s.addMetric(sm.Scope, &sm.Metrics[j], constant)
		}
	}
	t.dropUnusedCaches(s.translation)
	return s.finish()
}

// constantLabels returns the sorted labels every series of a scope carries:
// the scope's identity (unless WithoutScopeInfo) and the resource attributes
// chosen by WithResourceAsConstantLabels.
func (s *scrape) constantLabels(scope instrumentation.Scope, resourceLabels []labelPair) []labelPair {
	if s.t.cfg.withoutScopeInfo {
		return resourceLabels
	}
	var scopeLabels []labelPair
	iter := scope.Attributes.Iter()
	for iter.Next() {
		kv := iter.Attribute()
		name, err := s.t.labelNamer.name(string(kv.Key))
		if err != nil {
			s.t.reporter.reportf("scopeattr\x00"+scope.Name+"\x00"+string(kv.Key),
				"scope %q: attribute %q dropped: %v", scope.Name, string(kv.Key), err)
			continue
		}
		if name == "name" || name == "version" || name == "schema_url" {
			continue // the scope's own fields own these labels
		}
		scopeLabels = append(scopeLabels, labelPair{name: scopeLabelPrefix + name, value: validLabelValue(kv.Value.Emit())})
	}
	for _, l := range []labelPair{
		{name: otlptranslator.ScopeNameLabelKey, value: scope.Name},
		{name: otlptranslator.ScopeVersionLabelKey, value: scope.Version},
		{name: scopeSchemaLabel, value: scope.SchemaURL},
	} {
		// An empty label is the same as no label to Prometheus; leaving it
		// out keeps the output short.
		if l.value != "" {
			scopeLabels = append(scopeLabels, labelPair{name: l.name, value: validLabelValue(l.value)})
		}
	}
	slices.SortStableFunc(scopeLabels, compareLabelPairs)
	scopeLabels = mergeSameNames(scopeLabels)
	if len(resourceLabels) == 0 {
		return scopeLabels
	}
	return s.labels.mergeConstant(nil, resourceLabels, scopeLabels, "resource")
}

// addTargetInfo serves the resource as the target_info gauge (value 1, one
// label per resource attribute).
func (s *scrape) addTargetInfo(res *resource.Resource) {
	if res == nil || res.Len() == 0 {
		return
	}
	f := &family{
		mf: &dto.MetricFamily{
			Name: new(otlptranslator.TargetInfoMetricName),
			Help: new(targetInfoHelp),
			Type: dto.MetricType_GAUGE.Enum(),
		},
		origin:   "resource",
		reserved: true,
	}
	s.families[otlptranslator.TargetInfoMetricName] = f
	s.order = append(s.order, f)
	labels := newSeriesLabels(*res.Set(), s.labels.attributes(nil, *res.Set(), otlptranslator.TargetInfoMetricName))
	s.addSeries(f, &dto.Metric{Gauge: &dto.Gauge{Value: new(1.0)}}, labels)
}

// kind is how one OpenTelemetry aggregation is served.
type kind struct {
	promType   dto.MetricType
	namingType otlptranslator.MetricType
}

// classify returns how m is served, or an error when it cannot be: unknown
// aggregations, and delta temporality, which Prometheus cannot represent
// (only producers can hand delta data to this cumulative reader).
func classify(m *metricdata.Metrics) (kind, error) {
	var temporality metricdata.Temporality
	var k kind
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		temporality, k = d.Temporality, sumKind(d.IsMonotonic)
	case metricdata.Sum[float64]:
		temporality, k = d.Temporality, sumKind(d.IsMonotonic)
	case metricdata.Gauge[int64], metricdata.Gauge[float64]:
		return kind{dto.MetricType_GAUGE, otlptranslator.MetricTypeGauge}, nil
	case metricdata.Histogram[int64]:
		temporality, k = d.Temporality, histogramKind
	case metricdata.Histogram[float64]:
		temporality, k = d.Temporality, histogramKind
	case metricdata.ExponentialHistogram[int64]:
		temporality, k = d.Temporality, histogramKind
	case metricdata.ExponentialHistogram[float64]:
		temporality, k = d.Temporality, histogramKind
	case metricdata.Summary:
		return kind{dto.MetricType_SUMMARY, otlptranslator.MetricTypeSummary}, nil
	default:
		return kind{}, fmt.Errorf("unsupported aggregation %T", m.Data)
	}
	if temporality == metricdata.DeltaTemporality {
		return kind{}, fmt.Errorf("delta temporality cannot be served to Prometheus")
	}
	return k, nil
}

var histogramKind = kind{dto.MetricType_HISTOGRAM, otlptranslator.MetricTypeHistogram}

func sumKind(monotonic bool) kind {
	if monotonic {
		return kind{dto.MetricType_COUNTER, otlptranslator.MetricTypeMonotonicCounter}
	}
	// An up-down counter can go down: to Prometheus it is a gauge.
	return kind{dto.MetricType_GAUGE, otlptranslator.MetricTypeNonMonotonicCounter}
}

// addMetric translates one OpenTelemetry metric into its family.
func (s *scrape) addMetric(scope instrumentation.Scope, m *metricdata.Metrics, constant []labelPair) {
	k, err := classify(m)
	if err != nil {
		s.t.reporter.reportf("kind\x00"+m.Name, "metric %q not served: %v", m.Name, err)
		return
	}
	name, err := s.t.metricNamer.name(m.Name, m.Unit, k.namingType)
	if err != nil {
		s.t.reporter.reportf("name\x00"+m.Name, "metric %q not served: invalid name: %v", m.Name, err)
		return
	}
	f := s.family(name, k.promType, validLabelValue(m.Description), m.Name)
	if f == nil {
		return
	}
	switch k.promType {
	case dto.MetricType_HISTOGRAM:
		s.labels.reserved = model.BucketLabel
	case dto.MetricType_SUMMARY:
		s.labels.reserved = model.QuantileLabel
	default:
		s.labels.reserved = ""
	}
	cache := s.t.seriesCache(seriesCacheKey{scope: scope, metric: m.Name, reserved: s.labels.reserved})
	cache.begin(s.translation)
	defer cache.end()
	s.cache = cache
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		addSum(s, f, d, constant, m.Name)
	case metricdata.Sum[float64]:
		addSum(s, f, d, constant, m.Name)
	case metricdata.Gauge[int64]:
		addGauge(s, f, d, constant, m.Name)
	case metricdata.Gauge[float64]:
		addGauge(s, f, d, constant, m.Name)
	case metricdata.Histogram[int64]:
		addHistogram(s, f, d, constant, m.Name)
	case metricdata.Histogram[float64]:
		addHistogram(s, f, d, constant, m.Name)
	case metricdata.ExponentialHistogram[int64]:
		addExponentialHistogram(s, f, d, constant, m.Name)
	case metricdata.ExponentialHistogram[float64]:
		addExponentialHistogram(s, f, d, constant, m.Name)
	case metricdata.Summary:
		for _, dp := range d.DataPoints {
			s.addSeries(f, &dto.Metric{Summary: summaryToDTO(dp)}, s.labels.series(cache, dp.Attributes, constant, m.Name))
		}
	}
}

// family returns the family a metric joins, creating it when its name is
// new to this scrape. It returns nil, after reporting, when the name belongs
// to a metric of another type (the first ever seen under that name wins):
// serving both would be broken output. When only the help text differs, the
// first one is served and the difference reported.
func (s *scrape) family(name string, typ dto.MetricType, help, origin string) *family {
	f, ok := s.families[name]
	if ok && f.reserved {
		s.reportCollision(name, typ, origin, f.mf.GetType(), f.origin)
		return nil
	}
	known := s.t.claim(name, typ, help, origin)
	if known.typ != typ {
		s.reportCollision(name, typ, origin, known.typ, known.origin)
		return nil
	}
	if known.help != help {
		s.t.reporter.reportf("help\x00"+name+"\x00"+origin+"\x00"+known.origin,
			"metric %q: description differs from %q, which has the same Prometheus name %q; serving the description of %q",
			origin, known.origin, name, known.origin)
	}
	if ok {
		return f
	}
	f = &family{
		mf:     &dto.MetricFamily{Name: new(name), Help: new(known.help), Type: typ.Enum()},
		origin: known.origin,
		seq:    known.seq,
	}
	s.families[name] = f
	s.order = append(s.order, f)
	return f
}

func (s *scrape) reportCollision(name string, typ dto.MetricType, origin string, ownerTyp dto.MetricType, owner string) {
	s.t.reporter.reportf("collision\x00"+name+"\x00"+origin+"\x00"+owner,
		"metric %q (%s) not served: its Prometheus name %q is already used by %q (%s)",
		origin, typeName(typ), name, owner, typeName(ownerTyp))
}

func typeName(t dto.MetricType) string { return strings.ToLower(t.String()) }

// counterCell and gaugeCell hold all the protobuf values of one series, so
// that it takes one allocation.
type counterCell struct {
	metric  dto.Metric
	counter dto.Counter
	value   float64
	created timestamppb.Timestamp
}

type gaugeCell struct {
	metric dto.Metric
	gauge  dto.Gauge
	value  float64
}

func (s *scrape) newGauge(v float64) *dto.Metric {
	c := s.arenas.gauges.one()
	c.value = v
	c.gauge.Value = &c.value
	c.metric.Gauge = &c.gauge
	return &c.metric
}

func addSum[N int64 | float64](s *scrape, f *family, sum metricdata.Sum[N], constant []labelPair, metric string) {
	f.reserve(len(sum.DataPoints))
	for _, dp := range sum.DataPoints {
		labels := s.labels.series(s.cache, dp.Attributes, constant, metric)
		if !sum.IsMonotonic {
			// Gauges carry no exemplars in any Prometheus format.
			s.addSeries(f, s.newGauge(float64(dp.Value)), labels)
			continue
		}
		c := s.arenas.counters.one()
		c.value = float64(dp.Value)
		c.counter.Value = &c.value
		c.counter.CreatedTimestamp = s.created(dp.StartTime, &c.created)
		c.counter.Exemplar = latestExemplar(dp.Exemplars, s.t.labelNamer)
		c.metric.Counter = &c.counter
		s.addSeries(f, &c.metric, labels)
	}
}

func addGauge[N int64 | float64](s *scrape, f *family, gauge metricdata.Gauge[N], constant []labelPair, metric string) {
	f.reserve(len(gauge.DataPoints))
	for _, dp := range gauge.DataPoints {
		s.addSeries(f, s.newGauge(float64(dp.Value)), s.labels.series(s.cache, dp.Attributes, constant, metric))
	}
}

func addHistogram[N int64 | float64](s *scrape, f *family, hist metricdata.Histogram[N], constant []labelPair, metric string) {
	f.reserve(len(hist.DataPoints))
	for _, dp := range hist.DataPoints {
		c, err := explicitHistogram(dp, s.arenas)
		if err != nil {
			s.t.reporter.reportf("histogram\x00"+metric+"\x00"+err.Error(), "metric %q: data point %s not served: %v",
				metric, dp.Attributes.Encoded(attribute.DefaultEncoder()), err)
			continue
		}
		c.hist.CreatedTimestamp = s.created(dp.StartTime, &c.created)
		attachBucketExemplars(&c.hist, dp.Exemplars, s.t.labelNamer)
		s.addSeries(f, &c.metric, s.labels.series(s.cache, dp.Attributes, constant, metric))
	}
}

func addExponentialHistogram[N int64 | float64](s *scrape, f *family, hist metricdata.ExponentialHistogram[N], constant []labelPair, metric string) {
	for _, dp := range hist.DataPoints {
		h := exponentialHistogram(dp)
		attachBucketExemplars(h, dp.Exemplars, s.t.labelNamer)
		for _, ex := range dp.Exemplars {
			// Native histograms carry their exemplars separately; Prometheus
			// only accepts them with a timestamp.
			if e := exemplarToDTO(ex, s.t.labelNamer); e != nil && e.Timestamp != nil {
				h.Exemplars = append(h.Exemplars, e)
			}
		}
		s.addSeries(f, &dto.Metric{Histogram: h}, s.labels.series(s.cache, dp.Attributes, constant, metric))
	}
}

// addSeries appends m to f unless f already has a series with the same
// labels, which happens when distinct attribute sets translate to the same
// labels (a.b and a_b, two invalid UTF-8 values, a dropped attribute) or
// when one name is recorded in two scopes with WithoutScopeInfo. The first
// series is kept; serving both would be rejected by Prometheus.
func (s *scrape) addSeries(f *family, m *dto.Metric, labels *seriesLabels) {
	m.Label = labels.labels
	h := labels.hash
	f.reserve(1)
	if first, ok := f.series[h]; ok {
		if sameLabels(first.Label, m.Label) || slices.ContainsFunc(f.moreSeries[h], func(o *dto.Metric) bool { return sameLabels(o.Label, m.Label) }) {
			s.t.reporter.reportf("duplicate\x00"+f.mf.GetName()+"\x00"+string(labels.text),
				"metric %q: two data points translate to the same series %s%s; serving the first",
				f.origin, f.mf.GetName(), formatLabels(m.Label))
			return
		}
		if f.moreSeries == nil {
			f.moreSeries = make(map[uint64][]*dto.Metric)
		}
		f.moreSeries[h] = append(f.moreSeries[h], m)
	} else {
		f.series[h] = m
	}
	f.mf.Metric = append(f.mf.Metric, m)
	f.labels = append(f.labels, labels)
}

func sameLabels(a, b []*dto.LabelPair) bool {
	return slices.EqualFunc(a, b, func(x, y *dto.LabelPair) bool {
		return x.GetName() == y.GetName() && x.GetValue() == y.GetValue()
	})
}

func formatLabels(labels []*dto.LabelPair) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, l := range labels {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", l.GetName(), l.GetValue())
	}
	b.WriteByte('}')
	return b.String()
}

// finish drops families whose sample names collide with an earlier family
// (a gauge named x_count next to a histogram x; a gauge x next to a counter
// x_total, which OpenMetrics serves as family x) and returns the rest sorted
// by name.
func (s *scrape) finish() []*family {
	// Earlier-seen names win, whatever order this collection came in.
	slices.SortStableFunc(s.order, func(a, b *family) int { return cmp.Compare(a.seq, b.seq) })
	claimed := make(map[string]*family, 2*len(s.order))
	out := make([]*family, 0, len(s.order))
	for _, f := range s.order {
		if len(f.mf.Metric) == 0 {
			continue
		}
		names := sampleNames(f.mf)
		if !s.t.cfg.strategy.ShouldEscape() {
			// promhttp escapes UTF-8 names for scrapers that do not accept
			// them; two names that escape alike would be one broken family.
			for _, n := range names {
				if escaped := model.EscapeName(n, model.UnderscoreEscaping); escaped != n {
					names = append(names, escaped)
				}
			}
		}
		var owner *family
		for _, n := range names {
			if o, ok := claimed[n]; ok && o != f {
				owner = o
				break
			}
		}
		if owner != nil {
			s.t.reporter.reportf("collision\x00"+f.mf.GetName()+"\x00"+f.origin+"\x00"+owner.origin,
				"metric %q (%s %q) not served: its samples collide with those of %q (%s %q)",
				f.origin, typeName(f.mf.GetType()), f.mf.GetName(), owner.origin, typeName(owner.mf.GetType()), owner.mf.GetName())
			continue
		}
		for _, n := range names {
			claimed[n] = f
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b *family) int { return strings.Compare(a.mf.GetName(), b.mf.GetName()) })
	return out
}

// sampleNames lists the names a family's samples and metadata use in any
// exposition format.
func sampleNames(mf *dto.MetricFamily) []string {
	name := mf.GetName()
	switch mf.GetType() {
	case dto.MetricType_COUNTER:
		base := strings.TrimSuffix(name, "_total")
		return []string{base, base + "_total"}
	case dto.MetricType_HISTOGRAM:
		return []string{name, name + "_bucket", name + "_sum", name + "_count"}
	case dto.MetricType_SUMMARY:
		return []string{name, name + "_sum", name + "_count"}
	default:
		return []string{name}
	}
}
