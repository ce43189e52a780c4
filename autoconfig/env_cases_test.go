package autoconfig

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/fastmeter/fastmeter/prometheus"
)

// Enumerated values are case-insensitive, compression included, although
// the official exporters compare it with "gzip" case-sensitively (they
// would take "GZIP" as no compression). The METRICS_ form wins either way.
func TestCompressionIsCaseInsensitive(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		gzipped bool
	}{
		{"GZIP", map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "GZIP"}, true},
		{"metrics Gzip", map[string]string{"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "Gzip"}, true},
		{"metrics NONE over GZIP", map[string]string{
			"OTEL_EXPORTER_OTLP_COMPRESSION":         "GZIP",
			"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "NONE",
		}, false},
		{"metrics GZIP over none", map[string]string{
			"OTEL_EXPORTER_OTLP_COMPRESSION":         "none",
			"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "GZIP",
		}, true},
	}
	for _, protocol := range []string{"http/protobuf", "grpc"} {
		for _, tt := range tests {
			t.Run(protocol+"/"+tt.name, func(t *testing.T) {
				cleanEnv(t)
				log := captureErrors(t)
				rcv := newReceiver()
				t.Setenv(envOTLPProtocol, protocol)
				if protocol == "grpc" {
					t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+startGRPCReceiver(t, rcv, nil))
				} else {
					t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
				}
				for k, v := range tt.env {
					t.Setenv(k, v)
				}
				recordAndFlush(t, newProvider(t), "compressed")
				want := ""
				if tt.gzipped {
					want = "gzip"
				}
				if got := rcv.last(t).compression; got != want {
					t.Errorf("compression %q, want %q", got, want)
				}
				if log.text() != "" {
					t.Errorf("unexpected reports through otel.Handle:\n%s", log.text())
				}
			})
		}
	}
}

// The error shows the value as the user typed it, not a normalised form.
func TestEnumErrorsShowTheValueAsSet(t *testing.T) {
	for name, value := range map[string]string{
		envTemporalityPref:                       "Deltas",
		envHistogramAggregation:                  "Exponential",
		envExemplarFilter:                        "Always",
		"OTEL_EXPORTER_OTLP_COMPRESSION":         "ZSTD",
		"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "Brotli",
	} {
		t.Run(name, func(t *testing.T) {
			cleanEnv(t)
			t.Setenv(name, value)
			_, err := NewMeterProvider(context.Background())
			var envErr *EnvError
			if !errors.As(err, &envErr) || envErr.Name != name {
				t.Fatalf("want an *EnvError naming %s, got %v", name, err)
			}
			if envErr.Value != value || !strings.Contains(err.Error(), `"`+value+`"`) {
				t.Errorf("error %q (Value %q) does not show the value as set, %q", err, envErr.Value, value)
			}
		})
	}
}

// trace_based, the default, keeps an exemplar for a measurement inside a
// sampled span and none outside one; always_off keeps none even inside.
// (TestExemplarFilter covers measurements outside spans, where trace_based
// and always_off look the same.)
func TestExemplarFilterInsideASampledSpan(t *testing.T) {
	sampled := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1, 2, 3},
		SpanID:     trace.SpanID{4, 5, 6},
		TraceFlags: trace.FlagsSampled,
	}))
	unsampled := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{7, 8, 9},
		SpanID:  trace.SpanID{10, 11, 12},
	}))
	for _, tt := range []struct {
		value                  string
		inSampled, inUnsampled bool
	}{
		{value: "", inSampled: true},
		{value: "trace_based", inSampled: true},
		{value: "Trace_Based", inSampled: true},
		{value: "always_off"},
		{value: "always_on", inSampled: true, inUnsampled: true},
	} {
		t.Run("filter="+tt.value, func(t *testing.T) {
			cleanEnv(t)
			rcv := newReceiver()
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
			t.Setenv(envExemplarFilter, tt.value)
			mp := newProvider(t)
			meter := mp.Meter("t")
			inside, _ := meter.Float64Histogram("inside.sampled")
			inside.Record(sampled, 2.5)
			outside, _ := meter.Float64Histogram("inside.unsampled")
			outside.Record(unsampled, 3.5)
			flush(t, mp)

			got := rcv.last(t)
			exemplars := func(name string) int {
				points := got.metric(name).GetHistogram().GetDataPoints()
				if len(points) != 1 {
					t.Fatalf("%s: got %d points, want 1", name, len(points))
				}
				return len(points[0].GetExemplars())
			}
			if n := exemplars("inside.sampled"); (n > 0) != tt.inSampled {
				t.Errorf("measurement in a sampled span: %d exemplars, want some = %v", n, tt.inSampled)
			} else if n > 0 {
				ex := got.metric("inside.sampled").GetHistogram().GetDataPoints()[0].GetExemplars()[0]
				if id := trace.TraceID(ex.GetTraceId()); id != (trace.TraceID{1, 2, 3}) || ex.GetAsDouble() != 2.5 {
					t.Errorf("exemplar %v: want value 2.5 with the sampled span's trace ID", ex)
				}
			}
			if n := exemplars("inside.unsampled"); (n > 0) != tt.inUnsampled {
				t.Errorf("measurement in an unsampled span: %d exemplars, want some = %v", n, tt.inUnsampled)
			}
		})
	}
}

// A nil exporter option is ignored instead of panicking inside the
// official exporter (which calls a method on every option), and does not
// count as configuring the exporter: the plaintext default still applies.
func TestNilExporterOptionsAreIgnored(t *testing.T) {
	t.Run("grpc", func(t *testing.T) {
		cleanEnv(t)
		rcv := newReceiver()
		t.Setenv(envOTLPProtocol, "grpc")
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+startGRPCReceiver(t, rcv, nil))
		recordAndFlush(t, newProvider(t, WithOTLPGRPCOptions(nil), WithOTLPGRPCOptions(otlpmetricgrpc.Option(nil))), "c")
		rcv.last(t)
	})
	t.Run("http/protobuf", func(t *testing.T) {
		cleanEnv(t)
		rcv := newReceiver()
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
		recordAndFlush(t, newProvider(t, WithOTLPHTTPOptions(otlpmetrichttp.Option(nil))), "c")
		rcv.last(t)
	})
	t.Run("prometheus", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv(envMetricsExporter, "prometheus")
		t.Setenv(envPrometheusHost, "127.0.0.1")
		t.Setenv(envPrometheusPort, "0")
		newProvider(t, WithPrometheusOptions(prometheus.Option(nil)))
	})
	if cfg := newConfig([]Option{WithOTLPHTTPOptions(nil, nil)}); len(cfg.httpOptions) != 0 {
		t.Errorf("nil options kept: %d", len(cfg.httpOptions))
	}
}
