// Command fastmeter-demo is a self-contained tour of fastmeter: it starts a
// small HTTP service on 127.0.0.1 and a client that drives it, instruments
// both through the OpenTelemetry API with every kind of instrument, and
// shows the result four ways:
//
//   - a live page at http://127.0.0.1:8080/debug/metricz (package metricz);
//   - Prometheus text at http://127.0.0.1:8080/metrics (package prometheus);
//   - a short summary on the console every few seconds (rate, errors and
//     latency percentiles of the last window);
//   - whatever the OTEL_* variables configure, read and validated by package
//     autoconfig: OTLP when OTEL_METRICS_EXPORTER says so or any
//     OTEL_EXPORTER_OTLP_* or OTEL_METRIC_EXPORT_* variable is set, the
//     Prometheus endpoint when any OTEL_EXPORTER_PROMETHEUS_* is, nothing
//     else by default; a bad value stops the demo at startup, and
//     OTEL_SDK_DISABLED=true disables the SDK.
//
// Usage:
//
//	go run ./cmd/fastmeter-demo [-addr 127.0.0.1:8080] [-duration 0] [-summary 5s]
//
// -addr is where the service, the page and /metrics listen (use
// 127.0.0.1:0 for any free port); -duration stops the demo after that long
// (0 runs until Ctrl-C); -summary is the console summary period. Ctrl-C or
// SIGTERM shuts down cleanly: the client stops, the server drains, a final
// summary is printed and every exporter flushes.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	cfg := defaultConfig()
	flag.StringVar(&cfg.addr, "addr", cfg.addr, "listen address of the demo service, /debug/metricz and /metrics (127.0.0.1:0 picks a free port)")
	flag.DurationVar(&cfg.duration, "duration", cfg.duration, "how long to run; 0 runs until Ctrl-C")
	flag.DurationVar(&cfg.summaryEvery, "summary", cfg.summaryEvery, "period of the console summary; 0 turns it off")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "fastmeter-demo: unexpected argument %q\n", flag.Arg(0))
		flag.Usage()
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "fastmeter-demo:", err)
		os.Exit(1)
	}
}

// defaultConfig is the configuration of a plain `go run`.
func defaultConfig() config {
	return config{
		addr:            "127.0.0.1:8080",
		summaryEvery:    5 * time.Second,
		metriczInterval: time.Second,
		out:             os.Stdout,
	}
}
