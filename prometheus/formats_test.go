package prometheus

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/trace"

	sdkmetric "github.com/fastmeter/fastmeter"
)

const (
	acceptText         = "text/plain;version=0.0.4"
	acceptOpenMetrics  = "application/openmetrics-text;version=1.0.0"
	acceptProtobuf     = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
	acceptPrometheus   = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
	contentText        = "text/plain; version=0.0.4"
	contentOpenMetrics = "application/openmetrics-text; version=1.0.0"
	contentProtobuf    = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
)

// TestFormats scrapes the same data in every negotiated format, parses it
// back with expfmt and checks every value.
func TestFormats(t *testing.T) {
	exp := newKindsExporter(t)
	tests := []struct {
		desc, accept, encoding string
		wantType, wantEncoding string
		native                 bool
	}{
		{"no Accept header", "", "", contentText, "", false},
		{"text 0.0.4", acceptText, "", contentText, "", false},
		{"OpenMetrics 1.0", acceptOpenMetrics, "", contentOpenMetrics, "", false},
		{"Prometheus 2.42 Accept", acceptPrometheus, "", contentOpenMetrics, "", false},
		{"protobuf", acceptProtobuf, "", contentProtobuf, "", true},
		{"text gzip", acceptText, "gzip", contentText, "gzip", false},
		{"protobuf gzip", acceptProtobuf, "gzip", contentProtobuf, "gzip", true},
		{"OpenMetrics gzip", acceptOpenMetrics, "gzip", contentOpenMetrics, "gzip", false},
		{"bogus Accept", "garbage;;;/,q=x", "", contentText, "", false},
		{"unsupported type", "application/json", "", contentText, "", false},
		{"bogus Accept-Encoding", acceptText, "br;q=foo, ??", contentText, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			res := scrapeHTTP(t, exp, tt.accept, tt.encoding)
			if res.status != 200 {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			if !strings.HasPrefix(res.contentType, tt.wantType) {
				t.Errorf("Content-Type = %q, want %q", res.contentType, tt.wantType)
			}
			if res.encoding != tt.wantEncoding {
				t.Errorf("Content-Encoding = %q, want %q", res.encoding, tt.wantEncoding)
			}
			checkAllKinds(t, parse(t, res), tt.native)
		})
	}
}

// TestOpenMetricsExemplars checks that exemplars (with their trace link)
// appear on counters and histogram buckets in OpenMetrics, and only there.
func TestOpenMetricsExemplars(t *testing.T) {
	exp, err := New(WithoutRegistration())
	must(t, err)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithExemplarFilter(exemplar.AlwaysOnFilter))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })

	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c},
		SpanID:     trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31},
		TraceFlags: trace.FlagsSampled,
	})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	m := mp.Meter("ex")
	c, err := m.Int64Counter("orders")
	must(t, err)
	c.Add(ctx, 4)
	h, err := m.Float64Histogram("wait", metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(1, 2))
	must(t, err)
	h.Record(ctx, 1.5, metric.WithAttributes(attribute.String("q", "a")))
	h.Record(ctx, 7) // lands in +Inf
	g, err := m.Int64Gauge("level")
	must(t, err)
	g.Record(ctx, 3)

	res := scrapeHTTP(t, exp, acceptOpenMetrics, "")
	parse(t, res)
	ex := openMetricsExemplars(res.body)
	const traceLabels = `trace_id="0af7651916cd43dd8448eb211c80319c"`
	for sample, want := range map[string]string{
		`orders_total{otel_scope_name="ex"}`:                       `4`,
		`wait_seconds_bucket{otel_scope_name="ex",q="a",le="2.0"}`: `1.5`,
		`wait_seconds_bucket{otel_scope_name="ex",le="+Inf"}`:      `7`,
	} {
		got, ok := ex[sample]
		if !ok {
			t.Errorf("no exemplar on %s; output:\n%s", sample, res.body)
			continue
		}
		if !strings.Contains(got, traceLabels) || !strings.Contains(got, `span_id="b7ad6b7169203331"`) || !strings.Contains(got, "} "+want) {
			t.Errorf("exemplar on %s = %q, want trace link and value %s", sample, got, want)
		}
	}
	for sample := range ex {
		if strings.HasPrefix(sample, "level") {
			t.Errorf("gauge %s carries an exemplar", sample)
		}
	}
	// The text format has no exemplars.
	if text := scrapeHTTP(t, exp, acceptText, ""); strings.Contains(string(text.body), "trace_id") {
		t.Errorf("exemplar in text 0.0.4 output:\n%s", text.body)
	}
}

// TestExemplarLabelLimit: an exemplar whose filtered attributes would exceed
// the OpenMetrics 128-rune limit keeps its trace link and drops them.
func TestExemplarLabelLimit(t *testing.T) {
	exp, err := New(WithoutRegistration())
	must(t, err)
	view := sdkmetric.NewView(sdkmetric.Instrument{Name: "big"}, sdkmetric.Stream{AttributeFilter: attribute.NewDenyKeysFilter("payload")})
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithView(view), sdkmetric.WithExemplarFilter(exemplar.AlwaysOnFilter))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled})
	c, err := mp.Meter("ex").Int64Counter("big")
	must(t, err)
	c.Add(trace.ContextWithSpanContext(context.Background(), sc), 1, metric.WithAttributes(attribute.String("payload", strings.Repeat("x", 200))))

	res := scrapeHTTP(t, exp, acceptOpenMetrics, "")
	parse(t, res) // checks the limit
	got := openMetricsExemplars(res.body)[`big_total{otel_scope_name="ex"}`]
	if !strings.Contains(got, "trace_id=") || strings.Contains(got, "payload") {
		t.Errorf("exemplar = %q, want trace link without the oversized attribute", got)
	}
}
