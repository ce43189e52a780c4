package prometheus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.opentelemetry.io/otel"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// MetricsPath is the path a [ServedReader] serves the exporter at.
const MetricsPath = "/metrics"

// readHeaderTimeout bounds how long a client may take to send its request
// headers, so one that never finishes them cannot hold a connection open
// forever.
const readHeaderTimeout = 10 * time.Second

// ServedReader is an [Exporter] together with the HTTP server that serves
// it at [MetricsPath] on its own listener, for a program that wants
// Prometheus to scrape host:port/metrics without running a server of its
// own. Register it with fastmeter.WithReader like an Exporter: the server
// then belongs to the provider, and the provider's Shutdown stops it.
//
// It is what the OTEL_METRICS_EXPORTER=prometheus reader of autoconfig and
// autoexport is, and what a pull reader of an otelconf file builds. The
// embedded Exporter's methods (ServeHTTP, Collector, Gather) are available
// as well.
type ServedReader struct {
	*Exporter

	server *http.Server
	addr   net.Addr      // where server listens
	served chan struct{} // closed when Serve has returned
}

var _ sdkmetric.Reader = (*ServedReader)(nil)

// NewServedReader returns a [ServedReader] whose exporter is built from opts
// (see [New], including its registration with a client_golang registry
// unless [WithoutRegistration] is given) and whose server listens on addr,
// a TCP host:port. With port 0 the system chooses the port; [ServedReader.Addr]
// says which. The server has started when NewServedReader returns.
func NewServedReader(addr string, opts ...Option) (*ServedReader, error) {
	// Listening first leaves nothing to undo when the address is unusable
	// (New may register the exporter's collector with a registry).
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("fastmeter/prometheus: listen on %s: %w", addr, err)
	}
	exp, err := New(opts...)
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	return Serve(exp, l)
}

// Serve starts serving exp at [MetricsPath] on l and returns the reader to
// register with the provider in place of exp. The reader owns l from then
// on: its Shutdown closes it. It is [NewServedReader] for a caller that
// builds the exporter and opens the listener itself (to name the error its
// own way, or to serve on a listener it was handed). A failure of the
// server after it has started (rare: the listener breaking) cannot be
// returned and goes to otel.Handle.
func Serve(exp *Exporter, l net.Listener) (*ServedReader, error) {
	if exp == nil || l == nil {
		return nil, errors.New("fastmeter/prometheus: Serve needs an Exporter and a listener")
	}
	mux := http.NewServeMux()
	mux.Handle(MetricsPath, exp)
	r := &ServedReader{
		Exporter: exp,
		server: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: readHeaderTimeout,
		},
		addr:   l.Addr(),
		served: make(chan struct{}),
	}
	go func() {
		defer close(r.served)
		if err := r.server.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			otel.Handle(fmt.Errorf("fastmeter/prometheus: stopped serving on %s: %w", r.addr, err))
		}
	}()
	return r, nil
}

// Addr returns the address the server listens on: with port 0, the port the
// system chose.
func (r *ServedReader) Addr() net.Addr { return r.addr }

// Shutdown stops accepting scrapes and lets running ones finish within ctx;
// if ctx ends first, it cuts them. It then shuts the exporter down. It
// returns by ctx's deadline, and only once the server has stopped, so no
// scrape sees an exporter already shut down.
func (r *ServedReader) Shutdown(ctx context.Context) error {
	err := r.server.Shutdown(ctx)
	if err != nil {
		// Deadline reached with scrapes still running: cut them.
		err = errors.Join(err, r.server.Close())
	}
	<-r.served
	return errors.Join(err, r.Exporter.Shutdown(ctx))
}
