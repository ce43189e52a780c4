package otelconf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/fastmeter/fastmeter/prometheus"
)

// servedExporter is the Prometheus exporter together with the HTTP server
// exposing it, so the provider's Shutdown, which shuts readers down, also
// stops the server. Embedding keeps the reader's unexported methods, which
// is how the provider drives it. (autoconfig has the same few lines,
// unexported; a shared helper would need an exported function there.)
type servedExporter struct {
	*prometheus.Exporter
	server *http.Server
	served chan struct{} // closed when Serve has returned
}

// servePrometheus serves exp at /metrics on l until Shutdown.
func servePrometheus(exp *prometheus.Exporter, l net.Listener) *servedExporter {
	mux := http.NewServeMux()
	mux.Handle("/metrics", exp)
	s := &servedExporter{
		Exporter: exp,
		server: &http.Server{
			Handler: mux,
			// A client that never finishes its headers must not hold a
			// connection forever.
			ReadHeaderTimeout: 10 * time.Second,
		},
		served: make(chan struct{}),
	}
	go func() {
		defer close(s.served)
		if err := s.server.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			otel.Handle(fmt.Errorf("otelconf: prometheus exporter stopped serving on %s: %w", l.Addr(), err))
		}
	}()
	return s
}

// Shutdown stops accepting scrapes, lets running ones finish within ctx,
// then shuts the exporter down.
func (s *servedExporter) Shutdown(ctx context.Context) error {
	err := s.server.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.server.Close()) // deadline: cut running scrapes
	}
	<-s.served
	return errors.Join(err, s.Exporter.Shutdown(ctx))
}
