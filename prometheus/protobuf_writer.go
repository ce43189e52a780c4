package prometheus

import (
	"io"
	"math"

	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// protobufWriter writes translated families in the delimited protobuf
// format (io.prometheus.client.MetricFamily messages, each preceded by its
// varint length), producing the bytes expfmt's encoder produces for the
// same families (TestFastWriterMatchesExpfmt). Each series' labels come
// pre-encoded from the series cache and the common values (gauges,
// counters, classic histograms) are encoded directly; anything rarer
// (summaries, native histograms, exemplars) is encoded by the protobuf
// library, so no field can be forgotten.
type protobufWriter struct {
	responseBuffer        // delimited messages waiting to be written
	family         []byte // the MetricFamily being encoded
	metric         []byte // the Metric being encoded
	value          []byte // the Metric's Counter or Histogram being encoded
}

// Field numbers of io.prometheus.client messages (client_model's
// metrics.proto) and google.protobuf.Timestamp.
const (
	familyName, familyHelp, familyType, familyMetric, familyUnit = 1, 2, 3, 4, 5
	metricLabel, metricGauge, metricCounter, metricSummary       = 1, 2, 3, 4
	metricUntyped, metricTimestamp, metricHistogram              = 5, 6, 7
	labelName, labelValue                                        = 1, 2
	gaugeValue, untypedValue                                     = 1, 1
	counterValue, counterExemplar, counterCreated                = 1, 2, 3
	histCount, histSum, histBucket, histCreated                  = 1, 2, 3, 15
	bucketCount, bucketBound, bucketExemplar                     = 1, 2, 3
	timestampSeconds, timestampNanos                             = 1, 2
)

// appendLabelsProto appends the protobuf encoding of sorted labels as the
// repeated label field of a Metric.
func appendLabelsProto(dst []byte, pairs []labelPair) []byte {
	for _, p := range pairs {
		size := protowire.SizeTag(labelName) + protowire.SizeBytes(len(p.name)) +
			protowire.SizeTag(labelValue) + protowire.SizeBytes(len(p.value))
		dst = protowire.AppendTag(dst, metricLabel, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(size))
		dst = protowire.AppendTag(dst, labelName, protowire.BytesType)
		dst = protowire.AppendString(dst, p.name)
		dst = protowire.AppendTag(dst, labelValue, protowire.BytesType)
		dst = protowire.AppendString(dst, p.value)
	}
	return dst
}

// writeFamilies writes every family to out, returning the first write
// error.
func (w *protobufWriter) writeFamilies(out io.Writer, families []*family) error {
	w.start(out)
	for _, f := range families {
		w.family = w.appendFamily(w.family[:0], f)
		w.buf = protowire.AppendVarint(w.buf, uint64(len(w.family)))
		if len(w.family) >= textFlushSize {
			// A large family goes out as it is rather than through buf.
			w.flush()
			if w.err == nil {
				_, w.err = w.out.Write(w.family)
			}
		} else {
			w.buf = append(w.buf, w.family...)
		}
		if !w.flushIfFull() {
			break
		}
	}
	return w.finish()
}

func (w *protobufWriter) appendFamily(dst []byte, f *family) []byte {
	mf := f.mf
	if mf.Name != nil {
		dst = protowire.AppendTag(dst, familyName, protowire.BytesType)
		dst = protowire.AppendString(dst, *mf.Name)
	}
	if mf.Help != nil {
		dst = protowire.AppendTag(dst, familyHelp, protowire.BytesType)
		dst = protowire.AppendString(dst, *mf.Help)
	}
	if mf.Type != nil {
		dst = protowire.AppendTag(dst, familyType, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(*mf.Type))
	}
	for i, m := range mf.Metric {
		w.metric = w.appendMetric(w.metric[:0], m, f.labels[i].proto)
		dst = protowire.AppendTag(dst, familyMetric, protowire.BytesType)
		dst = protowire.AppendBytes(dst, w.metric)
	}
	if mf.Unit != nil {
		dst = protowire.AppendTag(dst, familyUnit, protowire.BytesType)
		dst = protowire.AppendString(dst, *mf.Unit)
	}
	return dst
}

func (w *protobufWriter) appendMetric(dst []byte, m *dto.Metric, labels []byte) []byte {
	dst = append(dst, labels...)
	if m.Gauge != nil {
		dst = protowire.AppendTag(dst, metricGauge, protowire.BytesType)
		dst = appendOptionalDoubleMessage(dst, gaugeValue, m.Gauge.Value)
	}
	if m.Counter != nil {
		w.value = appendCounter(w.value[:0], m.Counter)
		dst = protowire.AppendTag(dst, metricCounter, protowire.BytesType)
		dst = protowire.AppendBytes(dst, w.value)
	}
	if m.Summary != nil {
		dst = appendMessage(dst, metricSummary, m.Summary)
	}
	if m.Untyped != nil {
		dst = protowire.AppendTag(dst, metricUntyped, protowire.BytesType)
		dst = appendOptionalDoubleMessage(dst, untypedValue, m.Untyped.Value)
	}
	if m.TimestampMs != nil {
		dst = protowire.AppendTag(dst, metricTimestamp, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(*m.TimestampMs))
	}
	if h := m.Histogram; h != nil {
		if !isClassicHistogram(h) {
			return appendMessage(dst, metricHistogram, h)
		}
		w.value = appendClassicHistogram(w.value[:0], h)
		dst = protowire.AppendTag(dst, metricHistogram, protowire.BytesType)
		dst = protowire.AppendBytes(dst, w.value)
	}
	return dst
}

// appendOptionalDoubleMessage appends the length and body of a message
// whose only field is an optional double (Gauge, Untyped).
func appendOptionalDoubleMessage(dst []byte, field protowire.Number, v *float64) []byte {
	if v == nil {
		return protowire.AppendVarint(dst, 0)
	}
	dst = protowire.AppendVarint(dst, uint64(protowire.SizeTag(field)+8))
	dst = protowire.AppendTag(dst, field, protowire.Fixed64Type)
	return protowire.AppendFixed64(dst, math.Float64bits(*v))
}

func appendCounter(dst []byte, c *dto.Counter) []byte {
	if c.Value != nil {
		dst = protowire.AppendTag(dst, counterValue, protowire.Fixed64Type)
		dst = protowire.AppendFixed64(dst, math.Float64bits(*c.Value))
	}
	if c.Exemplar != nil {
		dst = appendMessage(dst, counterExemplar, c.Exemplar)
	}
	if c.CreatedTimestamp != nil {
		dst = appendTimestamp(dst, counterCreated, c.CreatedTimestamp)
	}
	return dst
}

// isClassicHistogram reports whether h only has the fields
// appendClassicHistogram encodes.
func isClassicHistogram(h *dto.Histogram) bool {
	return h.SampleCountFloat == nil && h.Schema == nil && h.ZeroThreshold == nil &&
		h.ZeroCount == nil && h.ZeroCountFloat == nil &&
		len(h.NegativeSpan) == 0 && len(h.NegativeDelta) == 0 && len(h.NegativeCount) == 0 &&
		len(h.PositiveSpan) == 0 && len(h.PositiveDelta) == 0 && len(h.PositiveCount) == 0 &&
		len(h.Exemplars) == 0
}

func appendClassicHistogram(dst []byte, h *dto.Histogram) []byte {
	if h.SampleCount != nil {
		dst = protowire.AppendTag(dst, histCount, protowire.VarintType)
		dst = protowire.AppendVarint(dst, *h.SampleCount)
	}
	if h.SampleSum != nil {
		dst = protowire.AppendTag(dst, histSum, protowire.Fixed64Type)
		dst = protowire.AppendFixed64(dst, math.Float64bits(*h.SampleSum))
	}
	for _, b := range h.Bucket {
		if b.CumulativeCountFloat != nil || b.Exemplar != nil {
			dst = appendMessage(dst, histBucket, b)
			continue
		}
		size := 0
		if b.CumulativeCount != nil {
			size += protowire.SizeTag(bucketCount) + protowire.SizeVarint(*b.CumulativeCount)
		}
		if b.UpperBound != nil {
			size += protowire.SizeTag(bucketBound) + 8
		}
		dst = protowire.AppendTag(dst, histBucket, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(size))
		if b.CumulativeCount != nil {
			dst = protowire.AppendTag(dst, bucketCount, protowire.VarintType)
			dst = protowire.AppendVarint(dst, *b.CumulativeCount)
		}
		if b.UpperBound != nil {
			dst = protowire.AppendTag(dst, bucketBound, protowire.Fixed64Type)
			dst = protowire.AppendFixed64(dst, math.Float64bits(*b.UpperBound))
		}
	}
	if h.CreatedTimestamp != nil {
		dst = appendTimestamp(dst, histCreated, h.CreatedTimestamp)
	}
	return dst
}

// appendTimestamp appends a google.protobuf.Timestamp field (proto3: zero
// seconds and nanos are left out).
func appendTimestamp(dst []byte, field protowire.Number, ts *timestamppb.Timestamp) []byte {
	size := 0
	if ts.Seconds != 0 {
		size += protowire.SizeTag(timestampSeconds) + protowire.SizeVarint(uint64(ts.Seconds))
	}
	if ts.Nanos != 0 {
		size += protowire.SizeTag(timestampNanos) + protowire.SizeVarint(uint64(int64(ts.Nanos)))
	}
	dst = protowire.AppendTag(dst, field, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(size))
	if ts.Seconds != 0 {
		dst = protowire.AppendTag(dst, timestampSeconds, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(ts.Seconds))
	}
	if ts.Nanos != 0 {
		dst = protowire.AppendTag(dst, timestampNanos, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(int64(ts.Nanos)))
	}
	return dst
}

// appendMessage appends m as a length-delimited field, encoded by the
// protobuf library (for the rarer values the writer does not encode itself).
func appendMessage(dst []byte, field protowire.Number, m proto.Message) []byte {
	start := len(dst)
	dst = protowire.AppendTag(dst, field, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(proto.Size(m)))
	out, err := proto.MarshalOptions{}.MarshalAppend(dst, m)
	if err != nil {
		// client_model's messages are proto2, whose strings are not
		// validated, so this does not happen; were it to, the field is
		// left out rather than sent with a length and no body.
		return dst[:start]
	}
	return out
}
