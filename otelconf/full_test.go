package otelconf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	promclient "github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// TestFullFile builds testdata/full.yaml, which uses every meter_provider
// entry fastmeter honours, and checks each one where it shows: the views
// and the resource in a ManualReader added in code, the exporters' options
// at real receivers (OTLP/HTTP, OTLP/gRPC), the console output, the
// Prometheus endpoint with its bridged producer, and the exemplar filter
// with a span of the official tracer provider the same file configured.
func TestFullFile(t *testing.T) {
	httpRec, httpURL := startHTTPReceiver(t)
	grpcRec, grpcAddr := startGRPCReceiver(t)
	promPort := freePort(t)
	t.Setenv("OTLP_HTTP_URL", httpURL)
	t.Setenv("OTLP_GRPC_ADDR", grpcAddr)
	t.Setenv("PROM_PORT", strconv.Itoa(promPort))

	bridged := promclient.NewCounter(promclient.CounterOpts{Name: "otelconf_test_bridged_total", Help: "A client_golang counter the bridge reads."})
	promclient.MustRegister(bridged)
	t.Cleanup(func() { promclient.Unregister(bridged) })
	bridged.Add(4)

	manual := sdkmetric.NewManualReader()
	var console bytes.Buffer
	sdk, err := newSDKFromFile(t, "testdata/full.yaml",
		WithMeterProviderOptions(sdkmetric.WithReader(manual)),
		WithConsoleWriter(&console))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var mp metric.MeterProvider = sdk.MeterProvider()
	meter := mp.Meter("full-meter", metric.WithInstrumentationVersion("1.2"))

	renamed, _ := meter.Int64Counter("full.renamed")
	for i := range 5 {
		renamed.Add(ctx, 1, metric.WithAttributes(attribute.Int("i", i)))
	}
	dropped, _ := meter.Int64Counter("full.dropped.one")
	dropped.Add(ctx, 1)
	explicit, _ := meter.Float64Histogram("full.explicit", metric.WithUnit("ms"))
	explicit.Record(ctx, 5)
	explicit.Record(ctx, 50)
	exponential, _ := meter.Float64Histogram("full.exponential")
	// Inside a sampled span of the file's tracer provider: exemplar_filter
	// always_off must still keep exemplars away.
	spanCtx, span := sdk.TracerProvider().Tracer("full").Start(ctx, "op")
	if !trace.SpanFromContext(spanCtx).SpanContext().IsSampled() {
		t.Fatal("the file's always_on sampler did not sample")
	}
	exponential.Record(spanCtx, 3)
	exponential.Record(spanCtx, 300)
	span.End()
	updown, _ := meter.Int64UpDownCounter("full.updown")
	updown.Add(ctx, 2, metric.WithAttributes(attribute.String("keep", "k"), attribute.String("also", "a"), attribute.String("other", "o")))
	gauge, _ := meter.Float64Gauge("full.gauge_as_sum")
	gauge.Record(ctx, 7)
	limited, _ := meter.Int64Counter("full.limited")
	for i := range 4 {
		limited.Add(ctx, 1, metric.WithAttributes(attribute.Int("i", i)))
	}

	var rm metricdata.ResourceMetrics
	if err := manual.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	checkResource(t, rm)
	got := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			got[m.Name] = m
		}
	}
	if _, ok := got["full.renamed"]; ok {
		t.Error("full.renamed kept its name: the view renames it full.new_name")
	}
	if m, ok := got["full.new_name"]; !ok || m.Description != "renamed by a view" {
		t.Errorf("full.new_name = %+v, want the view's name and description", m)
	}
	if _, ok := got["full.dropped.one"]; ok {
		t.Error("full.dropped.one exported: the wildcard view drops it")
	}
	if h, ok := got["full.explicit"].Data.(metricdata.Histogram[float64]); !ok {
		t.Errorf("full.explicit = %T, want an explicit histogram", got["full.explicit"].Data)
	} else {
		dp := h.DataPoints[0]
		if fmt.Sprint(dp.Bounds) != "[1 10 100]" || fmt.Sprint(dp.BucketCounts) != "[0 1 1 0]" {
			t.Errorf("full.explicit bounds %v counts %v, want [1 10 100] and [0 1 1 0]", dp.Bounds, dp.BucketCounts)
		}
		if _, ok := dp.Min.Value(); ok {
			t.Error("full.explicit has a min: record_min_max is false")
		}
	}
	if h, ok := got["full.exponential"].Data.(metricdata.ExponentialHistogram[float64]); !ok {
		t.Errorf("full.exponential = %T, want an exponential histogram", got["full.exponential"].Data)
	} else {
		dp := h.DataPoints[0]
		if dp.Scale > 5 || dp.Count != 2 {
			t.Errorf("full.exponential scale %d count %d, want ≤ 5 (max_scale) and 2", dp.Scale, dp.Count)
		}
		if v, ok := dp.Min.Value(); !ok || v != 3 {
			t.Errorf("full.exponential min = %v, %v: record_min_max defaults to true", v, ok)
		}
		if len(dp.Exemplars) != 0 {
			t.Errorf("full.exponential has %d exemplars: exemplar_filter is always_off", len(dp.Exemplars))
		}
	}
	if s, ok := got["full.updown"].Data.(metricdata.Sum[int64]); !ok {
		t.Errorf("full.updown = %T", got["full.updown"].Data)
	} else if set := s.DataPoints[0].Attributes; set.Len() != 1 || !set.HasValue("keep") {
		t.Errorf("full.updown attributes %v, want only keep (also and other are excluded)", set.ToSlice())
	}
	if _, ok := got["full.gauge_as_sum"].Data.(metricdata.Gauge[float64]); !ok {
		t.Errorf("full.gauge_as_sum = %T, want a gauge (instrument_type gauge, last_value)", got["full.gauge_as_sum"].Data)
	}
	if s, ok := got["full.limited"].Data.(metricdata.Sum[int64]); !ok || len(s.DataPoints) != 2 {
		t.Errorf("full.limited = %+v, want 2 series (aggregation_cardinality_limit 2: one plus the overflow)", got["full.limited"].Data)
	}

	// The Prometheus endpoint: the provider's data, the resource label the
	// file asks for, and the bridged client_golang counter.
	scrape := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", promPort))
	for _, want := range []string{`full_new_name_total{`, `service_name="otelconf-full"`, `otelconf_test_bridged_total{service_name="otelconf-full"} 4`} {
		if !strings.Contains(scrape, want) {
			t.Errorf("scrape lacks %q:\n%s", want, scrape)
		}
	}
	if strings.Contains(scrape, "otel_scope_name") {
		t.Error("scrape has scope labels: without_scope_info is true")
	}

	if err := sdk.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", promPort)); err == nil {
		t.Error("the Prometheus endpoint still answers after Shutdown")
	}

	// OTLP/HTTP: headers (headers win over headers_list), gzip, path,
	// delta temporality, exponential default histograms, and the reader's
	// cardinality limit for counters (3: two series plus the overflow).
	reqs := httpRec.received()
	if len(reqs) != 1 {
		t.Fatalf("OTLP/HTTP receiver got %d exports, want the one at Shutdown", len(reqs))
	}
	h := reqs[0].headers
	if h.Get("x-case") != "full" || h.Get("x-list") != "1" || h.Get("Content-Encoding") != "gzip" || reqs[0].path != "/v1/metrics" {
		t.Errorf("OTLP/HTTP request path %s headers %v", reqs[0].path, h)
	}
	byName := pbMetrics(reqs[0].body)
	if s := byName["full.new_name"].GetSum(); s == nil || s.AggregationTemporality != metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA || len(s.DataPoints) != 3 {
		t.Errorf("OTLP/HTTP full.new_name = %v, want a delta sum of 3 series", byName["full.new_name"])
	}
	if byName["full.explicit"].GetHistogram() == nil {
		t.Error("OTLP/HTTP full.explicit is not explicit: the view wins over default_histogram_aggregation")
	}
	if byName["full.exponential"].GetExponentialHistogram() == nil {
		t.Error("OTLP/HTTP full.exponential is not exponential")
	}
	if s := byName["full.updown"].GetSum(); s == nil || s.AggregationTemporality != metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE {
		t.Errorf("OTLP/HTTP full.updown = %v, want cumulative (delta preference keeps up-down counters cumulative)", byName["full.updown"])
	}

	// OTLP/gRPC, plaintext (tls.insecure), low_memory.
	greqs := grpcRec.received()
	if len(greqs) != 1 {
		t.Fatalf("OTLP/gRPC receiver got %d exports, want 1", len(greqs))
	}
	if s := pbMetrics(greqs[0].body)["full.new_name"].GetSum(); s == nil || s.AggregationTemporality != metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA || len(s.DataPoints) != 5 {
		t.Errorf("OTLP/gRPC full.new_name = %v, want delta (low_memory) and 5 series (that reader has no cardinality_limits)", s)
	}

	if !strings.Contains(console.String(), `"Name": "full.new_name"`) {
		t.Errorf("console output lacks full.new_name:\n%.2000s", console.String())
	}
}

// checkResource checks the resource section of full.yaml.
func checkResource(t *testing.T, rm metricdata.ResourceMetrics) {
	t.Helper()
	want := map[string]string{
		"service.name":                "otelconf-full",
		"service.version":             "1.0",
		"deployment.environment.name": "test",
		"replicas":                    "3",
		"ratio":                       "1",
		"canary":                      "true",
		"zones":                       `["a","b"]`,
		"telemetry.sdk.name":          "opentelemetry",
	}
	for key, v := range want {
		got, ok := rm.Resource.Set().Value(attribute.Key(key))
		if !ok || got.Emit() != v {
			t.Errorf("resource %s = %q (%v), want %q", key, got.Emit(), ok, v)
		}
	}
	if rm.Resource.SchemaURL() != "https://opentelemetry.io/schemas/1.26.0" {
		t.Errorf("resource schema URL %q", rm.Resource.SchemaURL())
	}
}

func pbMetrics(req interface {
	GetResourceMetrics() []*metricpb.ResourceMetrics
}) map[string]*metricpb.Metric {
	out := map[string]*metricpb.Metric{}
	for _, rm := range req.GetResourceMetrics() {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				out[m.GetName()] = m
			}
		}
	}
	return out
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}
