package metricz

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sdkmetric "github.com/fastmeter/fastmeter"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"

	"github.com/fastmeter/fastmeter/internal/goroutines"
)

// A callback that never returns (ignoring its context) costs its own
// instrument, never the page: collections are bounded by the collect
// timeout even when the caller's context has no deadline, the page and the
// JSON show the other metrics, and many requests and collections leave no
// goroutine behind (only the one stuck in the callback remains). Before
// WithCollectTimeout, Refresh(context.Background()) waited for the callback
// forever.
func TestHangingCallbackCostsOnlyItsInstrument(t *testing.T) {
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {})) // the abandoned callback is reported; expected
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	const timeout = 300 * time.Millisecond
	h := New(WithInterval(time.Hour), WithCollectTimeout(timeout)) // the test drives the collections
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h))
	release := make(chan struct{})
	t.Cleanup(func() {
		close(release)
		_ = mp.Shutdown(context.Background())
	})
	m := mp.Meter("hanging")
	c, _ := m.Int64Counter("requests")
	c.Add(context.Background(), 42)
	_, _ = m.Int64ObservableGauge("before", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(5)
		return nil
	}))
	_, _ = m.Int64ObservableGauge("hang", metric.WithInt64Callback(func(context.Context, metric.Int64Observer) error {
		<-release
		return nil
	}))
	_, _ = m.Int64ObservableGauge("after", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(9)
		return nil
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client := &http.Client{Timeout: 10 * time.Second}

	// refresh collects with a context that has no deadline, as an HTTP
	// request's; only the collect timeout can end it.
	refresh := func() {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- h.Refresh(context.Background()) }()
		select {
		case <-done: // an error names the abandoned or skipped callback
		case <-time.After(timeout + 10*time.Second): // generous: a loaded machine, never a speed claim
			t.Fatalf("Refresh with a hanging callback did not return within its %v collect timeout", timeout)
		}
	}
	check := func(i int) {
		t.Helper()
		resp, err := client.Get(srv.URL + "?format=json")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		var snap snapshotJSON
		err = json.NewDecoder(resp.Body).Decode(&snap)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d %v", i, resp.StatusCode, err)
		}
		if got := snap.instrument(t, "requests"); *got.Series[0].Value != 42 {
			t.Fatalf("request %d: requests = %v", i, *got.Series[0].Value)
		}
		page, err := client.Get(srv.URL) // the HTML page too
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		_ = page.Body.Close()
		if page.StatusCode != http.StatusOK {
			t.Fatalf("page %d: %d", i, page.StatusCode)
		}
		if got := snap.instrument(t, "before"); *got.Series[0].Value != 5 {
			t.Fatalf("request %d: before = %v", i, *got.Series[0].Value)
		}
		// The first collection abandons the hanging callback and does not
		// start the ones after it (no time left for callbacks); later
		// collections skip the stuck one and run them.
		if i == 0 {
			return
		}
		if got := snap.instrument(t, "after"); *got.Series[0].Value != 9 {
			t.Fatalf("request %d: after = %v", i, *got.Series[0].Value)
		}
	}

	refresh() // abandons the callback: its goroutine stays, stuck
	check(0)
	before := goroutines.Settled(0)
	for i := 1; i <= 200; i++ {
		refresh()
		check(i)
	}
	client.CloseIdleConnections()
	if after := goroutines.Settled(before); after > before {
		t.Fatalf("goroutines grew from %d to %d over 200 collections and requests", before, after)
	}
}

func TestCollectTimeoutOption(t *testing.T) {
	prev := otel.GetErrorHandler()
	var reported int
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) { reported++ }))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	if cfg := newConfig(nil); cfg.collectTimeout != DefaultCollectTimeout {
		t.Errorf("default collect timeout %v, want %v", cfg.collectTimeout, DefaultCollectTimeout)
	}
	if cfg := newConfig([]Option{WithCollectTimeout(-time.Second)}); cfg.collectTimeout != DefaultCollectTimeout || reported != 1 {
		t.Errorf("bad value: %v (reported %d)", cfg.collectTimeout, reported)
	}
	if cfg := newConfig([]Option{WithCollectTimeout(time.Second)}); cfg.collectTimeout != time.Second {
		t.Errorf("WithCollectTimeout(1s): %v", cfg.collectTimeout)
	}
}
