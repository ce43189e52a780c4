package autoconfig

import (
	"context"
	"testing"

	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// Temporality preference and default histogram aggregation reach the wire.
func TestTemporalityAndHistogramAggregation(t *testing.T) {
	type want struct {
		counter, upDown metricpb.AggregationTemporality
		exponential     bool
	}
	const (
		cumulative = metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
		delta      = metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA
	)
	tests := []struct {
		name string
		env  map[string]string
		opts []Option
		want want
	}{
		{"defaults", nil, nil, want{cumulative, cumulative, false}},
		{"cumulative", map[string]string{envTemporalityPref: "cumulative"}, nil, want{cumulative, cumulative, false}},
		{"delta", map[string]string{envTemporalityPref: "Delta"}, nil, want{delta, cumulative, false}},
		{"lowmemory", map[string]string{envTemporalityPref: "lowmemory"}, nil, want{delta, cumulative, false}},
		{"explicit", map[string]string{envHistogramAggregation: "explicit_bucket_histogram"}, nil, want{cumulative, cumulative, false}},
		{"exponential", map[string]string{envHistogramAggregation: "base2_exponential_bucket_histogram"}, nil,
			want{cumulative, cumulative, true}},
		{"options win", map[string]string{envTemporalityPref: "not-read", envHistogramAggregation: "not-read"},
			[]Option{WithTemporalitySelector(sdkmetric.DeltaTemporalitySelector), WithAggregationSelector(exponentialHistogramSelector)},
			want{delta, cumulative, true}}, // the delta selector keeps up-down counters cumulative
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			rcv := newReceiver()
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			mp := newProvider(t, tt.opts...)
			meter := mp.Meter("t")
			ctx := context.Background()
			c, _ := meter.Int64Counter("counter")
			c.Add(ctx, 1)
			u, _ := meter.Int64UpDownCounter("updown")
			u.Add(ctx, 1)
			h, _ := meter.Float64Histogram("histogram")
			h.Record(ctx, 3.5)
			flush(t, mp)

			got := rcv.last(t)
			if tmp := got.metric("counter").GetSum().GetAggregationTemporality(); tmp != tt.want.counter {
				t.Errorf("counter temporality %v, want %v", tmp, tt.want.counter)
			}
			if tmp := got.metric("updown").GetSum().GetAggregationTemporality(); tmp != tt.want.upDown {
				t.Errorf("updown counter temporality %v, want %v", tmp, tt.want.upDown)
			}
			hist := got.metric("histogram")
			if tt.want.exponential {
				eh := hist.GetExponentialHistogram()
				if eh == nil || eh.DataPoints[0].GetCount() != 1 || eh.DataPoints[0].GetSum() != 3.5 {
					t.Errorf("histogram %v, want one exponential point of 3.5", hist)
				}
			} else if hist.GetHistogram() == nil || hist.GetHistogram().DataPoints[0].GetCount() != 1 {
				t.Errorf("histogram %v, want one explicit-bucket point", hist)
			}
		})
	}
}

// The exemplar filter decides whether a measurement outside any span keeps
// an exemplar.
func TestExemplarFilter(t *testing.T) {
	for _, tt := range []struct {
		value   string
		opt     []Option
		wantAny bool
	}{
		{"", nil, false}, // trace_based: no span, no exemplar
		{"trace_based", nil, false},
		{"always_off", nil, false},
		{"always_on", nil, true},
		{"ALWAYS_ON", nil, true},
		{"not-read", []Option{WithExemplarFilter(alwaysOn)}, true},
	} {
		t.Run(tt.value, func(t *testing.T) {
			cleanEnv(t)
			rcv := newReceiver()
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
			t.Setenv(envExemplarFilter, tt.value)
			mp := newProvider(t, tt.opt...)
			h, _ := mp.Meter("t").Float64Histogram("latency")
			h.Record(context.Background(), 1.5)
			flush(t, mp)
			points := rcv.last(t).metric("latency").GetHistogram().GetDataPoints()
			if len(points) != 1 {
				t.Fatalf("got %d points, want 1", len(points))
			}
			if got := len(points[0].GetExemplars()) > 0; got != tt.wantAny {
				t.Errorf("exemplars present = %v, want %v", got, tt.wantAny)
			}
		})
	}
}

// OTEL_METRIC_EXPORT_INTERVAL drives exports without any flush.
func TestExportIntervalExportsPeriodically(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
	t.Setenv(envExportInterval, "50")
	mp := newProvider(t)
	c, _ := mp.Meter("t").Int64Counter("ticks")
	c.Add(context.Background(), 1)
	rcv.wait(t, 3)
	if rcv.all()[2].metric("ticks") == nil {
		t.Error("the periodic exports do not carry the counter")
	}
}
