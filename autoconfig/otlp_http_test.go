package autoconfig

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// With only an endpoint set, the default exporter (otlp over
// http/protobuf) delivers to the receiver at the spec's /v1/metrics path.
func TestHTTPProtobufExportReachesReceiver(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	srv := startHTTPReceiver(t, rcv)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv(envServiceName, "checkout")

	mp := newProvider(t)
	recordAndFlush(t, mp, "orders")

	got := rcv.last(t)
	if got.path != "/v1/metrics" {
		t.Errorf("path %q, want /v1/metrics", got.path)
	}
	if ct := got.headers["Content-Type"]; len(ct) == 0 || ct[0] != "application/x-protobuf" {
		t.Errorf("Content-Type %v, want application/x-protobuf", ct)
	}
	m := got.metric("orders")
	if m == nil {
		t.Fatalf("metric orders missing from %v", got.request)
	}
	sum := m.GetSum()
	if sum == nil || len(sum.DataPoints) != 1 || sum.DataPoints[0].GetAsInt() != 5 {
		t.Fatalf("orders = %v, want one point of 5", m)
	}
	if sum.AggregationTemporality != metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE {
		t.Errorf("default temporality %v, want cumulative", sum.AggregationTemporality)
	}
	if res := got.resource(); res["service.name"] != "checkout" {
		t.Errorf("service.name %q, want checkout", res["service.name"])
	}
}

// OTEL_EXPORTER_OTLP_ENDPOINT is a base URL; the METRICS_ form is used as
// is and wins over it.
func TestHTTPEndpointPaths(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string // "URL" stands for the receiver's base URL
		wantPath string
	}{
		{"base with path", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "URL/otlp"}, "/otlp/v1/metrics"},
		{"metrics endpoint as is", map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "URL/custom/path"}, "/custom/path"},
		{"metrics endpoint without path", map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "URL"}, "/"},
		{"metrics wins", map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":         "http://127.0.0.1:1/elsewhere",
			"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "URL/mine",
		}, "/mine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			rcv := newReceiver()
			srv := startHTTPReceiver(t, rcv)
			for k, v := range tt.env {
				t.Setenv(k, strings.Replace(v, "URL", srv.URL, 1))
			}
			recordAndFlush(t, newProvider(t), "requests")
			if got := rcv.last(t).path; got != tt.wantPath {
				t.Errorf("path %q, want %q", got, tt.wantPath)
			}
		})
	}
}

// Headers are percent-decoded, the METRICS_ list replaces the general one,
// and an exporter option replaces both.
func TestHTTPHeadersAndCompression(t *testing.T) {
	t.Run("general headers and gzip", func(t *testing.T) {
		cleanEnv(t)
		rcv := newReceiver()
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
		t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key=secret%20value, x-tenant = acme ")
		t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
		recordAndFlush(t, newProvider(t), "c")
		got := rcv.last(t)
		if v := got.headers["Api-Key"]; len(v) != 1 || v[0] != "secret value" {
			t.Errorf("Api-Key %v, want [secret value]", v)
		}
		if v := got.headers["X-Tenant"]; len(v) != 1 || v[0] != "acme" {
			t.Errorf("X-Tenant %v, want [acme]", v)
		}
		if got.compression != "gzip" {
			t.Errorf("compression %q, want gzip", got.compression)
		}
	})
	t.Run("metrics headers win, none compression", func(t *testing.T) {
		cleanEnv(t)
		rcv := newReceiver()
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
		t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-general=1")
		t.Setenv("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-metrics=2")
		t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
		t.Setenv("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "none")
		recordAndFlush(t, newProvider(t), "c")
		got := rcv.last(t)
		if _, ok := got.headers["X-General"]; ok {
			t.Error("the general headers were sent although METRICS_HEADERS is set")
		}
		if v := got.headers["X-Metrics"]; len(v) != 1 || v[0] != "2" {
			t.Errorf("X-Metrics %v, want [2]", v)
		}
		if got.compression != "" {
			t.Errorf("compression %q, want none", got.compression)
		}
	})
	t.Run("option wins over variables", func(t *testing.T) {
		cleanEnv(t)
		rcv := newReceiver()
		srv := startHTTPReceiver(t, rcv)
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
		t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-env=1")
		mp := newProvider(t, WithOTLPHTTPOptions(
			otlpmetrichttp.WithEndpointURL(srv.URL+"/v1/metrics"),
			otlpmetrichttp.WithHeaders(map[string]string{"x-option": "2"})))
		recordAndFlush(t, mp, "c")
		got := rcv.last(t)
		if _, ok := got.headers["X-Env"]; ok || len(got.headers["X-Option"]) != 1 {
			t.Errorf("headers %v: want the option's, not the environment's", got.headers)
		}
	})
}

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

// OTEL_SERVICE_NAME wins over OTEL_RESOURCE_ATTRIBUTES, which wins over
// the detectors; WithResource wins over all of them.
func TestResource(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
	t.Setenv(envServiceName, "payments")
	t.Setenv(envResourceAttributes, "service.name=ignored,deployment.environment.name=prod,team=a%2Cb,host.name=from-env")
	mp := newProvider(t, WithResource(resource.NewSchemaless(
		attribute.String("team", "core"), attribute.String("owner", "ops"))))
	recordAndFlush(t, mp, "c")

	res := rcv.last(t).resource()
	want := map[string]string{
		"service.name":                "payments",
		"deployment.environment.name": "prod",
		"team":                        "core",
		"owner":                       "ops",
		"host.name":                   "from-env",
		"telemetry.sdk.language":      "go",
		"telemetry.sdk.name":          "opentelemetry",
		"process.runtime.name":        "go",
	}
	for k, v := range want {
		if res[k] != v {
			t.Errorf("resource %s = %q, want %q", k, res[k], v)
		}
	}
	for _, k := range []string{"process.pid", "os.type", "process.executable.name"} {
		if res[k] == "" {
			t.Errorf("resource lacks %s (detectors not applied): %v", k, res)
		}
	}
	if _, ok := res["process.command_args"]; ok {
		t.Error("process.command_args is detected; it may carry secrets")
	}
}

// Without OTEL_SERVICE_NAME the specification's fallback names the
// executable.
func TestDefaultServiceName(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
	recordAndFlush(t, newProvider(t), "c")
	if got := rcv.last(t).resource()["service.name"]; !strings.HasPrefix(got, "unknown_service:") {
		t.Errorf("service.name %q, want unknown_service:<executable>", got)
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

// OTEL_METRIC_EXPORT_TIMEOUT bounds a whole collection and export: a
// collector that never answers holds neither a periodic export nor a
// ForceFlush without deadline longer. Every other timeout is ten minutes,
// so only the variable under test can end the export within the guards.
func TestExportTimeoutBoundsAHangingCollector(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	rcv.block = true
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "600000")
	t.Setenv(envExportTimeout, "200")
	t.Setenv(envExportInterval, "100")
	log := captureErrors(t)
	mp := newProvider(t)
	c, _ := mp.Meter("t").Int64Counter("c")
	c.Add(context.Background(), 1)

	// The periodic export: its request is abandoned and reported.
	select {
	case <-rcv.abandoned:
	case <-time.After(15 * time.Second):
		t.Fatal("the periodic export to a hanging collector was not abandoned")
	}
	log.waitFor(t, "deadline exceeded")

	// ForceFlush without a deadline of its own gets the export timeout.
	if err := flushWithoutDeadline(t, mp); err == nil {
		t.Error("ForceFlush succeeded against a collector that never answers")
	}
	_ = shutdownBy(t, mp, 300*time.Millisecond)
}

// OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT bounds each HTTP attempt (the
// official otlpmetrichttp exporter then retries with backoff within the
// export timeout): the hanging request is abandoned by the client.
func TestOTLPTimeoutAbandonsAHangingHTTPRequest(t *testing.T) {
	for _, variable := range []string{"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT"} {
		t.Run(variable, func(t *testing.T) {
			cleanEnv(t)
			rcv := newReceiver()
			rcv.block = true
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
			t.Setenv(envExportTimeout, "600000")
			t.Setenv(variable, "200")
			mp := newProvider(t)
			c, _ := mp.Meter("t").Int64Counter("c")
			c.Add(context.Background(), 1)

			ctx, cancel := context.WithCancel(context.Background())
			flushed := make(chan error, 1)
			go func() { flushed <- mp.ForceFlush(ctx) }()
			select {
			case <-rcv.abandoned:
			case <-time.After(15 * time.Second):
				t.Errorf("the hanging request was not abandoned: %s was not applied", variable)
			}
			cancel()
			<-flushed
			_ = shutdownBy(t, mp, 300*time.Millisecond)
		})
	}
}

// For gRPC the official exporter applies OTEL_EXPORTER_OTLP_TIMEOUT to the
// whole export, retries included.
func TestOTLPTimeoutBoundsAGRPCExport(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	rcv.block = true
	t.Setenv(envOTLPProtocol, "grpc")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+startGRPCReceiver(t, rcv, nil))
	t.Setenv(envExportTimeout, "600000")
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "200")
	mp := newProvider(t)
	c, _ := mp.Meter("t").Int64Counter("c")
	c.Add(context.Background(), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := mp.ForceFlush(ctx); err == nil || ctx.Err() != nil {
		t.Fatalf("ForceFlush = %v (guard expired: %v); want the export timeout's error", err, ctx.Err() != nil)
	}
}

// A collector refusing the data (400) or unavailable (503) is an error the
// application sees, through ForceFlush and through otel.Handle for the
// periodic exports; neither hangs.
func TestCollectorErrorStatuses(t *testing.T) {
	// 404 is what a wrong endpoint (a server that does not speak OTLP) gives.
	for _, status := range []int{http.StatusBadRequest, http.StatusNotFound, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			cleanEnv(t)
			log := captureErrors(t)
			rcv := newReceiver()
			rcv.status = status
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
			// 503 is retried until the export timeout: keep it short.
			t.Setenv(envExportTimeout, "500")
			t.Setenv(envExportInterval, "100")
			mp := newProvider(t)
			c, _ := mp.Meter("t").Int64Counter("c")
			c.Add(context.Background(), 1)
			// A permanent failure names the status. A retryable one is
			// retried until the export timeout; the official SDK then
			// reports the exporter's last error ("retry-able request
			// failure: body: ..."), fastmeter only the deadline.
			want := strconv.Itoa(status) + " " + http.StatusText(status)
			if status == http.StatusServiceUnavailable {
				want = "deadline exceeded"
			}
			log.waitFor(t, want)

			if err := flushWithoutDeadline(t, mp); err == nil {
				t.Error("ForceFlush succeeded against a refusing collector")
			}
			_ = shutdownBy(t, mp, 300*time.Millisecond)
		})
	}
}

// An unreachable endpoint does not delay NewMeterProvider (nothing
// connects there); exports fail with an error through otel.Handle, and
// Shutdown returns by its deadline.
func TestUnreachableEndpoint(t *testing.T) {
	for _, protocol := range []string{"http/protobuf", "grpc"} {
		t.Run(protocol, func(t *testing.T) {
			cleanEnv(t)
			log := captureErrors(t)
			t.Setenv(envOTLPProtocol, protocol)
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1") // nothing listens on port 1
			t.Setenv(envExportInterval, "100")
			t.Setenv(envExportTimeout, "300")
			mp, err := NewMeterProvider(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			c, _ := mp.Meter("t").Int64Counter("c")
			c.Add(context.Background(), 1)
			// HTTP fails at once (connection refused is not retried) and
			// names the address; gRPC retries UNAVAILABLE until the export
			// timeout, after which fastmeter reports only the deadline.
			want := "127.0.0.1:1"
			if protocol == "grpc" {
				want = "deadline exceeded"
			}
			log.waitFor(t, want)

			_ = shutdownBy(t, mp, time.Second)
		})
	}
}

// A WithResource whose schema URL conflicts with the detectors' keeps all
// attributes (without a schema URL) and says so through otel.Handle, like
// the official WithResource.
func TestResourceSchemaConflict(t *testing.T) {
	cleanEnv(t)
	log := captureErrors(t)
	manual := sdkmetric.NewManualReader()
	mp := newProvider(t, WithExporters("none"), WithReader(manual),
		WithResource(resource.NewWithAttributes("https://opentelemetry.io/schemas/1.0.0", attribute.String("team", "core"))))
	c, _ := mp.Meter("t").Int64Counter("c")
	c.Add(context.Background(), 1)
	var rm metricdata.ResourceMetrics
	if err := manual.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if v, ok := rm.Resource.Set().Value("team"); !ok || v.AsString() != "core" {
		t.Errorf("resource %v lacks team=core", rm.Resource)
	}
	if v, ok := rm.Resource.Set().Value("telemetry.sdk.language"); !ok || v.AsString() != "go" {
		t.Errorf("resource %v lost the detected attributes", rm.Resource)
	}
	if !strings.Contains(log.text(), "WithResource") || !strings.Contains(log.text(), "conflicting Schema URL") {
		t.Errorf("no warning about the schema conflict: %q", log.text())
	}
}
