package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// config is what run needs; main fills it from flags, tests directly.
type config struct {
	addr            string        // listen address
	duration        time.Duration // 0: until ctx is cancelled
	summaryEvery    time.Duration // console summary period; 0: none
	metriczInterval time.Duration // collection period of the live page
	out             io.Writer     // console
	ready           func(baseURL string)
}

// shutdownTimeout bounds each step of the shutdown, so a stuck exporter
// cannot keep the process alive after Ctrl-C.
const shutdownTimeout = 10 * time.Second

// run starts the telemetry, the service and its client, and blocks until ctx
// is cancelled or the duration has passed; then it shuts everything down in
// order (client, server, final summary, exporters) and returns.
func run(ctx context.Context, cfg config) error {
	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}

	tel, err := newTelemetry(ctx, cfg.metriczInterval)
	if err != nil {
		return err
	}
	inst, err := newInstruments(tel.provider)
	if err != nil {
		_ = tel.shutdown(context.Background())
		return err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		_ = tel.shutdown(context.Background())
		return fmt.Errorf("listen on %s: %w (choose another address with -addr, e.g. -addr 127.0.0.1:0)", cfg.addr, err)
	}
	baseURL := "http://" + ln.Addr().String()
	srv := &http.Server{
		Handler:           newMux(inst, tel),
		ReadHeaderTimeout: 5 * time.Second,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	fmt.Fprintf(cfg.out, "fastmeter demo listening on %s\n", baseURL)
	fmt.Fprintf(cfg.out, "  live metrics page: %s/debug/metricz\n", baseURL)
	fmt.Fprintf(cfg.out, "  Prometheus:        %s/metrics\n", baseURL)
	switch {
	case tel.disabled:
		fmt.Fprintf(cfg.out, "  OTEL_SDK_DISABLED=true: the SDK is disabled; nothing is recorded or exported,\n"+
			"                     the page and /metrics stay empty, no summary is printed\n")
	case tel.pushing != "":
		fmt.Fprintf(cfg.out, "  exporting:         %s\n", tel.pushing)
	default:
		fmt.Fprintf(cfg.out, "  OTLP push:         off (set OTEL_EXPORTER_OTLP_ENDPOINT to turn it on)\n")
	}
	if cfg.duration > 0 {
		fmt.Fprintf(cfg.out, "running for %v; Ctrl-C stops earlier\n", cfg.duration)
	} else {
		fmt.Fprintln(cfg.out, "press Ctrl-C to stop")
	}
	if cfg.ready != nil {
		cfg.ready(baseURL)
	}

	var wg sync.WaitGroup
	clientCtx, stopClient := context.WithCancel(ctx)
	defer stopClient()
	wg.Add(1)
	go func() {
		defer wg.Done()
		runClient(clientCtx, baseURL, inst)
	}()
	summary := newSummary(tel.summaryReader, cfg.out)
	if cfg.summaryEvery > 0 && !tel.disabled {
		wg.Add(1)
		go func() {
			defer wg.Done()
			summary.loop(clientCtx, cfg.summaryEvery)
		}()
	}

	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("HTTP server: %w", err)
	}

	// Shut down in dependency order: nothing records after the provider
	// has flushed.
	fmt.Fprintln(cfg.out, "shutting down…")
	stopClient()
	wg.Wait()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("HTTP server shutdown: %w", serr))
	}
	if !tel.disabled {
		summary.print(sctx, "final")
	}
	if terr := tel.shutdown(sctx); terr != nil {
		err = errors.Join(err, fmt.Errorf("flushing telemetry: %w", terr))
	}
	fmt.Fprintln(cfg.out, "bye")
	return err
}
