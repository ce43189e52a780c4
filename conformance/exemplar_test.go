package conformance

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.opentelemetry.io/otel/trace"
)

// TestExemplarsDefaultFilter: with the default (trace-based) exemplar
// filter, a measurement made in a sampled span's context carries an
// exemplar with that span's IDs and the attributes a view filtered out; one
// made outside a sampled span carries none. Compared with the official SDK
// (the exemplar machinery itself is issue 3; this pins the default).
func TestExemplarsDefaultFilter(t *testing.T) {
	sampled := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1, 2, 3},
		SpanID:     trace.SpanID{4, 5, 6},
		TraceFlags: trace.FlagsSampled,
	}))
	unsampled := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{7},
		SpanID:  trace.SpanID{8},
	}))
	results := map[string]metricdata.ResourceMetrics{}
	forEachSDK(t, func(t *testing.T, s sdk) {
		h := s.manual(t, providerConfig{})
		meter := h.provider.Meter("exemplars")
		c, _ := meter.Int64Counter("c")
		hist, _ := meter.Float64Histogram("h")
		// One measurement per series and per bucket, so which one a
		// reservoir keeps is deterministic.
		c.Add(sampled, 1, metric.WithAttributes(attribute.String("span", "sampled")))
		c.Add(unsampled, 1, metric.WithAttributes(attribute.String("span", "unsampled")))
		hist.Record(sampled, 3)
		hist.Record(sampled, 30)
		hist.Record(unsampled, 300)
		rm := h.collectReader(t, 0)
		results[s.name] = rm

		var exemplars int
		for _, m := range flatten(rm) {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					exemplars += len(p.Exemplars)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					exemplars += len(p.Exemplars)
				}
			}
		}
		if exemplars != 3 {
			t.Errorf("%d exemplars, want 3 (one per sampled measurement)", exemplars)
		}
		if ref, ok := results["official"]; ok && s.name != "official" {
			metricdatatest.AssertEqual(t, ref, rm, metricdatatest.IgnoreTimestamp())
		}
	})
}
