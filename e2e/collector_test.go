package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fastmeter/fastmeter/internal/realcomponent"
)

// collectorBinaryEnv overrides where the collector binary is looked for.
const collectorBinaryEnv = "FASTMETER_OTELCOL"

// collectorBinary returns the path of the collector built by
// scripts/install-collector.sh. When it is missing the test fails under CI
// (CI must have run the installer) and is skipped otherwise.
func collectorBinary(t *testing.T) string {
	t.Helper()
	path := os.Getenv(collectorBinaryEnv)
	if path == "" {
		path = filepath.Join(".collector", "otelcol-fastmeter")
	}
	abs, err := filepath.Abs(path)
	if err == nil {
		if info, statErr := os.Stat(abs); statErr == nil && !info.IsDir() {
			return abs
		}
	}
	msg := fmt.Sprintf("OpenTelemetry Collector binary not found at %s: run `bash scripts/install-collector.sh` from the repository root (or set %s)", path, collectorBinaryEnv)
	realcomponent.Missing(t, msg) // fails under CI=true
	return ""
}

// collector is a real OpenTelemetry Collector process listening on 127.0.0.1
// with an OTLP receiver (gRPC and HTTP) and a file exporter writing OTLP JSON.
// It can be stopped and restarted on the same ports; each run writes its own
// output file so that nothing depends on the file exporter's append mode.
type collector struct {
	t        *testing.T
	binary   string
	dir      string
	grpcAddr string // host:port of the OTLP/gRPC receiver
	httpAddr string // host:port of the OTLP/HTTP receiver

	mu      sync.Mutex
	runs    int
	outputs []string // one JSON-lines file per run, in run order
	cmd     *exec.Cmd
	exited  chan struct{}
	logs    *lockedBuffer
}

// startCollector starts a collector on free ports and stops it when the test ends.
func startCollector(t *testing.T) *collector {
	t.Helper()
	c := &collector{
		t:        t,
		binary:   collectorBinary(t),
		dir:      t.TempDir(),
		grpcAddr: freeAddr(t),
		httpAddr: freeAddr(t),
		logs:     &lockedBuffer{},
	}
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Logf("collector logs:\n%s", c.logs.String())
		}
	})
	c.start()
	return c
}

// addr is the receiver's host:port for proto: gRPC's or HTTP's.
func (c *collector) addr(proto protocol) string {
	if proto.grpc() {
		return c.grpcAddr
	}
	return c.httpAddr
}

// httpEndpoint is the base URL of the OTLP/HTTP receiver.
func (c *collector) httpEndpoint() string { return "http://" + c.httpAddr }

// start launches a new collector process and waits until both receivers accept connections.
func (c *collector) start() {
	t := c.t
	t.Helper()
	c.mu.Lock()
	c.runs++
	output := filepath.Join(c.dir, fmt.Sprintf("metrics-run%d.jsonl", c.runs))
	config := filepath.Join(c.dir, fmt.Sprintf("config-run%d.yaml", c.runs))
	c.outputs = append(c.outputs, output)
	c.mu.Unlock()

	if err := os.WriteFile(config, []byte(c.config(output)), 0o600); err != nil {
		t.Fatalf("write collector config: %v", err)
	}
	cmd := exec.Command(c.binary, "--config", "file:"+config)
	cmd.Stdout = c.logs
	cmd.Stderr = c.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start collector: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	c.mu.Lock()
	c.cmd, c.exited = cmd, exited
	c.mu.Unlock()

	deadline := time.Now().Add(60 * time.Second)
	for _, addr := range []string{c.grpcAddr, c.httpAddr} {
		for {
			conn, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				conn.Close()
				break
			}
			select {
			case <-exited:
				t.Fatalf("collector exited before listening on %s; logs:\n%s", addr, c.logs.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("collector not listening on %s after 60s; logs:\n%s", addr, c.logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// stop terminates the running collector gracefully (SIGTERM lets the file
// exporter flush), killing it if it has not exited after 20 s.
func (c *collector) stop() {
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.cmd = nil
	c.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		c.t.Errorf("collector did not stop within 20s of SIGTERM; killed it")
	}
}

// config renders the collector configuration for one run.
func (c *collector) config(output string) string {
	return fmt.Sprintf(`receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
      http:
        endpoint: %s
exporters:
  file:
    path: %s
    format: json
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      level: none
    logs:
      level: info
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [file]
`, c.grpcAddr, c.httpAddr, output)
}

// received parses every request the collector has written so far, across runs.
func (c *collector) received() ([]resourceMetrics, error) {
	c.mu.Lock()
	outputs := append([]string(nil), c.outputs...)
	c.mu.Unlock()
	var all []resourceMetrics
	for _, path := range outputs {
		got, err := readOTLPJSONLines(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		all = append(all, got...)
	}
	return all, nil
}

// freeAddr reserves a free 127.0.0.1 port. The port is released before the
// collector binds it; a collision with another process is possible but rare.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// lockedBuffer collects a child process' output safely across goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	// Keep failure output readable: the tail is what explains a failure.
	if len(s) > 20000 {
		s = "...\n" + s[len(s)-20000:]
	}
	return strings.TrimSpace(s)
}
