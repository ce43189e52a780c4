package metricz

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Limits on what one series costs to keep and to show. Attributes are
// copied once, when a series is first tracked, and truncated so that one
// pathological attribute cannot make the page (or the memory) unbounded.
const (
	maxAttrsPerSeries = 16
	maxAttrKeyLen     = 64
	maxAttrValueLen   = 200
)

// dataKind is what the page calls an instrument: the shape of its data.
type dataKind uint8

const (
	kindCounter       dataKind = iota // monotonic sum
	kindUpDownCounter                 // non-monotonic sum
	kindGauge
	kindHistogram
	kindExpHistogram
	kindSummary
)

// String returns the kind's name in the JSON and on the page.
func (k dataKind) String() string {
	switch k {
	case kindCounter:
		return "counter"
	case kindUpDownCounter:
		return "updowncounter"
	case kindGauge:
		return "gauge"
	case kindHistogram:
		return "histogram"
	case kindExpHistogram:
		return "exponential_histogram"
	case kindSummary:
		return "summary"
	}
	return "unknown"
}

// instrumentKey identifies one metric stream across collections.
type instrumentKey struct {
	scopeName, scopeVersion, scopeSchemaURL string
	name, unit                              string
	kind                                    dataKind
}

// instrumentState is what the store keeps about one metric stream.
type instrumentState struct {
	key         instrumentKey
	description string
	temporality string
	series      map[attribute.Distinct]*seriesState
	lastSeen    uint64 // collection generation that last reported it
}

// seriesState is what the store keeps about one series: its display
// attributes, its sparkline ring and a copy of its latest point.
type seriesState struct {
	attrs    []attrJSON
	label    string // "k=v k2=v2", the sort key
	filterBy string // lower-cased label, for the filter box
	spark    ring
	lastSeen uint64

	// Latest point, copied out of the collected data so that the caller's
	// ResourceMetrics can be reused by the next collection.
	value   float64 // sums and gauges
	hist    *explicitCopy
	exp     *exponentialCopy
	summary *summaryCopy

	// Previous point, to turn cumulative data into per-interval sparkline
	// points (a counter's rate, a histogram's mean).
	hasPrev   bool
	prevTime  time.Time
	prevValue float64
	prevCount uint64
	prevSum   float64
}

// explicitCopy is a copy of an explicit-bucket histogram point.
type explicitCopy struct {
	count          uint64
	sum            float64
	minV, maxV     float64
	hasMin, hasMax bool
	bounds         []float64
	counts         []uint64
}

// exponentialCopy is a copy of an exponential histogram point.
type exponentialCopy struct {
	count          uint64
	sum            float64
	minV, maxV     float64
	hasMin, hasMax bool
	layout         expHistogram
}

// summaryCopy is a copy of a summary point (only producers emit them).
type summaryCopy struct {
	count     uint64
	sum       float64
	quantiles []metricdata.QuantileValue
}

// store is the bounded state of a Handler between collections: at most
// maxSeries series, each with a ring of history points.
type store struct {
	maxSeries int
	history   int

	gen         uint64 // number of collections applied
	collectedAt time.Time
	lastErr     string
	resource    []attrJSON
	instruments map[instrumentKey]*instrumentState
	tracked     int // series currently kept
	dropped     int // series of the latest collection that did not fit

	// marking is set during the first pass of apply, which only marks the
	// tracked series that are still reported, so that series which stopped
	// reporting free their slots before new series ask for one.
	marking bool
}

func newStore(maxSeries, history int) *store {
	return &store{
		maxSeries:   maxSeries,
		history:     history,
		instruments: make(map[instrumentKey]*instrumentState),
	}
}

// apply records one collection. It copies everything it keeps, so rm may
// be reused afterwards. Its cost is linear in the number of collected
// series, and its memory is bounded by maxSeries whatever rm holds.
func (s *store) apply(rm *metricdata.ResourceMetrics, at time.Time, collectErr string) {
	s.gen++
	s.collectedAt = at
	s.lastErr = collectErr
	s.dropped = 0
	if rm.Resource != nil {
		s.resource = attrsToJSON(rm.Resource.Set())
	}
	s.marking = true
	s.walk(rm)
	s.marking = false
	s.evictUnseen()
	s.walk(rm)
}

func (s *store) walk(rm *metricdata.ResourceMetrics) {
	for i := range rm.ScopeMetrics {
		sm := &rm.ScopeMetrics[i]
		for j := range sm.Metrics {
			s.applyMetric(sm.Scope, &sm.Metrics[j])
		}
	}
}

func (s *store) applyMetric(scope instrumentation.Scope, m *metricdata.Metrics) {
	switch data := m.Data.(type) {
	case metricdata.Sum[int64]:
		applyScalar(s, s.instrument(scope, m, sumKind(data.IsMonotonic), data.Temporality), data.DataPoints, data.IsMonotonic)
	case metricdata.Sum[float64]:
		applyScalar(s, s.instrument(scope, m, sumKind(data.IsMonotonic), data.Temporality), data.DataPoints, data.IsMonotonic)
	case metricdata.Gauge[int64]:
		applyScalar(s, s.instrument(scope, m, kindGauge, 0), data.DataPoints, false)
	case metricdata.Gauge[float64]:
		applyScalar(s, s.instrument(scope, m, kindGauge, 0), data.DataPoints, false)
	case metricdata.Histogram[int64]:
		applyHistogram(s, s.instrument(scope, m, kindHistogram, data.Temporality), data.DataPoints)
	case metricdata.Histogram[float64]:
		applyHistogram(s, s.instrument(scope, m, kindHistogram, data.Temporality), data.DataPoints)
	case metricdata.ExponentialHistogram[int64]:
		applyExponential(s, s.instrument(scope, m, kindExpHistogram, data.Temporality), data.DataPoints)
	case metricdata.ExponentialHistogram[float64]:
		applyExponential(s, s.instrument(scope, m, kindExpHistogram, data.Temporality), data.DataPoints)
	case metricdata.Summary:
		applySummary(s, s.instrument(scope, m, kindSummary, 0), data.DataPoints)
	}
}

func sumKind(monotonic bool) dataKind {
	if monotonic {
		return kindCounter
	}
	return kindUpDownCounter
}

// instrument returns the state of a metric stream, creating it when there is
// room. It returns nil when the cap is reached: an instrument costs at least
// one slot, so the number of instruments is bounded by maxSeries too.
func (s *store) instrument(scope instrumentation.Scope, m *metricdata.Metrics, kind dataKind, temporality metricdata.Temporality) *instrumentState {
	key := instrumentKey{
		scopeName: scope.Name, scopeVersion: scope.Version, scopeSchemaURL: scope.SchemaURL,
		name: m.Name, unit: m.Unit, kind: kind,
	}
	inst, ok := s.instruments[key]
	if !ok {
		if s.marking || len(s.instruments) >= s.maxSeries {
			return nil
		}
		inst = &instrumentState{key: key, series: make(map[attribute.Distinct]*seriesState)}
		s.instruments[key] = inst
	}
	inst.lastSeen = s.gen
	inst.description = m.Description
	inst.temporality = temporalityName(temporality)
	return inst
}

func temporalityName(t metricdata.Temporality) string {
	switch t {
	case metricdata.CumulativeTemporality:
		return "cumulative"
	case metricdata.DeltaTemporality:
		return "delta"
	}
	return ""
}

// series returns the state of one series of inst, creating it when there is
// room, or nil (and counts it as dropped) when the cap is reached. While
// marking, it only marks a tracked series as seen and returns nil.
func (s *store) series(inst *instrumentState, attrs attribute.Set) *seriesState {
	if inst == nil {
		if !s.marking {
			s.dropped++
		}
		return nil
	}
	key := attrs.Equivalent()
	ser, ok := inst.series[key]
	if s.marking {
		if ok {
			ser.lastSeen = s.gen
		}
		return nil
	}
	if !ok {
		if s.tracked >= s.maxSeries {
			s.dropped++
			return nil
		}
		ser = &seriesState{attrs: attrsToJSON(&attrs), spark: newRing(s.history)}
		ser.label = attrsLabel(ser.attrs)
		ser.filterBy = strings.ToLower(ser.label)
		inst.series[key] = ser
		s.tracked++
	}
	ser.lastSeen = s.gen
	return ser
}

// evictUnseen forgets the instruments and series the latest collection did
// not report, so memory follows what the process currently exports.
func (s *store) evictUnseen() {
	for key, inst := range s.instruments {
		for attrs, ser := range inst.series {
			if ser.lastSeen != s.gen {
				delete(inst.series, attrs)
				s.tracked--
			}
		}
		if inst.lastSeen != s.gen {
			delete(s.instruments, key)
		}
	}
}

func applyScalar[N int64 | float64](s *store, inst *instrumentState, dps []metricdata.DataPoint[N], monotonic bool) {
	for i := range dps {
		dp := &dps[i]
		ser := s.series(inst, dp.Attributes)
		if ser == nil {
			continue
		}
		v := float64(dp.Value)
		point := v
		if monotonic {
			// A counter's sparkline shows its rate per second.
			point = math.NaN()
			if ser.hasPrev && v >= ser.prevValue {
				if dt := dp.Time.Sub(ser.prevTime).Seconds(); dt > 0 {
					point = (v - ser.prevValue) / dt
				}
			}
		}
		ser.value = v
		ser.spark.push(point)
		ser.hasPrev, ser.prevTime, ser.prevValue = true, dp.Time, v
	}
}

// intervalMean is the mean of the observations a histogram received since
// the previous collection, or NaN when it received none (or was reset).
func (ser *seriesState) intervalMean(count uint64, sum float64) float64 {
	mean := math.NaN()
	if ser.hasPrev && count > ser.prevCount {
		mean = (sum - ser.prevSum) / float64(count-ser.prevCount)
	}
	ser.hasPrev, ser.prevCount, ser.prevSum = true, count, sum
	return mean
}

func applyHistogram[N int64 | float64](s *store, inst *instrumentState, dps []metricdata.HistogramDataPoint[N]) {
	for i := range dps {
		dp := &dps[i]
		ser := s.series(inst, dp.Attributes)
		if ser == nil {
			continue
		}
		if ser.hist == nil {
			ser.hist = &explicitCopy{}
		}
		h := ser.hist
		h.count, h.sum = dp.Count, float64(dp.Sum)
		minV, hasMin := dp.Min.Value()
		maxV, hasMax := dp.Max.Value()
		h.minV, h.hasMin, h.maxV, h.hasMax = float64(minV), hasMin, float64(maxV), hasMax
		h.bounds = append(h.bounds[:0], dp.Bounds...)
		h.counts = append(h.counts[:0], dp.BucketCounts...)
		ser.spark.push(ser.intervalMean(h.count, h.sum))
	}
}

func applyExponential[N int64 | float64](s *store, inst *instrumentState, dps []metricdata.ExponentialHistogramDataPoint[N]) {
	for i := range dps {
		dp := &dps[i]
		ser := s.series(inst, dp.Attributes)
		if ser == nil {
			continue
		}
		if ser.exp == nil {
			ser.exp = &exponentialCopy{}
		}
		e := ser.exp
		e.count, e.sum = dp.Count, float64(dp.Sum)
		minV, hasMin := dp.Min.Value()
		maxV, hasMax := dp.Max.Value()
		e.minV, e.hasMin, e.maxV, e.hasMax = float64(minV), hasMin, float64(maxV), hasMax
		e.layout.scale = dp.Scale
		e.layout.zeroCount = dp.ZeroCount
		e.layout.zeroThreshold = dp.ZeroThreshold
		e.layout.posOffset = dp.PositiveBucket.Offset
		e.layout.posCounts = append(e.layout.posCounts[:0], dp.PositiveBucket.Counts...)
		e.layout.negOffset = dp.NegativeBucket.Offset
		e.layout.negCounts = append(e.layout.negCounts[:0], dp.NegativeBucket.Counts...)
		ser.spark.push(ser.intervalMean(e.count, e.sum))
	}
}

func applySummary(s *store, inst *instrumentState, dps []metricdata.SummaryDataPoint) {
	for i := range dps {
		dp := &dps[i]
		ser := s.series(inst, dp.Attributes)
		if ser == nil {
			continue
		}
		if ser.summary == nil {
			ser.summary = &summaryCopy{}
		}
		ser.summary.count, ser.summary.sum = dp.Count, dp.Sum
		ser.summary.quantiles = append(ser.summary.quantiles[:0], dp.QuantileValues...)
		ser.spark.push(ser.intervalMean(dp.Count, dp.Sum))
	}
}

// attrsToJSON copies a set's attributes for display, truncating what
// would make one series unboundedly large.
func attrsToJSON(set *attribute.Set) []attrJSON {
	n := set.Len()
	if n == 0 {
		return nil
	}
	shown := min(n, maxAttrsPerSeries)
	out := make([]attrJSON, 0, shown+1)
	iter := set.Iter()
	for iter.Next() && len(out) < shown {
		kv := iter.Attribute()
		out = append(out, attrJSON{
			Key:   truncate(string(kv.Key), maxAttrKeyLen),
			Value: truncate(kv.Value.Emit(), maxAttrValueLen),
		})
	}
	if n > shown {
		out = append(out, attrJSON{Key: "…", Value: "+" + strconv.Itoa(n-shown) + " more attributes"})
	}
	return out
}

func attrsLabel(attrs []attrJSON) string {
	var b strings.Builder
	for i, a := range attrs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(a.Key)
		b.WriteByte('=')
		b.WriteString(a.Value)
	}
	return b.String()
}

// truncate shortens s to at most limit bytes on a UTF-8 boundary, marking
// the cut with an ellipsis.
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// sortedInstruments returns the instruments in display order: by scope,
// then name, then kind.
func (s *store) sortedInstruments() []*instrumentState {
	out := make([]*instrumentState, 0, len(s.instruments))
	for _, inst := range s.instruments {
		out = append(out, inst)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].key, out[j].key
		if a.scopeName != b.scopeName {
			return a.scopeName < b.scopeName
		}
		if a.scopeVersion != b.scopeVersion {
			return a.scopeVersion < b.scopeVersion
		}
		if a.scopeSchemaURL != b.scopeSchemaURL {
			return a.scopeSchemaURL < b.scopeSchemaURL
		}
		if a.name != b.name {
			return a.name < b.name
		}
		if a.unit != b.unit {
			return a.unit < b.unit
		}
		return a.kind < b.kind
	})
	return out
}

// sortedSeries returns the series of inst ordered by their attributes.
func sortedSeries(inst *instrumentState) []*seriesState {
	out := make([]*seriesState, 0, len(inst.series))
	for _, ser := range inst.series {
		out = append(out, ser)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].label < out[j].label })
	return out
}
