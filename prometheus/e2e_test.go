package prometheus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/realcomponent"
)

// prometheusBinary finds Debian's Prometheus server: $PROMETHEUS_BIN, then
// $PATH, then /usr/bin/prometheus. When none is there it installs Debian's
// package with scripts/install-prometheus.sh (apt-get install -y
// --no-install-recommends prometheus, 2.42 on bookworm), if it can: as root
// or with password-less sudo. Without a server the end-to-end tests skip,
// unless $CI is set, where a missing server is a failure.
func prometheusBinary(t *testing.T) string {
	t.Helper()
	bin, how := findPrometheus()
	if bin == "" {
		installOnce.Do(func() { installLog, installErr = installPrometheus() })
		if installErr != nil {
			how = fmt.Sprintf("installing it failed: %v\n%s", installErr, installLog)
		}
		bin, _ = findPrometheus()
	}
	if bin == "" {
		realcomponent.Missing(t, fmt.Sprintf("prometheus server not found (%s): run scripts/install-prometheus.sh or set PROMETHEUS_BIN", how))
	}
	// Logged, not enforced: PROMETHEUS_BIN may point to another release.
	version, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", bin, err, version)
	}
	t.Logf("using %s: %s", bin, strings.SplitN(string(version), "\n", 2)[0])
	return bin
}

var (
	installOnce sync.Once
	installLog  []byte
	installErr  error
)

// findPrometheus returns the server binary, or "" and why there is none.
func findPrometheus() (bin, why string) {
	if bin := os.Getenv("PROMETHEUS_BIN"); bin != "" {
		return bin, ""
	}
	if bin, err := exec.LookPath("prometheus"); err == nil {
		return bin, ""
	}
	if _, err := os.Stat("/usr/bin/prometheus"); err == nil {
		return "/usr/bin/prometheus", ""
	}
	return "", "not on $PATH nor in /usr/bin"
}

// installPrometheus runs the repository's installer when this process may
// install packages without a password prompt.
func installPrometheus() ([]byte, error) {
	if os.Geteuid() != 0 {
		if err := exec.Command("sudo", "-n", "true").Run(); err != nil {
			return nil, fmt.Errorf("not root and no password-less sudo: %w", err)
		}
	}
	script, err := filepath.Abs(filepath.Join("..", "scripts", "install-prometheus.sh"))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	return exec.CommandContext(ctx, "sh", script).CombinedOutput()
}

// freeAddr returns a 127.0.0.1 address nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := l.Addr().String()
	must(t, l.Close())
	return addr
}

// promServer is one running Prometheus instance.
type promServer struct {
	url     string
	log     *syncBuffer
	targets int
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startPrometheus runs bin with a temporary config and data directory,
// scraping each target every second (one job per target, job "fastmeter"
// for the first, "fastmeter1", … for the others), and stops it when the test
// ends.
func startPrometheus(t *testing.T, bin string, targets []string, features ...string) *promServer {
	t.Helper()
	dir := t.TempDir()
	config := `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
`
	for i, target := range targets {
		job := "fastmeter"
		if i > 0 {
			job += strconv.Itoa(i)
		}
		config += fmt.Sprintf("  - job_name: %s\n    static_configs:\n      - targets: [%q]\n", job, target)
	}
	must(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o600))
	addr := freeAddr(t)
	args := []string{
		"--config.file=" + filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
		"--log.level=warn",
	}
	if len(features) > 0 {
		args = append(args, "--enable-feature="+strings.Join(features, ","))
	}
	cmd := exec.Command(bin, args...)
	dieWithTest(cmd)
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	must(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("prometheus log:\n%s", log.String())
		}
	})
	return &promServer{url: "http://" + addr, log: log, targets: len(targets)}
}

// get fetches a Prometheus API path and decodes its data field.
func (p *promServer) get(path string, params url.Values, data any) error {
	resp, err := http.Get(p.url + path + "?" + params.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("%s: status %d: %w", path, resp.StatusCode, err)
	}
	if body.Status != "success" {
		return fmt.Errorf("%s: %s", path, body.Error)
	}
	return json.Unmarshal(body.Data, data)
}

// waitTargetUp waits until Prometheus has scraped every target
// successfully: a scrape whose body Prometheus' own parser rejects leaves
// its target down.
func (p *promServer) waitTargetUp(t *testing.T) {
	t.Helper()
	var last string
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var data struct {
			ActiveTargets []struct {
				ScrapeURL string `json:"scrapeUrl"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"activeTargets"`
		}
		err := p.get("/api/v1/targets", nil, &data)
		switch {
		case err != nil:
			last = err.Error()
		case len(data.ActiveTargets) != p.targets:
			last = fmt.Sprintf("%d active targets, want %d", len(data.ActiveTargets), p.targets)
		default:
			up := 0
			for _, target := range data.ActiveTargets {
				if target.Health == "up" {
					up++
				} else {
					last = target.ScrapeURL + " " + target.Health + ": " + target.LastError
				}
			}
			if up == p.targets {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("targets never came up: %s", last)
}

// query runs an instant PromQL query and returns the single value.
func (p *promServer) query(q string) (float64, error) {
	series, err := p.querySeries(q)
	if err != nil {
		return 0, err
	}
	if len(series) != 1 {
		return 0, fmt.Errorf("%s: %d results", q, len(series))
	}
	return series[0].value, nil
}

// promSeries is one result of an instant query.
type promSeries struct {
	labels map[string]string
	value  float64
}

// querySeries runs an instant PromQL query and returns every series.
func (p *promServer) querySeries(q string) ([]promSeries, error) {
	var data struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	}
	if err := p.get("/api/v1/query", url.Values{"query": {q}}, &data); err != nil {
		return nil, err
	}
	out := make([]promSeries, len(data.Result))
	for i, r := range data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: value %v: %w", q, r.Value[1], err)
		}
		out[i] = promSeries{labels: r.Metric, value: v}
	}
	return out, nil
}

// eventually polls q until it returns want (within tolerance), as each
// scrape lands within a second or so.
func (p *promServer) eventually(t *testing.T, q string, want, tolerance float64) {
	t.Helper()
	var got float64
	var err error
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		got, err = p.query(q)
		if err == nil && math.Abs(got-want) <= tolerance {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Errorf("%s = %v (err %v), want %v", q, got, err, want)
}

// serveExporter serves exp on a 127.0.0.1 port until the test ends.
func serveExporter(t *testing.T, exp *Exporter) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	mux := http.NewServeMux()
	mux.Handle("/metrics", exp)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
}

// TestRealPrometheus is the end-to-end round trip: a real Prometheus 2.42
// scrapes an instrumented server every second (OpenMetrics, its preferred
// format) and PromQL sees exactly what was recorded, including
// histogram_quantile over the classic buckets and exemplars.
func TestRealPrometheus(t *testing.T) {
	bin := prometheusBinary(t)
	ctx := context.Background()
	exp, err := New(WithoutRegistration())
	must(t, err)
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(exp),
		sdkmetric.WithResource(resource.NewSchemaless(attribute.String("service.name", "e2e-shop"))),
		sdkmetric.WithExemplarFilter(exemplar.AlwaysOnFilter),
	)
	t.Cleanup(func() { _ = mp.Shutdown(ctx) })
	m := mp.Meter("e2e")
	requests, err := m.Int64Counter("http.server.requests", metric.WithDescription("Requests served."))
	must(t, err)
	inflight, err := m.Int64UpDownCounter("http.server.active_requests")
	must(t, err)
	temp, err := m.Float64Gauge("room.temperature", metric.WithUnit("Cel"))
	must(t, err)
	latency, err := m.Float64Histogram("http.server.duration", metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.1, 0.25, 0.5, 1))
	must(t, err)

	sampled := trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{0xe2, 0xe0}, SpanID: trace.SpanID{0x5b}, TraceFlags: trace.FlagsSampled,
	}))
	get := metric.WithAttributes(attribute.String("http.method", "GET"))
	post := metric.WithAttributes(attribute.String("http.method", "POST"))
	requests.Add(sampled, 40, get)
	requests.Add(ctx, 2, post)
	inflight.Add(ctx, 5)
	inflight.Add(ctx, -2)
	temp.Record(ctx, 21.5)
	for range 10 {
		latency.Record(ctx, 0.05)
	}
	for range 20 {
		latency.Record(ctx, 0.2)
	}
	for range 10 {
		latency.Record(ctx, 0.4)
	}

	prom := startPrometheus(t, bin, []string{serveExporter(t, exp)}, "exemplar-storage")
	prom.waitTargetUp(t)

	prom.eventually(t, `http_server_requests_total{http_method="GET",otel_scope_name="e2e"}`, 40, 0)
	prom.eventually(t, `sum(http_server_requests_total)`, 42, 0)
	prom.eventually(t, `http_server_active_requests`, 3, 0)
	prom.eventually(t, `room_temperature_celsius`, 21.5, 0)
	prom.eventually(t, `http_server_duration_seconds_count`, 40, 0)
	prom.eventually(t, `http_server_duration_seconds_sum`, 10*0.05+20*0.2+10*0.4, 1e-9)
	prom.eventually(t, `http_server_duration_seconds_bucket{le="0.25"}`, 30, 0)
	// Cumulative counts 10 (≤0.1), 30 (≤0.25), 40 (≤0.5): the median is
	// rank 20, halfway through (0.1, 0.25]; p90 is rank 36, 60% through
	// (0.25, 0.5].
	prom.eventually(t, `histogram_quantile(0.5, http_server_duration_seconds_bucket)`, 0.175, 1e-9)
	prom.eventually(t, `histogram_quantile(0.9, http_server_duration_seconds_bucket)`, 0.4, 1e-9)
	prom.eventually(t, `target_info{service_name="e2e-shop"}`, 1, 0)

	// Later measurements show up in later scrapes.
	requests.Add(ctx, 8, get)
	inflight.Add(ctx, -3)
	prom.eventually(t, `http_server_requests_total{http_method="GET"}`, 48, 0)
	prom.eventually(t, `http_server_active_requests`, 0, 0)

	// The exemplar made it through OpenMetrics into Prometheus.
	var exemplars []struct {
		Exemplars []struct {
			Labels map[string]string `json:"labels"`
			Value  string            `json:"value"`
		} `json:"exemplars"`
	}
	now := time.Now()
	params := url.Values{"query": {`http_server_requests_total{http_method="GET"}`},
		"start": {strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)}, "end": {strconv.FormatInt(now.Add(time.Minute).Unix(), 10)}}
	must(t, prom.get("/api/v1/query_exemplars", params, &exemplars))
	found := false
	for _, series := range exemplars {
		for _, ex := range series.Exemplars {
			if ex.Labels["trace_id"] == "e2e00000000000000000000000000000" && ex.Labels["span_id"] == "5b00000000000000" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("exemplar with the recorded trace link not found: %+v", exemplars)
	}
}

// TestRealPrometheusNativeHistograms: with native histograms enabled,
// Prometheus 2.42 scrapes protobuf and ingests exponential histograms (one
// handed over by a Producer with exact known buckets, one aggregated by the
// SDK) as native ones; histogram_count, histogram_sum and
// histogram_quantile work on them.
func TestRealPrometheusNativeHistograms(t *testing.T) {
	bin := prometheusBinary(t)
	ctx := context.Background()
	// Scale 0 (base 2): 4 values in (1, 2], 4 in (2, 4].
	produced := producer{sms: []metricdata.ScopeMetrics{{
		Scope: instrumentation.Scope{Name: "native"},
		Metrics: []metricdata.Metrics{{Name: "job.duration", Unit: "s", Data: metricdata.ExponentialHistogram[float64]{
			Temporality: metricdata.CumulativeTemporality,
			DataPoints: []metricdata.ExponentialHistogramDataPoint[float64]{{
				StartTime: time.Now(), Time: time.Now(), Count: 8, Sum: 20, Scale: 0,
				PositiveBucket: metricdata.ExponentialBucket{Offset: 0, Counts: []uint64{4, 4}},
			}},
		}}},
	}}}
	exp, err := New(WithoutRegistration(), WithProducer(produced))
	must(t, err)
	view := sdkmetric.NewView(sdkmetric.Instrument{Name: "payload.size"},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}})
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithView(view))
	t.Cleanup(func() { _ = mp.Shutdown(ctx) })
	c, err := mp.Meter("native").Int64Counter("jobs")
	must(t, err)
	c.Add(ctx, 7)
	// An exponential histogram aggregated by the SDK itself: 1..100.
	h, err := mp.Meter("native").Float64Histogram("payload.size", metric.WithUnit("By"))
	must(t, err)
	for v := 1; v <= 100; v++ {
		h.Record(ctx, float64(v))
	}

	prom := startPrometheus(t, bin, []string{serveExporter(t, exp)}, "native-histograms")
	prom.waitTargetUp(t)
	prom.eventually(t, `jobs_total`, 7, 0)
	prom.eventually(t, `histogram_count(job_duration_seconds)`, 8, 0)
	prom.eventually(t, `histogram_sum(job_duration_seconds)`, 20, 0)
	// Rank 6 of 8 is halfway through (2, 4].
	prom.eventually(t, `histogram_quantile(0.75, job_duration_seconds)`, 3, 1e-9)

	prom.eventually(t, `histogram_count(payload_size_bytes)`, 100, 0)
	prom.eventually(t, `histogram_sum(payload_size_bytes)`, 5050, 1e-9)
	// 160 buckets over 1..100 give scale 4 (16 buckets per doubling, about
	// 4.4% wide): the median is within one bucket of 50.
	prom.eventually(t, `histogram_quantile(0.5, payload_size_bytes)`, 50, 50*0.05)
}

// eventuallySeries polls q until check accepts its result.
func (p *promServer) eventuallySeries(t *testing.T, q string, check func([]promSeries) error) {
	t.Helper()
	var err error
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var series []promSeries
		if series, err = p.querySeries(q); err == nil {
			if err = check(series); err == nil {
				return
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Errorf("%s: %v", q, err)
}

// oneSeries is a check that q has exactly one series, with the given
// labels, whose value passes valueOK.
func oneSeries(labels map[string]string, valueOK func(float64) bool) func([]promSeries) error {
	return func(series []promSeries) error {
		if len(series) != 1 {
			return fmt.Errorf("%d series, want 1: %v", len(series), series)
		}
		for k, v := range labels {
			if got := series[0].labels[k]; got != v {
				return fmt.Errorf("label %s = %q, want %q (all: %v)", k, got, v, series[0].labels)
			}
		}
		if !valueOK(series[0].value) {
			return fmt.Errorf("value %v", series[0].value)
		}
		return nil
	}
}

// TestRealPrometheusBadInput: hostile label values, names and values (the
// data of TestBadInputAlwaysParsable) are scraped by a real Prometheus, whose
// own parsers (OpenMetrics, and protobuf with native histograms on) accept
// the whole scrape and store exactly what was recorded. One target uses the
// default translation, the other NoTranslation, which promhttp escapes for
// Prometheus 2.42 (it does not ask for UTF-8 names).
func TestRealPrometheusBadInput(t *testing.T) {
	bin := prometheusBinary(t)
	errorCatcher(t) // the hostile data is reported; TestBadInputAlwaysParsable checks how
	for _, format := range []struct{ name, feature string }{
		{"OpenMetrics", ""},
		{"protobuf", "native-histograms"},
	} {
		t.Run(format.name, func(t *testing.T) {
			var targets []string
			for _, strategy := range []otlptranslator.TranslationStrategyOption{
				otlptranslator.UnderscoreEscapingWithSuffixes,
				otlptranslator.NoTranslation,
			} {
				exp, mp := newTestExporter(t, WithProducer(producer{hostileData()}), WithTranslationStrategy(strategy))
				c, err := mp.Meter("real").Int64Counter("real.requests")
				must(t, err)
				c.Add(context.Background(), 9, metric.WithAttributes(attribute.String("path", "/a\"b\n\xff")))
				targets = append(targets, serveExporter(t, exp))
			}
			var features []string
			if format.feature != "" {
				features = append(features, format.feature)
			}
			prom := startPrometheus(t, bin, targets, features...)
			prom.waitTargetUp(t)

			is := func(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
			for i, target := range targets {
				// {__name__=…} rather than name{…}: "nan" and "inf" are
				// PromQL literals.
				q := func(name string) string { return fmt.Sprintf(`{__name__=%q,instance=%q}`, name, target) }
				real, nanCounter := "real_requests_total", "nan_counter_total"
				if i == 1 {
					// NoTranslation: no suffixes, names escaped for 2.42.
					real, nanCounter = "real_requests", "nan_counter"
				}
				prom.eventuallySeries(t, q("good"), oneSeries(nil, is(42)))
				prom.eventuallySeries(t, q(real), oneSeries(map[string]string{"path": "/a\"b\n\uFFFD", "otel_scope_name": "real"}, is(9)))
				prom.eventuallySeries(t, q("quoted"), oneSeries(map[string]string{
					"q": `he said "hi"`, "nl": "line1\nline2\r\n", "bs": `C:\path\`, "bad": "ok\uFFFD",
					"tab": "a\tb", "utf8": "ünïcødé ✓", "otel_scope_name": "evil \"scope\"\n\uFFFD", "otel_scope_version": `v\1`,
				}, is(1)))
				prom.eventuallySeries(t, q("nan"), oneSeries(nil, math.IsNaN))
				prom.eventuallySeries(t, q("pos_inf"), oneSeries(nil, func(v float64) bool { return math.IsInf(v, 1) }))
				prom.eventuallySeries(t, q("neg_inf"), oneSeries(nil, func(v float64) bool { return math.IsInf(v, -1) }))
				prom.eventuallySeries(t, q(nanCounter), oneSeries(nil, math.IsNaN))
				// Only the valid data point of the broken histogram.
				prom.eventuallySeries(t, q("odd_hist_count"), oneSeries(map[string]string{"k": "fine"}, is(3)))
				prom.eventuallySeries(t, q("a_b_c"), oneSeries(nil, is(1)))
				prom.eventuallySeries(t, q("target_info"), oneSeries(map[string]string{"service_name": "test-svc"}, is(1)))
			}

			// The help text with a newline, quotes, a backslash and an
			// invalid byte made it through the parser intact.
			var metadata map[string][]struct {
				Help string `json:"help"`
			}
			const wantHelp = "line one\nline \"two\" \\ \uFFFD"
			deadline := time.Now().Add(30 * time.Second)
			for {
				err := prom.get("/api/v1/metadata", url.Values{"metric": {"bad_help"}}, &metadata)
				if err == nil && len(metadata["bad_help"]) > 0 && metadata["bad_help"][0].Help == wantHelp {
					break
				}
				if time.Now().After(deadline) {
					t.Errorf("bad_help metadata = %+v (err %v), want help %q", metadata, err, wantHelp)
					break
				}
				time.Sleep(250 * time.Millisecond)
			}
		})
	}
}
