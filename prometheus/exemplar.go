package prometheus

import (
	"encoding/hex"
	"math"
	"sort"
	"unicode/utf8"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// maxExemplarLabelRunes is the OpenMetrics limit on the combined length of
// an exemplar's label names and values. Prometheus rejects the whole scrape
// when an exemplar exceeds it, so the exporter never serves one that does.
const maxExemplarLabelRunes = 128

// exemplarToDTO converts one exemplar. Its labels are trace_id and span_id
// (when the measurement was sampled in a span) and the filtered attributes.
// When all of them do not fit in maxExemplarLabelRunes the filtered
// attributes are left out, keeping the trace link which is what exemplars
// are for.
func exemplarToDTO[N int64 | float64](ex metricdata.Exemplar[N], namer *labelNamer) *dto.Exemplar {
	labels := make([]*dto.LabelPair, 0, 2+len(ex.FilteredAttributes))
	runes := 0
	add := func(name, value string) {
		labels = append(labels, &dto.LabelPair{Name: new(name), Value: new(value)})
		runes += utf8.RuneCountInString(name) + utf8.RuneCountInString(value)
	}
	if len(ex.TraceID) > 0 {
		add(otlptranslator.ExemplarTraceIDKey, hex.EncodeToString(ex.TraceID))
	}
	if len(ex.SpanID) > 0 {
		add(otlptranslator.ExemplarSpanIDKey, hex.EncodeToString(ex.SpanID))
	}
	traceLabels, traceRunes := len(labels), runes
	for _, kv := range ex.FilteredAttributes {
		name, err := namer.name(string(kv.Key))
		if err != nil || name == otlptranslator.ExemplarTraceIDKey || name == otlptranslator.ExemplarSpanIDKey {
			continue
		}
		add(name, validLabelValue(kv.Value.Emit()))
	}
	if runes > maxExemplarLabelRunes {
		labels, runes = labels[:traceLabels], traceRunes
	}
	if runes > maxExemplarLabelRunes {
		return nil
	}
	sort.Slice(labels, func(i, j int) bool { return labels[i].GetName() < labels[j].GetName() })
	out := &dto.Exemplar{Label: labels, Value: new(float64(ex.Value))}
	if !ex.Time.IsZero() {
		out.Timestamp = timestamppb.New(ex.Time)
	}
	return out
}

// latestExemplar returns the most recent exemplar: a counter sample carries
// at most one.
func latestExemplar[N int64 | float64](exemplars []metricdata.Exemplar[N], namer *labelNamer) *dto.Exemplar {
	if len(exemplars) == 0 {
		return nil
	}
	latest := 0
	for i := range exemplars {
		if exemplars[i].Time.After(exemplars[latest].Time) {
			latest = i
		}
	}
	return exemplarToDTO(exemplars[latest], namer)
}

// attachBucketExemplars puts each exemplar on the classic bucket whose range
// holds its value (the first bucket whose upper bound is ≥ the value; the
// +Inf bucket is added when needed). A bucket carries one exemplar: the most
// recent one wins.
func attachBucketExemplars[N int64 | float64](h *dto.Histogram, exemplars []metricdata.Exemplar[N], namer *labelNamer) {
	if len(exemplars) == 0 {
		return
	}
	newest := make([]int, len(h.Bucket)+1) // exemplar index+1 per bucket, 0 = none
	for i, ex := range exemplars {
		v := float64(ex.Value)
		b := sort.Search(len(h.Bucket), func(k int) bool { return h.Bucket[k].GetUpperBound() >= v })
		if cur := newest[b]; cur == 0 || ex.Time.After(exemplars[cur-1].Time) {
			newest[b] = i + 1
		}
	}
	last := len(h.Bucket) - 1
	if newest[last+1] != 0 && last >= 0 && math.IsInf(h.Bucket[last].GetUpperBound(), 1) {
		// The bounds already end with +Inf (NaN values land here).
		newest[last], newest[last+1] = newest[last+1], 0
	}
	if newest[last+1] != 0 {
		h.Bucket = append(h.Bucket, &dto.Bucket{
			UpperBound:      new(posInf),
			CumulativeCount: new(h.GetSampleCount()),
		})
	}
	for b, idx := range newest {
		if idx != 0 && b < len(h.Bucket) {
			h.Bucket[b].Exemplar = exemplarToDTO(exemplars[idx-1], namer)
		}
	}
}
