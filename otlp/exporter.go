package otlp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/otlp/internal/transport"
	"github.com/fastmeter/fastmeter/otlp/internal/wire"
)

// ErrShutdown is returned by Export and Shutdown after Shutdown.
var ErrShutdown = errors.New("otlp: exporter is shut down")

// ErrPartialSuccess marks the error passed to otel.Handle when a receiver
// accepted a request only in part (ExportMetricsPartialSuccess). Such a
// request is not retried, and Export returns nil for it.
var ErrPartialSuccess = transport.ErrPartialSuccess

// ErrInvalidUTF8 marks the error passed to otel.Handle when strings of an
// export (names, attributes) held invalid UTF-8, which OTLP cannot carry:
// they are sent with U+FFFD in place of the invalid bytes, and the export
// goes on. (fastmeter's provider repairs such strings where they enter;
// another SDK's data may hold them.)
var ErrInvalidUTF8 = errors.New("otlp: invalid UTF-8 repaired")

// encoder is the wire encoder of the Exporter's protocol.
type encoder interface {
	Encode(*metricdata.ResourceMetrics) ([]byte, error)
	Repaired() int
	// Abandon makes the next Encode write to new memory: the transport
	// may still be reading the last request's bytes.
	Abandon()
}

// Exporter sends metrics to an OTLP receiver. It implements fastmeter.Exporter
// (the official sdk/metric Exporter). Exports are serialised: one encoder
// buffer is reused by all of them.
type Exporter struct {
	cfg    config
	enc    encoder
	sender transport.Sender
	retry  transport.Retry
	obs    *observer // self-observability; nil when off

	busy    chan struct{} // a one-slot semaphore held by the running Export
	clock   *exportClock  // ends the running Export
	stopped atomic.Bool

	// abortMu guards abort: the running Export's cancel, which Shutdown
	// calls to abort its retries.
	abortMu sync.Mutex
	abort   context.CancelFunc
}

var _ fastmeter.Exporter = (*Exporter)(nil)

// New returns an Exporter configured by the OTEL_EXPORTER_OTLP_* environment
// variables and opts, which override them setting by setting (see the
// package documentation); an unusable variable is an *EnvError. It does not
// connect: the first Export does (gRPC connects lazily; HTTP per request).
func New(_ context.Context, opts ...Option) (*Exporter, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	e := &Exporter{
		cfg:   cfg,
		busy:  make(chan struct{}, 1),
		clock: newExportClock(),
		retry: transport.Retry{
			Enabled:         cfg.retry.Enabled,
			InitialInterval: cfg.retry.InitialInterval,
			MaxInterval:     cfg.retry.MaxInterval,
			MaxElapsedTime:  cfg.retry.MaxElapsedTime,
		},
	}
	switch cfg.protocol {
	case HTTPProtobuf, HTTPJSON:
		e.sender, err = newHTTPSender(cfg)
		if cfg.protocol == HTTPJSON {
			e.enc = new(wire.JSONEncoder)
		} else {
			e.enc = new(wire.ProtoEncoder)
		}
	case GRPC:
		e.sender, err = newGRPCSender(cfg)
		e.enc = new(wire.ProtoEncoder)
	default:
		err = fmt.Errorf("otlp: unknown protocol %d", cfg.protocol)
	}
	if err != nil {
		return nil, err
	}
	e.obs = newObserver(cfg)
	return e, nil
}

func newHTTPSender(cfg config) (*transport.HTTPSender, error) {
	target := cfg.endpointURL
	if target == "" {
		scheme, host := "https", cfg.endpoint
		if cfg.insecure {
			scheme = "http"
		}
		if host == "" {
			host = "localhost:4318"
		}
		target = (&url.URL{Scheme: scheme, Host: host, Path: cfg.urlPath}).String()
	} else if u, err := url.Parse(target); err != nil {
		return nil, fmt.Errorf("otlp: endpoint URL %q: %w", target, err)
	} else if u.Path == "" {
		u.Path = "/v1/metrics"
		target = u.String()
	}
	return transport.NewHTTPSender(transport.HTTPConfig{
		URL:     target,
		JSON:    cfg.protocol == HTTPJSON,
		Gzip:    cfg.gzip,
		Headers: cfg.headers,
		TLS:     cfg.tls,
	})
}

func newGRPCSender(cfg config) (*transport.GRPCSender, error) {
	host, insecure := cfg.endpoint, cfg.insecure
	if cfg.endpointURL != "" {
		u, err := url.Parse(cfg.endpointURL)
		if err != nil {
			return nil, fmt.Errorf("otlp: endpoint URL %q: %w", cfg.endpointURL, err)
		}
		if u.Host == "" {
			return nil, fmt.Errorf("otlp: endpoint URL %q has no host", cfg.endpointURL)
		}
		host, insecure = u.Host, u.Scheme == "http"
	}
	if host == "" {
		host = "localhost:4317"
	}
	return transport.NewGRPCSender(transport.GRPCConfig{
		Target:      host,
		Insecure:    insecure,
		TLS:         cfg.tls,
		Gzip:        cfg.gzip,
		Headers:     cfg.headers,
		DialOptions: cfg.dialOptions,
	})
}

// Temporality returns the temporality the Exporter's selector chose for k.
func (e *Exporter) Temporality(k fastmeter.InstrumentKind) metricdata.Temporality {
	return e.cfg.temporality(k)
}

// Aggregation returns the aggregation the Exporter's selector chose for k.
func (e *Exporter) Aggregation(k fastmeter.InstrumentKind) fastmeter.Aggregation {
	return e.cfg.aggregation(k)
}

// Export encodes rm and sends it, retrying retryable failures until the
// timeout (WithTimeout), the retry budget or ctx ends. Metrics that cannot be
// encoded (an unknown aggregation or temporality) are left out and named in
// the returned error; the others are still sent. A partial success is
// reported through otel.Handle and is not an error. rm is not retained.
func (e *Exporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if e.stopped.Load() {
		return ErrShutdown
	}
	select {
	case e.busy <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-e.busy }()
	if e.stopped.Load() {
		return ErrShutdown
	}
	// Ended by the timeout, ctx or Shutdown (export_context.go).
	ctx = e.clock.begin(ctx, e.cfg.timeout)
	defer e.clock.finish()
	cancel := e.clock.abortFunc
	if e.abortable(cancel) {
		defer e.abortable(nil)
	} else {
		cancel() // Shutdown began as this Export did
	}

	op := e.obs.start(ctx, rm)
	body, encErr := e.enc.Encode(rm)
	if n := e.enc.Repaired(); n > 0 {
		otel.Handle(fmt.Errorf("%w: %d strings sent with U+FFFD for their invalid bytes", ErrInvalidUTF8, n))
	}
	var partial transport.PartialSuccess
	sendErr := e.retry.Do(ctx, func(ctx context.Context) error {
		var err error
		partial, err = e.sender.Send(ctx, body)
		return err
	})
	if e.sender.BodyRetained() {
		e.enc.Abandon()
	}
	if sendErr == nil {
		if err := partial.Err(); err != nil {
			otel.Handle(err)
		}
	}
	e.obs.end(ctx, op, partial, sendErr)
	return errors.Join(encErr, sendErr)
}

// abortable makes cancel the one Shutdown calls (nil: none), and reports
// whether Shutdown has not begun. The flag is read under the lock Shutdown
// takes to call abort after setting it, so either Shutdown sees the cancel
// or the Export sees the flag. (Rather than a context.AfterFunc on a
// shutdown context: that costs two allocations per export.)
func (e *Exporter) abortable(cancel context.CancelFunc) bool {
	e.abortMu.Lock()
	defer e.abortMu.Unlock()
	e.abort = cancel
	return !e.stopped.Load()
}

// ForceFlush does nothing: the Exporter holds no data between exports.
func (e *Exporter) ForceFlush(ctx context.Context) error { return ctx.Err() }

// Shutdown aborts a running export's retries, waits for it to end (or ctx),
// and closes the connection. Later Exports return ErrShutdown.
func (e *Exporter) Shutdown(ctx context.Context) error {
	if !e.stopped.CompareAndSwap(false, true) {
		return ErrShutdown
	}
	e.abortMu.Lock()
	if e.abort != nil {
		e.abort()
	}
	e.abortMu.Unlock()
	select {
	case e.busy <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-e.busy }()
	return e.sender.Close(ctx)
}
