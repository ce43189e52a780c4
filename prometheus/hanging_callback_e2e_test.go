package prometheus

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/goroutines"
)

// TestRealPrometheusWithAHangingCallback (issue 12 item 5): the real
// Prometheus (scrape_interval and scrape_timeout 1 s, so it sends a 1 s
// X-Prometheus-Scrape-Timeout-Seconds) scrapes an exporter one of whose
// callbacks blocks forever. Every scrape succeeds (the target stays up), the
// other metrics keep arriving and keep changing, the stuck gauge never
// appears, and the process's goroutine count does not grow with the
// scrapes. Before the fix every scrape timed out (target down) and left a
// handler goroutine behind.
func TestRealPrometheusWithAHangingCallback(t *testing.T) {
	bin := prometheusBinary(t)
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {}))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	exp, err := New(WithoutRegistration())
	must(t, err)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })

	// Serve through a handler that counts completed scrapes.
	var scrapes atomic.Int64
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		exp.ServeHTTP(w, r)
		scrapes.Add(1)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	m := mp.Meter("hanging")
	started := withHangingCallback(t, m) // released before srv.Close (cleanups run last-in first)
	progress, err := m.Int64Counter("progress")
	must(t, err)

	prom := startPrometheus(t, bin, []string{l.Addr().String()})
	<-started
	prom.waitTargetUp(t)
	prom.eventually(t, `requests_total`, 42, 0)
	prom.eventually(t, `before`, 5, 0)
	prom.eventually(t, `after`, 9, 0)

	waitScrapes := func(n int64) {
		t.Helper()
		target := scrapes.Load() + n
		for deadline := time.Now().Add(60 * time.Second); scrapes.Load() < target; {
			if time.Now().After(deadline) {
				t.Fatalf("only %d scrapes, want %d", scrapes.Load(), target)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitScrapes(1)
	before := goroutines.Settled(0)
	for i := int64(1); i <= 5; i++ {
		progress.Add(context.Background(), 1)
		prom.eventually(t, `progress_total`, float64(i), 0)
	}
	waitScrapes(3)
	if after := goroutines.Settled(before); after > before {
		t.Fatalf("goroutines grew from %d to %d over the scrapes", before, after)
	}
	if got, err := prom.querySeries(`hang`); err != nil || len(got) != 0 {
		t.Fatalf("the stuck callback's gauge reached Prometheus: %v (err %v)", got, err)
	}
	prom.eventually(t, `up{job="fastmeter"}`, 1, 0)
	t.Logf("%d scrapes served; goroutines %d", scrapes.Load(), before)
}
