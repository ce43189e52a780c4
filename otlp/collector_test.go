package otlp_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/fastmeter/fastmeter/internal/realcomponent"
	"github.com/fastmeter/fastmeter/internal/testenv"
	"github.com/fastmeter/fastmeter/otlp"
	"github.com/fastmeter/fastmeter/otlp/internal/fixture"
	"github.com/fastmeter/fastmeter/otlp/internal/officialcapture"
)

// collectorEnv names the OpenTelemetry Collector binary the e2e module
// builds (scripts/install-collector.sh); without it the test is skipped, or
// fails under CI.
const collectorEnv = "FASTMETER_OTELCOL"

// startCollector runs the real Collector on 127.0.0.1 with an OTLP receiver
// (gRPC and HTTP) and a file exporter writing what it received as OTLP/JSON
// lines; it returns the two receiver addresses and the output path.
func startCollector(t *testing.T) (grpcAddr, httpAddr, output string) {
	t.Helper()
	bin := os.Getenv(collectorEnv)
	if bin == "" {
		bin = filepath.Join("..", "e2e", ".collector", "otelcol-fastmeter")
	}
	if _, err := os.Stat(bin); err != nil {
		realcomponent.Missing(t, fmt.Sprintf("collector binary %s not found (run scripts/install-collector.sh or set %s): %v", bin, collectorEnv, err)) // fails under CI=true
	}
	dir := t.TempDir()
	grpcAddr, httpAddr = freeAddr(t), freeAddr(t)
	output = filepath.Join(dir, "out.jsonl")
	config := fmt.Sprintf(`receivers:
  otlp:
    protocols:
      grpc: {endpoint: %q}
      http: {endpoint: %q}
exporters:
  file: {path: %q, format: json, flush_interval: 50ms}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    metrics: {receivers: [otlp], exporters: [file]}
`, grpcAddr, httpAddr, output)
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--config", "file:"+cfgPath)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("collector logs:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for _, addr := range []string{grpcAddr, httpAddr} {
		for {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("collector not listening on %s", addr)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return grpcAddr, httpAddr, output
}

func freeAddr(t *testing.T) string {
	return fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
}

// waitLines waits until the file exporter has written n lines.
func waitLines(t *testing.T, path string, n int) [][]byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var lines [][]byte
		if f, err := os.Open(path); err == nil {
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 64<<20)
			for sc.Scan() {
				lines = append(lines, append([]byte(nil), sc.Bytes()...))
			}
			f.Close()
		}
		if len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector wrote %d requests, want %d", len(lines), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Every protocol through the real Collector: what it writes back out decodes
// to exactly what the official exporter sends.
func TestRealCollectorReceivesEveryProtocol(t *testing.T) {
	grpcAddr, httpAddr, output := startCollector(t)
	rm := fixture.Rich()
	want, err := officialcapture.Request(t, &rm)
	if err != nil {
		t.Fatal(err)
	}
	protocols := []struct {
		name string
		opts []otlp.Option
	}{
		{"http/protobuf", []otlp.Option{otlp.WithEndpointURL("http://" + httpAddr + "/v1/metrics")}},
		{"http/json", []otlp.Option{otlp.WithProtocol(otlp.HTTPJSON), otlp.WithEndpointURL("http://" + httpAddr), otlp.WithGzip()}},
		{"grpc", []otlp.Option{otlp.WithProtocol(otlp.GRPC), otlp.WithEndpoint(grpcAddr), otlp.WithInsecure(), otlp.WithGzip()}},
	}
	for i, p := range protocols {
		exp := newExporter(t, p.opts...)
		if err := exp.Export(context.Background(), &rm); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		lines := waitLines(t, output, i+1)
		t.Logf("%s: the collector wrote %d bytes", p.name, len(lines[i]))
		got := officialcapture.DecodeJSON(t, lines[i])
		t.Run(p.name, func(t *testing.T) { assertSame(t, got, want) })
	}
}
