package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// Issue 17 point 1: the real command always goes through autoconfig, so a
// bad OTEL_* value stops it at startup with an error naming the variable,
// even when no exporter is configured (before, the demo chose "none" and
// autoconfig never read the interval).
func TestDemoCommandRejectsBadExportInterval(t *testing.T) {
	cleanOTelEnv(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), demoMainEnv+"=-addr 127.0.0.1:0 -duration 30s", "OTEL_METRIC_EXPORT_INTERVAL=abc")
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), `OTEL_METRIC_EXPORT_INTERVAL="abc"`) {
		t.Errorf("OTEL_METRIC_EXPORT_INTERVAL=abc: exit status %d, want 1 and an error naming it:\n%s", code, out)
	}
	if strings.Contains(string(out), "listening on") {
		t.Errorf("the demo started despite the bad value:\n%s", out)
	}
}

// Issue 17 point 1: OTEL_SDK_DISABLED=true is honoured and said: the demo
// still serves (its service and page), records nothing, prints no summary.
func TestDemoCommandHonoursSDKDisabled(t *testing.T) {
	cleanOTelEnv(t)
	t.Setenv("OTEL_SDK_DISABLED", "true")
	cmd, baseURL, console := startDemoCommand(t, "-addr 127.0.0.1:0 -duration 2s -summary 200ms")
	time.Sleep(500 * time.Millisecond) // the client has sent requests by now
	if !strings.Contains(console.String(), "OTEL_SDK_DISABLED=true: the SDK is disabled") {
		t.Errorf("the console does not say the SDK is disabled:\n%s", console)
	}
	if kinds, _ := metriczKinds(t, baseURL); len(kinds) != 0 {
		t.Errorf("the page shows instruments with the SDK disabled: %v", kinds)
	}
	if code, body := httpGet(t, baseURL+"/metrics"); code != 200 || !strings.Contains(body, "OTEL_SDK_DISABLED=true") || strings.Contains(body, "http_server_request_count") {
		t.Errorf("/metrics with the SDK disabled: %d\n%.1000s", code, body)
	}
	if code := waitExit(t, cmd, 30*time.Second); code != 0 {
		t.Errorf("exit status %d:\n%s", code, console)
	}
	if out := console.String(); strings.Contains(out, "requests in all") || strings.Contains(out, "summary: collect") {
		t.Errorf("a summary was printed with the SDK disabled:\n%s", out)
	}
}

// Issue 17 point 7: OTEL_EXPORTER_PROMETHEUS_HOST and _PORT are honoured:
// setting them turns autoconfig's Prometheus exporter on, on that address,
// and the console says where.
func TestDemoServesPrometheusWhereTheEnvironmentSays(t *testing.T) {
	cleanOTelEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	_ = ln.Close()
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1")
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_PORT", port)
	_, out, stop := startDemo(t, config{})
	url := "http://127.0.0.1:" + port + "/metrics"
	if !strings.Contains(out.String(), "Prometheus at "+url) {
		t.Errorf("the console does not name %s:\n%s", url, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := httpGet(t, url)
		if code == 200 && strings.Contains(body, "http_server_request_count_total{") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d\n%.1000s", url, code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// Issue 17 point 2: process.cpu.time is the CPU the process used, not the
// CPU available to it (/cpu/classes/total, GOMAXPROCS × wall time): while
// the process sleeps it barely moves, while one goroutine spins it grows,
// and it never exceeds wall time × GOMAXPROCS.
func TestProcessCPUTimeIsCPUUsed(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	if err := registerRuntimeMetrics(mp); err != nil {
		t.Fatal(err)
	}
	cpu := func() float64 {
		t.Helper()
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		var total float64
		modes := map[string]bool{}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				if m.Name != cpuTimeName {
					continue
				}
				if m.Unit != "s" {
					t.Errorf("unit %q, want s", m.Unit)
				}
				for _, dp := range m.Data.(metricdata.Sum[float64]).DataPoints {
					mode, _ := dp.Attributes.Value("cpu.mode")
					modes[mode.AsString()] = true
					total += dp.Value
				}
			}
		}
		if !modes["user"] || !modes["system"] || len(modes) != 2 {
			t.Fatalf("cpu.mode values %v, want user and system", modes)
		}
		return total
	}
	procs := float64(runtime.GOMAXPROCS(0))

	start, c0 := time.Now(), cpu()
	time.Sleep(500 * time.Millisecond)
	idleWall, idle := time.Since(start).Seconds(), cpu()-c0
	if idle > 0.25*idleWall*procs {
		t.Errorf("sleeping %.2fs used %.2fs of CPU: that is CPU available (%.2fs), not used", idleWall, idle, idleWall*procs)
	}

	start, c0 = time.Now(), cpu()
	for x := 0; time.Since(start) < 500*time.Millisecond; x++ {
		_ = strconv.Itoa(x) // spin one goroutine
	}
	busyWall, busy := time.Since(start).Seconds(), cpu()-c0
	if busy < 0.02 { // even a heavily shared core gives a spinning goroutine more
		t.Errorf("spinning %.2fs used only %.3fs of CPU", busyWall, busy)
	}
	if tolerance := 0.05; busy > busyWall*procs+tolerance { // rusage ticks
		t.Errorf("%.2fs of CPU in %.2fs on %v procs: more than available", busy, busyWall, procs)
	}
}
