package wire

import (
	"errors"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/fastmeter/fastmeter/internal/points"
)

// ProtoEncoder encodes ResourceMetrics as the protobuf bytes of an OTLP
// ExportMetricsServiceRequest. It reuses its buffer: the bytes Encode returns
// are valid until the next Encode. Not safe for concurrent use.
type ProtoEncoder struct {
	p        protoBuffer
	lastSize int // the previous request's length
}

// Encode returns the request for rm. Metrics that cannot be encoded (an
// unknown aggregation or temporality) are left out and named in the error;
// the rest are encoded, so the bytes are worth sending even then.
func (e *ProtoEncoder) Encode(rm *metricdata.ResourceMetrics) ([]byte, error) {
	p := &e.p
	p.b = p.b[:0]
	p.repaired = 0
	p.lastBounds, p.lastBoundsLen = nil, 0 // a slice may change between requests
	p.cache.begin()
	p.prevMetricLens, p.metricLens = p.metricLens, p.prevMetricLens[:0]
	var errs []error
	// The outer messages span the whole request: reserving the length width
	// of the last request (exports of one provider are alike in size) saves
	// moving megabytes in close.
	outer := lengthWidth(e.lastSize)
	rmAt := p.openReserving(1, outer) // ExportMetricsServiceRequest.resource_metrics
	resAt := p.open(1)                // ResourceMetrics.resource, always present
	if rm.Resource != nil {
		p.attrIter(1, rm.Resource.Iter())
	}
	p.close(resAt)
	for i := range rm.ScopeMetrics {
		sm := &rm.ScopeMetrics[i]
		smAt := p.openReserving(2, outer)
		scopeAt := p.open(1) // ScopeMetrics.scope, always present
		p.str(1, sm.Scope.Name)
		p.str(2, sm.Scope.Version)
		p.attrIter(3, sm.Scope.Attributes.Iter())
		p.close(scopeAt)
		for j := range sm.Metrics {
			m := &sm.Metrics[j]
			if err := check(m); err != nil {
				errs = append(errs, err)
				continue
			}
			p.metric(m)
		}
		p.str(3, sm.Scope.SchemaURL)
		p.close(smAt)
	}
	if rm.Resource != nil {
		p.str(3, rm.Resource.SchemaURL())
	}
	p.close(rmAt)
	e.lastSize = len(p.b)
	return p.b, errors.Join(errs...)
}

// Abandon makes the next Encode write to new memory, leaving the bytes of
// the last request to whoever still reads them.
func (e *ProtoEncoder) Abandon() { e.p.b = nil }

// Repaired is the number of strings with invalid UTF-8 the last Encode
// wrote with U+FFFD in place of the invalid bytes (an attribute set is
// counted when first encoded, not again from the cache).
func (e *ProtoEncoder) Repaired() int { return e.p.repaired }

// The Metric.data oneof, one writer per aggregation: each opens its field
// (reserving width bytes for the length), writes the points and the
// aggregation's own fields, and closes it. Generic over the number type, so
// the switch in metric has one line per concrete type.

func gaugeData[N int64 | float64](p *protoBuffer, g metricdata.Gauge[N], width int) {
	at := p.openReserving(5, width)
	numberPoints(p, g.DataPoints)
	p.close(at)
}

func sumData[N int64 | float64](p *protoBuffer, s metricdata.Sum[N], width int) {
	at := p.openReserving(7, width)
	numberPoints(p, s.DataPoints)
	p.sumHeader(s.Temporality, s.IsMonotonic)
	p.close(at)
}

func histogramData[N int64 | float64](p *protoBuffer, h metricdata.Histogram[N], width int) {
	at := p.openReserving(9, width)
	histogramPoints(p, h.DataPoints)
	p.temporality(h.Temporality)
	p.close(at)
}

func exponentialData[N int64 | float64](p *protoBuffer, e metricdata.ExponentialHistogram[N], width int) {
	at := p.openReserving(10, width)
	exponentialPoints(p, e.DataPoints)
	p.temporality(e.Temporality)
	p.close(at)
}

// metric writes one Metric (ScopeMetrics.metrics); check has accepted it.
func (p *protoBuffer) metric(m *metricdata.Metrics) {
	// The metric and its data field are framed with the width of the length
	// this metric (by position) had in the previous export, since exports of
	// one provider are alike: a large metric whose width is guessed wrong is
	// moved in close, megabytes for thousands of histogram points. A data
	// point takes at least minPointSize bytes, so the point count bounds the
	// length from below when there is no previous export.
	size := minPointSize * points.Count(m.Data)
	if k := len(p.metricLens); k < len(p.prevMetricLens) {
		size = max(size, p.prevMetricLens[k])
	}
	width := lengthWidth(size)
	at := p.openReserving(2, width)
	start := len(p.b)
	p.str(1, m.Name)
	p.str(2, m.Description)
	p.str(3, m.Unit)
	switch a := m.Data.(type) {
	case metricdata.Gauge[int64]:
		gaugeData(p, a, width)
	case metricdata.Gauge[float64]:
		gaugeData(p, a, width)
	case metricdata.Sum[int64]:
		sumData(p, a, width)
	case metricdata.Sum[float64]:
		sumData(p, a, width)
	case metricdata.Histogram[int64]:
		histogramData(p, a, width)
	case metricdata.Histogram[float64]:
		histogramData(p, a, width)
	case metricdata.ExponentialHistogram[int64]:
		exponentialData(p, a, width)
	case metricdata.ExponentialHistogram[float64]:
		exponentialData(p, a, width)
	case metricdata.Summary:
		dataAt := p.openReserving(11, width)
		p.summaryPoints(a.DataPoints)
		p.close(dataAt)
	}
	p.metricLens = append(p.metricLens, len(p.b)-start)
	p.close(at)
}

// temporality writes aggregation_temporality (field 2 of Sum, Histogram and
// ExponentialHistogram).
func (p *protoBuffer) temporality(t metricdata.Temporality) {
	v, _ := temporality(t)
	p.varint(2, v)
}

// sumHeader writes Sum's aggregation_temporality and is_monotonic.
func (p *protoBuffer) sumHeader(t metricdata.Temporality, monotonic bool) {
	p.temporality(t)
	if monotonic {
		p.varintAlways(3, 1)
	}
}

// numberPoints writes NumberDataPoints (field 1 of Gauge and Sum).
func numberPoints[N int64 | float64](p *protoBuffer, pts []metricdata.DataPoint[N]) {
	for i := range pts {
		pt := &pts[i]
		at := p.open(1)
		p.fixed64(2, unixNano(pt.StartTime))
		p.fixed64(3, unixNano(pt.Time))
		number(p, 4, 6, pt.Value) // as_double = 4, as_int = 6
		exemplars(p, 5, pt.Exemplars)
		p.attrSet(7, &pt.Attributes)
		p.close(at)
	}
}

// number writes a oneof number value: as a double in field dbl, as an
// sfixed64 in field integer.
func number[N int64 | float64](p *protoBuffer, dbl, integer int32, v N) {
	switch v := any(v).(type) {
	case int64:
		p.fixed64Always(protoNum(integer), uint64(v)) //nolint:gosec // sfixed64 bits
	case float64:
		p.doubleAlways(protoNum(dbl), v)
	}
}

// histogramPoints writes HistogramDataPoints (field 1 of Histogram).
func histogramPoints[N int64 | float64](p *protoBuffer, pts []metricdata.HistogramDataPoint[N]) {
	for i := range pts {
		pt := &pts[i]
		at := p.openReserving(1, 2) // most histogram points take 128 bytes or more
		p.fixed64(2, unixNano(pt.StartTime))
		p.fixed64(3, unixNano(pt.Time))
		p.fixed64(4, pt.Count)
		p.doubleAlways(5, float64(pt.Sum)) // optional sum: always present
		p.packedFixed64(6, pt.BucketCounts)
		p.bounds(pt.Bounds)
		exemplars(p, 8, pt.Exemplars)
		p.attrSet(9, &pt.Attributes)
		if v, ok := pt.Min.Value(); ok {
			p.doubleAlways(11, float64(v))
		}
		if v, ok := pt.Max.Value(); ok {
			p.doubleAlways(12, float64(v))
		}
		p.close(at)
	}
}

// bounds writes a histogram point's explicit_bounds (field 7). The points of
// one histogram share one bounds slice, so the bytes of the last slice
// encoded in this request are copied instead of encoded again.
func (p *protoBuffer) bounds(b []float64) {
	if len(b) == 0 {
		return
	}
	if len(b) == p.lastBoundsLen && unsafe.SliceData(b) == p.lastBounds {
		p.b = append(p.b, p.boundsBytes...)
		return
	}
	start := len(p.b)
	p.packedDouble(7, b)
	p.boundsBytes = append(p.boundsBytes[:0], p.b[start:]...)
	p.lastBounds, p.lastBoundsLen = unsafe.SliceData(b), len(b)
}

// exponentialPoints writes ExponentialHistogramDataPoints (field 1 of
// ExponentialHistogram).
func exponentialPoints[N int64 | float64](p *protoBuffer, pts []metricdata.ExponentialHistogramDataPoint[N]) {
	for i := range pts {
		pt := &pts[i]
		at := p.open(1)
		p.attrSet(1, &pt.Attributes)
		p.fixed64(2, unixNano(pt.StartTime))
		p.fixed64(3, unixNano(pt.Time))
		p.fixed64(4, pt.Count)
		p.doubleAlways(5, float64(pt.Sum))
		p.sint32(6, pt.Scale)
		p.fixed64(7, pt.ZeroCount)
		p.buckets(8, &pt.PositiveBucket)
		p.buckets(9, &pt.NegativeBucket)
		exemplars(p, 11, pt.Exemplars)
		if v, ok := pt.Min.Value(); ok {
			p.doubleAlways(12, float64(v))
		}
		if v, ok := pt.Max.Value(); ok {
			p.doubleAlways(13, float64(v))
		}
		p.double(14, pt.ZeroThreshold)
		p.close(at)
	}
}

// buckets writes one side of an exponential histogram, always present.
func (p *protoBuffer) buckets(num protoNum, b *metricdata.ExponentialBucket) {
	at := p.open(num)
	p.sint32(1, b.Offset)
	p.packedVarint(2, b.Counts)
	p.close(at)
}

// summaryPoints writes SummaryDataPoints (field 1 of Summary).
func (p *protoBuffer) summaryPoints(pts []metricdata.SummaryDataPoint) {
	for i := range pts {
		pt := &pts[i]
		at := p.open(1)
		p.fixed64(2, unixNano(pt.StartTime))
		p.fixed64(3, unixNano(pt.Time))
		p.fixed64(4, pt.Count)
		p.double(5, pt.Sum)
		for _, q := range pt.QuantileValues {
			qAt := p.open(6)
			p.double(1, q.Quantile)
			p.double(2, q.Value)
			p.close(qAt)
		}
		p.attrSet(7, &pt.Attributes)
		p.close(at)
	}
}

// exemplars writes Exemplars into field num of a data point.
func exemplars[N int64 | float64](p *protoBuffer, num protoNum, exs []metricdata.Exemplar[N]) {
	for i := range exs {
		ex := &exs[i]
		at := p.open(num)
		p.fixed64(2, unixNano(ex.Time))
		number(p, 3, 6, ex.Value) // as_double = 3, as_int = 6
		p.bytes(4, ex.SpanID)
		p.bytes(5, ex.TraceID)
		for _, kv := range ex.FilteredAttributes {
			p.keyValue(7, kv)
		}
		p.close(at)
	}
}

// attrIter writes every attribute of a set as KeyValues in field num.
func (p *protoBuffer) attrIter(num protoNum, it attribute.Iterator) {
	for it.Next() {
		p.keyValue(num, it.Attribute())
	}
}

// keyValue writes one KeyValue in field num.
func (p *protoBuffer) keyValue(num protoNum, kv attribute.KeyValue) {
	at := p.open(num)
	p.str(1, string(kv.Key))
	p.anyValue(2, kv.Value)
	p.close(at)
}

// anyValue writes an AnyValue in field num; it is always present, empty for
// attribute.EMPTY, and "INVALID" for a kind attribute does not define.
func (p *protoBuffer) anyValue(num protoNum, v attribute.Value) {
	at := p.open(num)
	switch v.Type() {
	case attribute.EMPTY:
	case attribute.STRING:
		p.strAlways(1, v.AsString())
	case attribute.BOOL:
		var b uint64
		if v.AsBool() {
			b = 1
		}
		p.varintAlways(2, b)
	case attribute.INT64:
		p.varintAlways(3, uint64(v.AsInt64())) //nolint:gosec // int64 varint bits
	case attribute.FLOAT64:
		p.doubleAlways(4, v.AsFloat64())
	case attribute.BYTESLICE:
		p.bytesAlways(7, v.AsByteSlice())
	case attribute.BOOLSLICE, attribute.INT64SLICE, attribute.FLOAT64SLICE, attribute.STRINGSLICE, attribute.SLICE:
		arr := p.open(5)
		for e := range elements(v) {
			p.anyValue(1, e)
		}
		p.close(arr)
	case attribute.MAP:
		kvl := p.open(6)
		for _, kv := range v.AsMap() {
			p.keyValue(1, kv)
		}
		p.close(kvl)
	default:
		p.strAlways(1, "INVALID")
	}
	p.close(at)
}

// minPointSize is a lower bound of an encoded data point's length: start
// and end times and a value, each a tag and 8 bytes, with its own framing.
const minPointSize = 20

// lengthWidth is the varint width of a length of n bytes, at most 5 (the
// width of any length below 32 GiB, all close supports reserving).
func lengthWidth(n int) int {
	return min(protowire.SizeVarint(uint64(max(n, 0))), 5)
}
