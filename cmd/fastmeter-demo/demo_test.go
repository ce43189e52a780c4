package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	collectormetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// syncBuffer is the demo's console in tests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// cleanOTelEnv unsets the variables that would make the demo push or stop
// recording, so the tests do not depend on the environment they run in.
func cleanOTelEnv(t *testing.T) {
	for _, name := range []string{
		"OTEL_SDK_DISABLED", "OTEL_METRICS_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
		"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "OTEL_METRIC_EXPORT_INTERVAL",
		"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_METRIC_EXPORT_TIMEOUT",
		"OTEL_EXPORTER_PROMETHEUS_HOST", "OTEL_EXPORTER_PROMETHEUS_PORT",
	} {
		t.Setenv(name, "") // autoconfig treats an empty variable as unset
	}
}

// startDemo runs the demo on a free port until the returned stop is called,
// and returns its base URL.
func startDemo(t *testing.T, cfg config) (baseURL string, out *syncBuffer, stop func() error) {
	t.Helper()
	out = &syncBuffer{}
	cfg.addr = "127.0.0.1:0"
	cfg.out = out
	if cfg.metriczInterval == 0 {
		cfg.metriczInterval = 200 * time.Millisecond
	}
	ready := make(chan string, 1)
	cfg.ready = func(u string) { ready <- u }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg) }()
	select {
	case baseURL = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("demo stopped before listening: %v\n%s", err, out)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("demo did not start listening")
	}
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("demo did not shut down")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return baseURL, out, stop
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// metriczKinds returns, from the page's JSON, each instrument's kind and
// the sum of its series' values (or observation counts).
func metriczKinds(t *testing.T, baseURL string) (kinds map[string]string, totals map[string]float64) {
	t.Helper()
	code, body := httpGet(t, baseURL+"/debug/metricz?format=json")
	if code != 200 {
		t.Fatalf("metricz JSON: %d %s", code, body)
	}
	var doc struct {
		Scopes []struct {
			Instruments []struct {
				Name, Kind string
				Series     []struct {
					Value     any
					Histogram *struct{ Count float64 }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("metricz JSON: %v", err)
	}
	kinds, totals = map[string]string{}, map[string]float64{}
	for _, sc := range doc.Scopes {
		for _, in := range sc.Instruments {
			kinds[in.Name] = in.Kind
			for _, s := range in.Series {
				if v, ok := s.Value.(float64); ok {
					totals[in.Name] += v
				}
				if s.Histogram != nil {
					totals[in.Name] += s.Histogram.Count
				}
			}
		}
	}
	return kinds, totals
}

func TestDemoServesItsEndpoints(t *testing.T) {
	cleanOTelEnv(t)
	baseURL, out, stop := startDemo(t, config{summaryEvery: 300 * time.Millisecond})

	// Wait until the workload shows on the page: requests served and
	// recorded, runtime observed.
	deadline := time.Now().Add(20 * time.Second)
	var kinds map[string]string
	var totals map[string]float64
	for {
		kinds, totals = metriczKinds(t, baseURL)
		if totals[requestCountName] >= 10 && totals[requestDurationName] >= 10 && totals[goroutinesName] > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no workload on the page after 20s: %v", totals)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Every instrument kind of the API, and both histogram streams.
	for name, kind := range map[string]string{
		requestCountName:                 "counter",       // Int64Counter
		"demo.work.units":                "counter",       // Float64Counter
		activeRequestsName:               "updowncounter", // Int64UpDownCounter
		"demo.inventory.weight":          "updowncounter", // Float64UpDownCounter
		requestDurationName:              "histogram",     // Float64Histogram
		"http.server.response.body.size": "histogram",     // Int64Histogram
		"demo.client.target_rate":        "gauge",         // Float64Gauge
		"demo.client.workers":            "gauge",         // Int64Gauge
		"go.memory.allocated":            "counter",       // Int64ObservableCounter (contrib runtime)
		"process.cpu.time":               "counter",       // Float64ObservableCounter
		memoryUsedName:                   "updowncounter", // Int64ObservableUpDownCounter (contrib runtime)
		goroutinesName:                   "updowncounter", // Int64ObservableUpDownCounter (contrib runtime)
		"demo.inventory.value":           "updowncounter", // Float64ObservableUpDownCounter
		"demo.inventory.pallets":         "gauge",         // Int64ObservableGauge
		"process.uptime":                 "gauge",         // Float64ObservableGauge
	} {
		if kinds[name] != kind {
			t.Errorf("instrument %s: kind %q, want %q", name, kinds[name], kind)
		}
	}
	// The second stream of the duration histogram, made by a View.
	if k := kinds[requestDurationName+".exponential"]; k == "" {
		t.Errorf("the exponential view's stream is missing")
	}
	if totals[requestDurationName+".exponential"] == 0 {
		t.Errorf("the exponential stream has no observations")
	}

	if code, body := httpGet(t, baseURL+"/debug/metricz"); code != 200 || !strings.Contains(body, "<!DOCTYPE html>") {
		t.Errorf("metricz page: %d", code)
	}
	code, body := httpGet(t, baseURL+"/metrics")
	if code != 200 || !strings.Contains(body, "http_server_request_count_total{") || !strings.Contains(body, "go_goroutine_count") {
		t.Errorf("/metrics: %d\n%.2000s", code, body)
	}
	if code, _ := httpGet(t, baseURL+"/api/products"); code != 200 {
		t.Errorf("/api/products: %d", code)
	}
	if code, body := httpGet(t, baseURL+"/"); code != 200 || !strings.Contains(body, "/debug/metricz") {
		t.Errorf("index: %d", code)
	}

	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	console := out.String()
	for _, want := range []string{"listening on " + baseURL, " requests in all", "latency p50 ", "[final] ", "bye"} {
		if !strings.Contains(console, want) {
			t.Errorf("console lacks %q:\n%s", want, console)
		}
	}
	if _, err := http.Get(baseURL + "/"); err == nil {
		t.Error("the server still answers after shutdown")
	}
}

// TestDemoFlushesOTLPOnShutdown points the demo at a fake OTLP/HTTP
// receiver with an export interval far longer than the run: what arrives
// was pushed by the final flush of the shutdown.
func TestDemoFlushesOTLPOnShutdown(t *testing.T) {
	cleanOTelEnv(t)
	var mu sync.Mutex
	var requests []*collectormetrics.ExportMetricsServiceRequest
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := &collectormetrics.ExportMetricsServiceRequest{}
		if r.URL.Path != "/v1/metrics" || proto.Unmarshal(body, req) != nil {
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		requests = append(requests, req)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer receiver.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.URL)
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "600000")
	t.Setenv("OTEL_SERVICE_NAME", "demo-under-test")

	baseURL, out, stop := startDemo(t, config{})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, totals := metriczKinds(t, baseURL); totals[requestCountName] >= 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no requests after 20s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	before := len(requests)
	mu.Unlock()
	if before != 0 {
		t.Fatalf("%d exports before shutdown with a 10-minute interval", before)
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if !strings.Contains(out.String(), "OTLP to "+receiver.URL) {
		t.Errorf("console does not say where OTLP goes:\n%s", out)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(requests) == 0 {
		t.Fatal("the shutdown did not flush to the OTLP receiver")
	}
	var served int64
	var service string
	for _, req := range requests {
		for _, rm := range req.ResourceMetrics {
			for _, kv := range rm.GetResource().GetAttributes() {
				if kv.Key == "service.name" {
					service = kv.GetValue().GetStringValue()
				}
			}
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					if m.Name == requestCountName {
						for _, dp := range m.GetSum().GetDataPoints() {
							served += dp.GetAsInt()
						}
					}
				}
			}
		}
	}
	if served < 5 || service != "demo-under-test" {
		t.Errorf("flushed %d requests for service %q; want ≥ 5 for demo-under-test", served, service)
	}
}

func TestDemoReportsBusyAddress(t *testing.T) {
	cleanOTelEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := defaultConfig()
	cfg.addr = ln.Addr().String()
	cfg.out = io.Discard
	err = run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "-addr") {
		t.Errorf("busy address: %v; want an error suggesting -addr", err)
	}
}

func TestDemoStopsAfterDuration(t *testing.T) {
	cleanOTelEnv(t)
	cfg := defaultConfig()
	cfg.addr = "127.0.0.1:0"
	cfg.duration = 1500 * time.Millisecond
	cfg.summaryEvery = 500 * time.Millisecond
	out := &syncBuffer{}
	cfg.out = out
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), cfg) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("-duration did not stop the demo")
	}
	if s := out.String(); !strings.Contains(s, "running for 1.5s") || !strings.Contains(s, "[final] ") {
		t.Errorf("console:\n%s", s)
	}
}

// TestDemoRejectsBadEnvironment: a bad OTEL_* value stops the demo with an
// error naming the variable, instead of a demo that silently exports
// nothing.
func TestDemoRejectsBadEnvironment(t *testing.T) {
	cleanOTelEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "soon")
	cfg := defaultConfig()
	cfg.addr = "127.0.0.1:0"
	cfg.out = io.Discard
	err := run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "OTEL_METRIC_EXPORT_INTERVAL") {
		t.Errorf("bad interval: %v; want an error naming OTEL_METRIC_EXPORT_INTERVAL", err)
	}
}

// demoMainEnv makes the test binary run the demo's main with the flags the
// variable holds, so that a test can start the real command (flags,
// signals, exit code) without building it separately.
const demoMainEnv = "FASTMETER_DEMO_TEST_MAIN"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(demoMainEnv); ok {
		os.Args = append([]string{"fastmeter-demo"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startDemoCommand starts the demo's main in a child process and returns
// its base URL once it listens, and its console so far.
func startDemoCommand(t *testing.T, flags string) (cmd *exec.Cmd, baseURL string, console *syncBuffer) {
	t.Helper()
	cmd = exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), demoMainEnv+"="+flags)
	console = &syncBuffer{}
	cmd.Stderr = console
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	listening := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			line := scanner.Text()
			_, _ = console.Write([]byte(line + "\n"))
			if u, ok := strings.CutPrefix(line, "fastmeter demo listening on "); ok {
				listening <- u
			}
		}
		close(listening)
	}()
	select {
	case u, ok := <-listening:
		if !ok {
			t.Fatalf("the demo ended before listening:\n%s", console)
		}
		return cmd, u, console
	case <-time.After(60 * time.Second):
		t.Fatalf("the demo did not listen within 60s:\n%s", console)
	}
	return nil, "", nil
}

// waitExit waits for the child to end and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd, within time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("waiting for the demo: %v", err)
		}
		return cmd.ProcessState.ExitCode()
	case <-time.After(within):
		t.Fatalf("the demo did not exit within %v", within)
	}
	return -1
}

// TestDemoCommandStopsCleanlyOnInterrupt runs the real command with its
// flags, lets it serve, sends it the signal Ctrl-C sends, and checks the
// orderly shutdown: final summary, exit status 0.
func TestDemoCommandStopsCleanlyOnInterrupt(t *testing.T) {
	cleanOTelEnv(t)
	cmd, baseURL, console := startDemoCommand(t, "-addr 127.0.0.1:0 -duration 10m -summary 200ms")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, totals := metriczKinds(t, baseURL); totals[requestCountName] >= 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no requests on the page after 30s:\n%s", console)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, 30*time.Second); code != 0 {
		t.Errorf("exit status %d after Ctrl-C, want 0:\n%s", code, console)
	}
	out := console.String()
	for _, want := range []string{"running for 10m0s", "shutting down", "[final] ", "bye"} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "shutting down") > strings.Index(out, "[final] ") {
		t.Errorf("the final summary must follow the shutdown notice:\n%s", out)
	}
}

// TestDemoCommandFlags: -duration ends the command by itself with status 0;
// a stray argument is a usage error (status 2).
func TestDemoCommandFlags(t *testing.T) {
	cleanOTelEnv(t)
	cmd, _, console := startDemoCommand(t, "-addr 127.0.0.1:0 -duration 1s -summary 0")
	if code := waitExit(t, cmd, 30*time.Second); code != 0 || !strings.Contains(console.String(), "bye") {
		t.Errorf("-duration 1s: exit status %d:\n%s", code, console)
	}
	if n := strings.Count(console.String(), " requests in all"); n != 1 || !strings.Contains(console.String(), "[final] ") {
		t.Errorf("-summary 0 must print the final summary only, got %d summaries:\n%s", n, console)
	}

	stray := exec.Command(os.Args[0], "-test.run=^$")
	stray.Env = append(os.Environ(), demoMainEnv+"=-addr 127.0.0.1:0 oops")
	out, _ := stray.CombinedOutput()
	if code := stray.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), `unexpected argument "oops"`) {
		t.Errorf("stray argument: exit status %d, output:\n%s", code, out)
	}
}
