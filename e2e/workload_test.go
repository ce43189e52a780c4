package e2e

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// The workload records a fixed, known set of measurements into all seven
// instrument kinds, int64 and float64 (14 instruments, plus a float histogram
// that a view makes exponential), and keeps a ledger of what it recorded so
// the collector's output can be compared with it.

const (
	meterName      = "github.com/fastmeter/fastmeter/e2e"
	meterVersion   = "v0.0.1-e2e"
	meterSchemaURL = "https://opentelemetry.io/schemas/1.26.0"
	serviceName    = "fastmeter-e2e"
)

// The attribute sets every sync instrument records with; they cover every
// attribute value type and the empty set.
var (
	setCheckout = attribute.NewSet(attribute.String("route", "/checkout"), attribute.Int("code", 200),
		attribute.Bool("cached", true), attribute.Float64("ratio", 0.5))
	setCart = attribute.NewSet(attribute.String("route", "/cart"), attribute.Int("code", 500),
		attribute.Bool("cached", false), attribute.StringSlice("tags", []string{"a", "b"}))
	setEmpty = attribute.NewSet()
)

// measurement is one value recorded on one attribute set.
type measurement struct {
	set   attribute.Set
	value int64
}

// phaseMeasurements are the sync measurements of phase 1 and 2. Int
// instruments record value, float ones value+0.25 (exact in binary).
var phaseMeasurements = [][]measurement{
	1: {{setCheckout, 3}, {setCheckout, 7}, {setCheckout, 120}, {setCart, 12}, {setCart, 5000}, {setEmpty, 1}},
	2: {{setCheckout, 60}, {setCart, 2}, {setCart, 800}, {setEmpty, 4}},
}

// floatHistogramBounds is the bucket advice of the float histogram; its view
// keeps only the "route" attribute, so its exemplars carry the others as
// filtered attributes.
var floatHistogramBounds = []float64{0.1, 0.5, 1, 5, 10}

// defaultHistogramBounds are the SDK's default explicit bucket boundaries.
var defaultHistogramBounds = []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}

// shape is the OTLP data type a metric is exported as.
type shape string

const (
	shapeSum       shape = "sum"
	shapeGauge     shape = "gauge"
	shapeHistogram shape = "histogram"
	shapeExpHist   shape = "exponentialHistogram"
)

// expHistMaxSize and expHistMaxScale configure the exponential histogram view.
const (
	expHistMaxSize  = 160
	expHistMaxScale = 20
)

// expectedMetric is the ledger entry of one instrument.
type expectedMetric struct {
	name, unit, description string
	shape                   shape
	monotonic               bool
	async                   bool
	bounds                  []float64
	keep                    []attribute.Key // attribute keys kept by a view; nil keeps all
	series                  map[string]*expectedSeries
}

// expectedSeries is what one attribute set of one instrument must add up to.
type expectedSeries struct {
	total        float64 // sums: sum of increments (sync) or the last observation (async)
	last         float64 // gauges
	count        uint64  // histograms
	bucketCounts []uint64
	min, max     float64
	recorded     []recordedValue // sync measurements, to check exemplars against
}

// recordedValue is one sync measurement as an exemplar would report it.
type recordedValue struct {
	value    float64
	spanID   string
	filtered map[string]string // attributes the view dropped
}

// workload owns the instruments and the ledger.
type workload struct {
	mu      sync.Mutex
	metrics map[string]*expectedMetric
	record  map[string]func(ctx context.Context, v float64, set attribute.Set)
	phase   atomic.Int64 // selects what the observable callbacks report
	traceID trace.TraceID
}

// newWorkload creates the 14 instruments on meter.
func newWorkload(t *testing.T, meter metric.Meter) *workload {
	t.Helper()
	w := &workload{
		metrics: map[string]*expectedMetric{},
		record:  map[string]func(context.Context, float64, attribute.Set){},
		traceID: workloadTraceID,
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("create instrument: %v", err)
		}
	}
	def := func(name, unit string, sh shape, monotonic, async bool) *expectedMetric {
		m := &expectedMetric{name: name, unit: unit, description: "e2e " + strings.ReplaceAll(name, ".", " "),
			shape: sh, monotonic: monotonic, async: async, series: map[string]*expectedSeries{}}
		if sh == shapeHistogram {
			m.bounds = defaultHistogramBounds
		}
		w.metrics[name] = m
		return m
	}

	// Synchronous instruments.
	{
		m := def("e2e.int.counter", "{request}", shapeSum, true, false)
		c, err := meter.Int64Counter(m.name, metric.WithUnit(m.unit), metric.WithDescription(m.description))
		must(err)
		w.record[m.name] = func(ctx context.Context, v float64, s attribute.Set) {
			c.Add(ctx, int64(v), metric.WithAttributeSet(s))
		}
	}
	{
		m := def("e2e.float.counter", "By", shapeSum, true, false)
		c, err := meter.Float64Counter(m.name, metric.WithUnit(m.unit), metric.WithDescription(m.description))
		must(err)
		w.record[m.name] = func(ctx context.Context, v float64, s attribute.Set) { c.Add(ctx, v, metric.WithAttributeSet(s)) }
	}
	{
		m := def("e2e.int.updowncounter", "{connection}", shapeSum, false, false)
		c, err := meter.Int64UpDownCounter(m.name, metric.WithUnit(m.unit), metric.WithDescription(m.description))
		must(err)
		w.record[m.name] = func(ctx context.Context, v float64, s attribute.Set) {
			c.Add(ctx, int64(v), metric.WithAttributeSet(s))
		}
	}
	{
		m := def("e2e.float.updowncounter", "1", shapeSum, false, false)
		c, err := meter.Float64UpDownCounter(m.name, metric.WithUnit(m.unit), metric.WithDescription(m.description))
		must(err)
		w.record[m.name] = func(ctx context.Context, v float64, s attribute.Set) { c.Add(ctx, v, metric.WithAttributeSet(s)) }
	}
	{
		m := def("e2e.int.histogram", "ms", shapeHistogram, false, false)
		h, err := meter.Int64Histogram(m.name, metric.WithUnit(m.unit), metric.WithDescription(m.description))
		must(err)
		w.record[m.name] = func(ctx context.Context, v float64, s attribute.Set) {
			h.Record(ctx, int64(v), metric.WithAttributeSet(s))
		}
	}
	{
		m := def("e2e.float.histogram", "s", shapeHistogram, false, false)
		m.bounds, m.keep = floatHistogramBounds, []attribute.Key{"route"}
		h, err := meter.Float64Histogram(m.name, metric.WithUnit(m.unit), metric.WithDescription(m.description),
			metric.WithExplicitBucketBoundaries(floatHistogramBounds...))
		must(err)
		w.record[m.name] = func(ctx context.Context, v float64, s attribute.Set) { h.Record(ctx, v, metric.WithAttributeSet(s)) }
	}
	{
		// A view turns this one into a base-2 exponential histogram.
		m := def("e2e.float.exponential_histogram", "s", shapeExpHist, false, false)
		h, err := meter.Float64Histogram(m.name, metric.WithUnit(m.unit), metric.WithDescription(m.description))
		must(err)
		w.record[m.name] = func(ctx context.Context, v float64, s attribute.Set) { h.Record(ctx, v, metric.WithAttributeSet(s)) }
	}
	{
		m := def("e2e.int.gauge", "{item}", shapeGauge, false, false)
		g, err := meter.Int64Gauge(m.name, metric.WithUnit(m.unit), metric.WithDescription(m.description))
		must(err)
		w.record[m.name] = func(ctx context.Context, v float64, s attribute.Set) {
			g.Record(ctx, int64(v), metric.WithAttributeSet(s))
		}
	}
	{
		m := def("e2e.float.gauge", "Cel", shapeGauge, false, false)
		g, err := meter.Float64Gauge(m.name, metric.WithUnit(m.unit), metric.WithDescription(m.description))
		must(err)
		w.record[m.name] = func(ctx context.Context, v float64, s attribute.Set) { g.Record(ctx, v, metric.WithAttributeSet(s)) }
	}

	// Asynchronous instruments: each callback reports asyncObservations of the current phase.
	for _, async := range []struct {
		name, unit string
		sh         shape
		monotonic  bool
		float      bool
	}{
		{"e2e.int.observable_counter", "{page}", shapeSum, true, false},
		{"e2e.float.observable_counter", "J", shapeSum, true, true},
		{"e2e.int.observable_updowncounter", "{thread}", shapeSum, false, false},
		{"e2e.float.observable_updowncounter", "By", shapeSum, false, true},
		{"e2e.int.observable_gauge", "{goroutine}", shapeGauge, false, false},
		{"e2e.float.observable_gauge", "Cel", shapeGauge, false, true},
	} {
		m := def(async.name, async.unit, async.sh, async.monotonic, true)
		name, isFloat := m.name, async.float
		unit, desc := metric.WithUnit(m.unit), metric.WithDescription(m.description)
		var inst metric.Observable
		var err error
		switch {
		case name == "e2e.int.observable_counter":
			inst, err = meter.Int64ObservableCounter(name, unit, desc)
		case name == "e2e.float.observable_counter":
			inst, err = meter.Float64ObservableCounter(name, unit, desc)
		case name == "e2e.int.observable_updowncounter":
			inst, err = meter.Int64ObservableUpDownCounter(name, unit, desc)
		case name == "e2e.float.observable_updowncounter":
			inst, err = meter.Float64ObservableUpDownCounter(name, unit, desc)
		case name == "e2e.int.observable_gauge":
			inst, err = meter.Int64ObservableGauge(name, unit, desc)
		default:
			inst, err = meter.Float64ObservableGauge(name, unit, desc)
		}
		must(err)
		_, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
			for _, obs := range asyncObservations(name, w.phase.Load()) {
				if isFloat {
					o.ObserveFloat64(inst.(metric.Float64Observable), obs.value, metric.WithAttributeSet(obs.set))
				} else {
					o.ObserveInt64(inst.(metric.Int64Observable), int64(obs.value), metric.WithAttributeSet(obs.set))
				}
			}
			return nil
		}, inst)
		must(err)
	}
	w.setPhase(1)
	return w
}

// observation is one value an observable callback reports.
type observation struct {
	set   attribute.Set
	value float64
}

// asyncObservations is what the callback of instrument name reports in phase p.
// Counters grow with the phase, so phase 2 reports the larger cumulative value.
func asyncObservations(name string, p int64) []observation {
	f := float64(p)
	frac := 0.0
	if strings.HasPrefix(name, "e2e.float.") {
		frac = 0.25
	}
	switch {
	case strings.HasSuffix(name, "observable_counter"):
		return []observation{{setCheckout, 100*f + frac}, {setCart, 30*f + frac}, {setEmpty, 5 * f}}
	case strings.HasSuffix(name, "observable_updowncounter"):
		return []observation{{setCheckout, 40*f + frac}, {setCart, -15*f - frac}}
	default: // gauges
		return []observation{{setCheckout, 21 + f + frac}, {setCart, -3*f - frac}}
	}
}

// setPhase makes the observable callbacks report phase p from now on and
// updates the ledger of the observable instruments accordingly.
func (w *workload) setPhase(p int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.phase.Store(p)
	for _, m := range w.metrics {
		if !m.async {
			continue
		}
		for _, obs := range asyncObservations(m.name, p) {
			s := m.seriesFor(obs.set)
			s.total, s.last = obs.value, obs.value
		}
	}
}

// spanContext is the sampled span phase p records in; its exemplars must carry it.
func (w *workload) spanContext(p int) trace.SpanContext {
	return trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    w.traceID,
		SpanID:     trace.SpanID{0x5a, 0, 0, 0, 0, 0, 0, byte(p)},
		TraceFlags: trace.FlagsSampled,
	})
}

// recordPhase records every sync measurement of phase p, inside a sampled
// span, on all nine sync instruments, and enters them in the ledger.
func (w *workload) recordPhase(p int) {
	sc := w.spanContext(p)
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	for _, ms := range phaseMeasurements[p] {
		for name, rec := range w.record {
			v := syncValue(name, ms.value)
			rec(ctx, v, ms.set)
			w.enter(name, v, ms.set, sc.SpanID().String())
		}
	}
}

// syncValue maps a phase measurement to the value instrument name records.
func syncValue(name string, v int64) float64 {
	f := float64(v)
	switch {
	case name == "e2e.float.histogram":
		return f / 100
	case strings.Contains(name, "updowncounter") && v >= 1000:
		return -f // exercise negative increments
	case strings.HasPrefix(name, "e2e.float."):
		return f + 0.25
	}
	return f
}

// enter adds one sync measurement to the ledger.
func (w *workload) enter(name string, v float64, set attribute.Set, spanID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.metrics[name]
	s := m.seriesFor(set)
	s.recorded = append(s.recorded, recordedValue{value: v, spanID: spanID, filtered: m.dropped(set)})
	switch m.shape {
	case shapeSum:
		s.total += v
	case shapeGauge:
		s.last = v
	case shapeHistogram, shapeExpHist:
		if s.count == 0 || v < s.min {
			s.min = v
		}
		if s.count == 0 || v > s.max {
			s.max = v
		}
		s.count++
		s.total += v
		if m.shape == shapeHistogram {
			s.bucketCounts[bucketIndex(m.bounds, v)]++
		}
	}
}

// bucketIndex is the explicit bucket v falls in: buckets are (b[i-1], b[i]].
func bucketIndex(bounds []float64, v float64) int {
	return sort.SearchFloat64s(bounds, v)
}

// seriesFor returns (creating) the ledger series of set after the view's filter.
func (m *expectedMetric) seriesFor(set attribute.Set) *expectedSeries {
	key := attrKey(m.kept(set))
	s, ok := m.series[key]
	if !ok {
		s = &expectedSeries{}
		if m.shape == shapeHistogram {
			s.bucketCounts = make([]uint64, len(m.bounds)+1)
		}
		m.series[key] = s
	}
	return s
}

// kept returns set filtered by the metric's view.
func (m *expectedMetric) kept(set attribute.Set) attribute.Set {
	if m.keep == nil {
		return set
	}
	kept, _ := set.Filter(attribute.NewAllowKeysFilter(m.keep...))
	return kept
}

// dropped returns the attributes of set that the view removed, canonically rendered.
func (m *expectedMetric) dropped(set attribute.Set) map[string]string {
	out := map[string]string{}
	if m.keep == nil {
		return out
	}
	_, removed := set.Filter(attribute.NewAllowKeysFilter(m.keep...))
	for _, kv := range removed {
		out[string(kv.Key)] = attrValueString(kv.Value)
	}
	return out
}

// attrKey renders an attribute set the way attrsKey renders OTLP attributes.
func attrKey(set attribute.Set) string {
	parts := make([]string, 0, set.Len())
	for _, kv := range set.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+attrValueString(kv.Value))
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

func attrValueString(v attribute.Value) string {
	switch v.Type() {
	case attribute.STRING:
		return strconv.Quote(v.AsString())
	case attribute.BOOL:
		return strconv.FormatBool(v.AsBool())
	case attribute.INT64:
		return strconv.FormatInt(v.AsInt64(), 10)
	case attribute.FLOAT64:
		return strconv.FormatFloat(v.AsFloat64(), 'g', -1, 64)
	case attribute.STRINGSLICE:
		parts := []string{}
		for _, s := range v.AsStringSlice() {
			parts = append(parts, strconv.Quote(s))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return v.Emit()
}

// workloadTraceID is the trace every sync measurement is recorded in.
var workloadTraceID = trace.TraceID{0x0f, 0xa5, 0x7e, 0x7e, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
