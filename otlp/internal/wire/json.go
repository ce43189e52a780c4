package wire

import (
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// JSONEncoder encodes ResourceMetrics as an OTLP/JSON
// ExportMetricsServiceRequest (the body of OTLP/HTTP with Content-Type
// application/json). It carries exactly the fields ProtoEncoder does, so the
// two requests decode to the same message. It reuses its buffer: the bytes
// Encode returns are valid until the next Encode. Not safe for concurrent use.
type JSONEncoder struct {
	j jsonBuffer
}

// Encode returns the request for rm; metrics that cannot be encoded are left
// out and named in the error, as with ProtoEncoder.
func (e *JSONEncoder) Encode(rm *metricdata.ResourceMetrics) ([]byte, error) {
	j := &e.j
	j.b = append(j.b[:0], '{')
	j.repaired = 0
	var errs []error
	j.array("resourceMetrics")
	j.object("")
	j.object("resource")
	if rm.Resource != nil {
		j.attrIter("attributes", rm.Resource.Iter())
	}
	j.end()
	if len(rm.ScopeMetrics) > 0 {
		j.array("scopeMetrics")
		for i := range rm.ScopeMetrics {
			sm := &rm.ScopeMetrics[i]
			j.object("")
			j.object("scope")
			j.str("name", sm.Scope.Name)
			j.str("version", sm.Scope.Version)
			j.attrIter("attributes", sm.Scope.Attributes.Iter())
			j.end()
			opened := false
			for k := range sm.Metrics {
				m := &sm.Metrics[k]
				if err := check(m); err != nil {
					errs = append(errs, err)
					continue
				}
				if !opened {
					j.array("metrics")
					opened = true
				}
				j.metric(m)
			}
			if opened {
				j.endArray()
			}
			j.str("schemaUrl", sm.Scope.SchemaURL)
			j.end()
		}
		j.endArray()
	}
	if rm.Resource != nil {
		j.str("schemaUrl", rm.Resource.SchemaURL())
	}
	j.end()
	j.endArray()
	j.end()
	return j.b, errors.Join(errs...)
}

// Abandon makes the next Encode write to new memory, leaving the bytes of
// the last request to whoever still reads them.
func (e *JSONEncoder) Abandon() { e.j.b = nil }

// Repaired is the number of strings with invalid UTF-8 the last Encode
// wrote with U+FFFD in place of the invalid bytes.
func (e *JSONEncoder) Repaired() int { return e.j.repaired }

// metric writes one Metric object; check has accepted it.
func (j *jsonBuffer) metric(m *metricdata.Metrics) {
	j.object("")
	j.str("name", m.Name)
	j.str("description", m.Description)
	j.str("unit", m.Unit)
	switch a := m.Data.(type) {
	case metricdata.Gauge[int64]:
		jsonGauge(j, a)
	case metricdata.Gauge[float64]:
		jsonGauge(j, a)
	case metricdata.Sum[int64]:
		jsonSum(j, a)
	case metricdata.Sum[float64]:
		jsonSum(j, a)
	case metricdata.Histogram[int64]:
		jsonHistogram(j, a)
	case metricdata.Histogram[float64]:
		jsonHistogram(j, a)
	case metricdata.ExponentialHistogram[int64]:
		jsonExponential(j, a)
	case metricdata.ExponentialHistogram[float64]:
		jsonExponential(j, a)
	case metricdata.Summary:
		j.object("summary")
		j.summaryPoints(a.DataPoints)
	}
	j.end() // the data object
	j.end() // the metric
}

func (j *jsonBuffer) temporality(t metricdata.Temporality) {
	v, _ := temporality(t)
	j.enum("aggregationTemporality", v)
}

// The Metric.data oneof in JSON, one writer per aggregation (generic over
// the number type): each opens its member and writes the points and the
// aggregation's own fields; the caller closes it.

func jsonGauge[N int64 | float64](j *jsonBuffer, g metricdata.Gauge[N]) {
	j.object("gauge")
	jsonNumberPoints(j, g.DataPoints)
}

func jsonSum[N int64 | float64](j *jsonBuffer, s metricdata.Sum[N]) {
	j.object("sum")
	jsonNumberPoints(j, s.DataPoints)
	j.sumHeader(s.Temporality, s.IsMonotonic)
}

func jsonHistogram[N int64 | float64](j *jsonBuffer, h metricdata.Histogram[N]) {
	j.object("histogram")
	jsonHistogramPoints(j, h.DataPoints)
	j.temporality(h.Temporality)
}

func jsonExponential[N int64 | float64](j *jsonBuffer, e metricdata.ExponentialHistogram[N]) {
	j.object("exponentialHistogram")
	jsonExponentialPoints(j, e.DataPoints)
	j.temporality(e.Temporality)
}

func (j *jsonBuffer) sumHeader(t metricdata.Temporality, monotonic bool) {
	j.temporality(t)
	if monotonic {
		j.boolAlways("isMonotonic", true)
	}
}

func jsonNumberPoints[N int64 | float64](j *jsonBuffer, pts []metricdata.DataPoint[N]) {
	if len(pts) == 0 {
		return
	}
	j.array("dataPoints")
	for i := range pts {
		pt := &pts[i]
		j.object("")
		j.uint64Str("startTimeUnixNano", unixNano(pt.StartTime))
		j.uint64Str("timeUnixNano", unixNano(pt.Time))
		jsonNumber(j, pt.Value)
		jsonExemplars(j, pt.Exemplars)
		j.attrIter("attributes", pt.Attributes.Iter())
		j.end()
	}
	j.endArray()
}

// jsonNumber writes the asInt or asDouble oneof member.
func jsonNumber[N int64 | float64](j *jsonBuffer, v N) {
	switch v := any(v).(type) {
	case int64:
		j.int64Str("asInt", v)
	case float64:
		j.doubleAlways("asDouble", v)
	}
}

func jsonHistogramPoints[N int64 | float64](j *jsonBuffer, pts []metricdata.HistogramDataPoint[N]) {
	if len(pts) == 0 {
		return
	}
	j.array("dataPoints")
	for i := range pts {
		pt := &pts[i]
		j.object("")
		j.uint64Str("startTimeUnixNano", unixNano(pt.StartTime))
		j.uint64Str("timeUnixNano", unixNano(pt.Time))
		j.uint64Str("count", pt.Count)
		j.doubleAlways("sum", float64(pt.Sum))
		j.uint64Strs("bucketCounts", pt.BucketCounts)
		j.doubles("explicitBounds", pt.Bounds)
		jsonExemplars(j, pt.Exemplars)
		j.attrIter("attributes", pt.Attributes.Iter())
		if v, ok := pt.Min.Value(); ok {
			j.doubleAlways("min", float64(v))
		}
		if v, ok := pt.Max.Value(); ok {
			j.doubleAlways("max", float64(v))
		}
		j.end()
	}
	j.endArray()
}

func jsonExponentialPoints[N int64 | float64](j *jsonBuffer, pts []metricdata.ExponentialHistogramDataPoint[N]) {
	if len(pts) == 0 {
		return
	}
	j.array("dataPoints")
	for i := range pts {
		pt := &pts[i]
		j.object("")
		j.attrIter("attributes", pt.Attributes.Iter())
		j.uint64Str("startTimeUnixNano", unixNano(pt.StartTime))
		j.uint64Str("timeUnixNano", unixNano(pt.Time))
		j.uint64Str("count", pt.Count)
		j.doubleAlways("sum", float64(pt.Sum))
		j.int32("scale", pt.Scale)
		j.uint64Str("zeroCount", pt.ZeroCount)
		j.buckets("positive", &pt.PositiveBucket)
		j.buckets("negative", &pt.NegativeBucket)
		jsonExemplars(j, pt.Exemplars)
		if v, ok := pt.Min.Value(); ok {
			j.doubleAlways("min", float64(v))
		}
		if v, ok := pt.Max.Value(); ok {
			j.doubleAlways("max", float64(v))
		}
		j.double("zeroThreshold", pt.ZeroThreshold)
		j.end()
	}
	j.endArray()
}

func (j *jsonBuffer) buckets(name string, b *metricdata.ExponentialBucket) {
	j.object(name)
	j.int32("offset", b.Offset)
	j.uint64Strs("bucketCounts", b.Counts)
	j.end()
}

func (j *jsonBuffer) summaryPoints(pts []metricdata.SummaryDataPoint) {
	if len(pts) == 0 {
		return
	}
	j.array("dataPoints")
	for i := range pts {
		pt := &pts[i]
		j.object("")
		j.uint64Str("startTimeUnixNano", unixNano(pt.StartTime))
		j.uint64Str("timeUnixNano", unixNano(pt.Time))
		j.uint64Str("count", pt.Count)
		j.double("sum", pt.Sum)
		if len(pt.QuantileValues) > 0 {
			j.array("quantileValues")
			for _, q := range pt.QuantileValues {
				j.object("")
				j.double("quantile", q.Quantile)
				j.double("value", q.Value)
				j.end()
			}
			j.endArray()
		}
		j.attrIter("attributes", pt.Attributes.Iter())
		j.end()
	}
	j.endArray()
}

func jsonExemplars[N int64 | float64](j *jsonBuffer, exs []metricdata.Exemplar[N]) {
	if len(exs) == 0 {
		return
	}
	j.array("exemplars")
	for i := range exs {
		ex := &exs[i]
		j.object("")
		j.uint64Str("timeUnixNano", unixNano(ex.Time))
		jsonNumber(j, ex.Value)
		j.hexBytes("spanId", ex.SpanID)
		j.hexBytes("traceId", ex.TraceID)
		if len(ex.FilteredAttributes) > 0 {
			j.array("filteredAttributes")
			for _, kv := range ex.FilteredAttributes {
				j.keyValue(kv)
			}
			j.endArray()
		}
		j.end()
	}
	j.endArray()
}

// attrIter writes a set's attributes as a KeyValue array member, omitted
// when the set is empty.
func (j *jsonBuffer) attrIter(name string, it attribute.Iterator) {
	if it.Len() == 0 {
		return
	}
	j.array(name)
	for it.Next() {
		j.keyValue(it.Attribute())
	}
	j.endArray()
}

// keyValue writes one KeyValue array element.
func (j *jsonBuffer) keyValue(kv attribute.KeyValue) {
	j.object("")
	j.str("key", string(kv.Key))
	j.anyValue("value", kv.Value)
	j.end()
}

// anyValue writes an AnyValue member (or, with name "", array element), as
// protobuf.go's anyValue does.
func (j *jsonBuffer) anyValue(name string, v attribute.Value) {
	j.object(name)
	switch v.Type() {
	case attribute.EMPTY:
	case attribute.STRING:
		j.strAlways("stringValue", v.AsString())
	case attribute.BOOL:
		j.boolAlways("boolValue", v.AsBool())
	case attribute.INT64:
		j.int64Str("intValue", v.AsInt64())
	case attribute.FLOAT64:
		j.doubleAlways("doubleValue", v.AsFloat64())
	case attribute.BYTESLICE:
		j.base64Always("bytesValue", v.AsByteSlice())
	case attribute.BOOLSLICE, attribute.INT64SLICE, attribute.FLOAT64SLICE, attribute.STRINGSLICE, attribute.SLICE:
		j.object("arrayValue")
		opened := false
		for e := range elements(v) {
			if !opened {
				j.array("values")
				opened = true
			}
			j.anyValue("", e)
		}
		if opened {
			j.endArray()
		}
		j.end()
	case attribute.MAP:
		kvs := v.AsMap()
		j.object("kvlistValue")
		if len(kvs) > 0 {
			j.array("values")
			for _, kv := range kvs {
				j.keyValue(kv)
			}
			j.endArray()
		}
		j.end()
	default:
		j.strAlways("stringValue", "INVALID")
	}
	j.end()
}
