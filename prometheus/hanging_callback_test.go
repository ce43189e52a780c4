package prometheus

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"

	"github.com/fastmeter/fastmeter/internal/goroutines"
)

// withHangingCallback registers, on mp's meter "hanging", a counter
// "requests" (42), a gauge "before" (5), a gauge "hang" whose callback
// blocks until the test ends, ignoring its context, and a gauge "after"
// (9). It returns a channel that receives once the hanging callback runs.
func withHangingCallback(t *testing.T, m metric.Meter) <-chan struct{} {
	t.Helper()
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	t.Cleanup(func() { close(release) })
	c, err := m.Int64Counter("requests")
	must(t, err)
	c.Add(context.Background(), 42)
	_, err = m.Int64ObservableGauge("before", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(5)
		return nil
	}))
	must(t, err)
	_, err = m.Int64ObservableGauge("hang", metric.WithInt64Callback(func(context.Context, metric.Int64Observer) error {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		return nil
	}))
	must(t, err)
	_, err = m.Int64ObservableGauge("after", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(9)
		return nil
	}))
	must(t, err)
	return started
}

// Issue 12 item 5: a callback that never returns costs its own metric,
// never the scrape. Every scrape (with Prometheus' timeout header) answers
// with the other metrics, and scraping leaves no goroutine behind: only the
// one stuck in the callback remains. Before the fix every scrape hung until
// the scraper gave up, leaking its handler goroutine.
func TestScrapesSurviveAHangingCallback(t *testing.T) {
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {}))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	exp, mp := newTestExporter(t)
	srv := httptest.NewServer(exp)
	t.Cleanup(srv.Close)
	withHangingCallback(t, mp.Meter("hanging")) // its release runs before srv.Close
	client := &http.Client{Timeout: 10 * time.Second}

	scrape := func(i int) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		must(t, err)
		req.Header.Set(scrapeTimeoutHeader, "0.2")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("scrape %d: %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		must(t, err)
		text := string(body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(text, "requests_total") || !strings.Contains(text, "before ") {
			t.Fatalf("scrape %d: status %d, body:\n%s", i, resp.StatusCode, text)
		}
		if strings.Contains(text, "\nhang ") {
			t.Fatalf("scrape %d served the hanging callback's gauge:\n%s", i, text)
		}
		if i > 0 && !strings.Contains(text, "after ") {
			t.Fatalf("scrape %d: the callback after the skipped one did not run:\n%s", i, text)
		}
	}
	scrape(0) // abandons the callback: one goroutine stays in it
	client.CloseIdleConnections()
	before := goroutines.Settled(0)
	for i := 1; i <= 200; i++ {
		scrape(i)
	}
	client.CloseIdleConnections()
	if after := goroutines.Settled(before); after > before {
		t.Fatalf("goroutines grew from %d to %d over 200 scrapes", before, after)
	}
}
