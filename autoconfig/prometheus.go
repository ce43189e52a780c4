package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/prometheus"
)

// Where the prometheus exporter listens by default, as in the other
// OpenTelemetry SDKs.
const (
	defaultPrometheusHost = "localhost"
	defaultPrometheusPort = 9464
	prometheusPath        = "/metrics"
)

// pullExporter is what the prometheus exporter is: a reader the provider
// feeds and the HTTP handler Prometheus scrapes.
type pullExporter interface {
	sdkmetric.Reader
	http.Handler
}

// newPrometheusExporter builds fastmeter's Prometheus exporter. It is not
// registered with client_golang's default registry: the server autoconfig
// starts serves the exporter's own handler, and registering would be a
// process-wide side effect that fails for a second provider. The user's
// options come last and can change that (WithRegisterer).
func newPrometheusExporter(c *config) (pullExporter, error) {
	opts := []prometheus.Option{prometheus.WithoutRegistration()}
	for _, p := range c.producers {
		opts = append(opts, prometheus.WithProducer(p))
	}
	opts = append(opts, c.promOptions...)
	exp, err := prometheus.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("autoconfig: prometheus exporter: %w", err)
	}
	return exp, nil
}

// prometheusAddrFromEnv reads OTEL_EXPORTER_PROMETHEUS_HOST and _PORT.
func prometheusAddrFromEnv() (string, error) {
	host, ok := lookupEnv(envPrometheusHost)
	if !ok {
		host = defaultPrometheusHost
	}
	port := defaultPrometheusPort
	if raw, ok := lookupEnv(envPrometheusPort); ok {
		p, err := strconv.Atoi(raw)
		if err != nil || p < 0 || p > 65535 {
			return "", &EnvError{Name: envPrometheusPort, Value: raw, Reason: "not a port number in 0-65535"}
		}
		port = p
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// servedReader is the prometheus exporter together with the HTTP server
// that exposes it, so that the provider's Shutdown also stops the server.
// Embedding the exporter keeps the reader's unexported methods, which is
// how the provider drives it.
type servedReader struct {
	pullExporter
	server *http.Server
	addr   net.Addr      // where server listens
	served chan struct{} // closed when Serve has returned
}

// servePrometheus starts serving exp at /metrics on l. Serve failures after
// start (rare: the listener breaking) go to warn; they cannot be returned.
func servePrometheus(exp pullExporter, l net.Listener, warn func(error)) *servedReader {
	mux := http.NewServeMux()
	mux.Handle(prometheusPath, exp)
	r := &servedReader{
		pullExporter: exp,
		server: &http.Server{
			Handler: mux,
			// A client that never finishes its headers must not hold a
			// connection open forever.
			ReadHeaderTimeout: 10 * time.Second,
		},
		addr:   l.Addr(),
		served: make(chan struct{}),
	}
	go func() {
		defer close(r.served)
		if err := r.server.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			warn(fmt.Errorf("autoconfig: prometheus exporter stopped serving on %s: %w", l.Addr(), err))
		}
	}()
	return r
}

// Addr returns the address the server listens on: with
// OTEL_EXPORTER_PROMETHEUS_PORT=0 the port the system chose.
func (r *servedReader) Addr() net.Addr { return r.addr }

// Shutdown stops accepting scrapes, lets running ones finish within ctx,
// then shuts the exporter down. It returns by ctx's deadline.
func (r *servedReader) Shutdown(ctx context.Context) error {
	err := r.server.Shutdown(ctx)
	if err != nil {
		// Deadline reached with scrapes still running: cut them.
		err = errors.Join(err, r.server.Close())
	}
	<-r.served
	return errors.Join(err, r.pullExporter.Shutdown(ctx))
}
