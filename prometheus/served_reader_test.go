package prometheus

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// getMetrics GETs path from a ServedReader's address; the error is the
// transport's (the server not answering).
func getMetrics(client *http.Client, addr net.Addr, path string) (int, string, error) {
	resp, err := client.Get("http://" + addr.String() + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// A ServedReader serves its provider at /metrics on the address it was
// given, only there, and stops serving with the provider's Shutdown.
func TestServedReaderServesUntilShutdown(t *testing.T) {
	r, err := NewServedReader("127.0.0.1:0", WithoutRegistration())
	if err != nil {
		t.Fatal(err)
	}
	if port := r.Addr().(*net.TCPAddr).Port; port == 0 {
		t.Fatalf("Addr() = %v, want the port the system chose", r.Addr())
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	requests, _ := mp.Meter("served").Int64Counter("requests")
	requests.Add(context.Background(), 3, metric.WithAttributes(attribute.String("route", "/a")))

	client := &http.Client{Timeout: 10 * time.Second}
	status, body, err := getMetrics(client, r.Addr(), MetricsPath)
	if err != nil || status != http.StatusOK {
		t.Fatalf("scrape: %d, %v: %s", status, err, body)
	}
	if want := `requests_total{otel_scope_name="served",route="/a"} 3`; !strings.Contains(body, want) {
		t.Errorf("scrape lacks %s:\n%s", want, body)
	}
	if status, _, err := getMetrics(client, r.Addr(), "/other"); err != nil || status != http.StatusNotFound {
		t.Errorf("GET /other: %d, %v; want 404", status, err)
	}

	if err := mp.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, _, err := getMetrics(client, r.Addr(), MetricsPath); err == nil {
		t.Error("the server still answers after the provider's Shutdown")
	}
}

// Serve takes over a listener the caller opened, and the reader's address
// is that listener's.
func TestServeOnListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := newTestExporter(t)
	r, err := Serve(exp, l)
	if err != nil {
		t.Fatal(err)
	}
	if r.Addr().String() != l.Addr().String() {
		t.Errorf("Addr() = %v, want the listener's %v", r.Addr(), l.Addr())
	}
	client := &http.Client{Timeout: 10 * time.Second}
	if status, body, err := getMetrics(client, r.Addr(), MetricsPath); err != nil || status != http.StatusOK || !strings.Contains(body, "target_info") {
		t.Errorf("scrape: %d, %v: %s", status, err, body)
	}
	if err := r.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	// The listener was the reader's to close.
	if _, err := l.Accept(); err == nil {
		t.Error("the listener still accepts after Shutdown")
	}
}

// Unusable arguments are errors, not panics, and a failed NewServedReader
// leaves nothing open.
func TestServedReaderBadInput(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	exp, _ := newTestExporter(t)
	if _, err := Serve(nil, l); err == nil {
		t.Error("Serve(nil, l): no error")
	}
	if _, err := Serve(exp, nil); err == nil {
		t.Error("Serve(exp, nil): no error")
	}

	// The address is taken: the error names it.
	taken := l.Addr().String()
	if _, err := NewServedReader(taken, WithoutRegistration()); err == nil || !strings.Contains(err.Error(), taken) {
		t.Errorf("NewServedReader(%s) on a taken port: %v; want an error naming the address", taken, err)
	}
	if _, err := NewServedReader("no-port", WithoutRegistration()); err == nil {
		t.Error("NewServedReader(no-port): no error")
	}

	// The exporter cannot be built: the listener is closed again, so the
	// address is free.
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()
	if _, err := NewServedReader(addr, WithoutRegistration(), WithNamespace("__")); err == nil || !strings.Contains(err.Error(), "namespace") {
		t.Errorf("NewServedReader with an invalid namespace: %v; want New's error", err)
	}
	again, err := net.Listen("tcp", addr)
	if err != nil {
		t.Errorf("the failed NewServedReader left %s open: %v", addr, err)
	} else {
		again.Close()
	}
}

// Scrapes running while the provider shuts down either get the complete,
// exact data or no answer: the server stops before the exporter does, so no
// scrape sees an exporter already shut down (an HTTP 500). Shutdown returns
// with the server stopped.
func TestServedReaderShutdownDuringScrapes(t *testing.T) {
	const writers, addsPerWriter, scrapers = 4, 500, 4
	r, err := NewServedReader("127.0.0.1:0", WithoutRegistration())
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	counter, _ := mp.Meter("served").Int64Counter("adds")

	client := &http.Client{Timeout: 10 * time.Second}
	var scrapeWG, writeWG sync.WaitGroup
	stop := make(chan struct{})
	var mu sync.Mutex
	var failures []string
	var fullScrapes int
	want := fmt.Sprintf(`adds_total{otel_scope_name="served"} %d`, writers*addsPerWriter)
	writersDone := make(chan struct{})
	for range scrapers {
		scrapeWG.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				status, body, err := getMetrics(client, r.Addr(), MetricsPath)
				if err != nil {
					continue // the server has stopped (or is stopping)
				}
				mu.Lock()
				if status != http.StatusOK {
					failures = append(failures, fmt.Sprintf("%d: %s", status, body))
				}
				select {
				case <-writersDone:
					// Every write has happened before this scrape: it
					// must have them all.
					if status == http.StatusOK {
						if !strings.Contains(body, want) {
							failures = append(failures, "after the writes, a scrape without "+want+":\n"+body)
						}
						fullScrapes++
					}
				default:
				}
				mu.Unlock()
			}
		})
	}
	for range writers {
		writeWG.Go(func() {
			for range addsPerWriter {
				counter.Add(context.Background(), 1)
			}
		})
	}
	writeWG.Wait()
	close(writersDone)
	// Wait for scrapes with every write in them before shutting down.
	for {
		mu.Lock()
		n := fullScrapes
		mu.Unlock()
		if n >= scrapers {
			break
		}
		time.Sleep(time.Millisecond)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := mp.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if _, _, err := getMetrics(client, r.Addr(), MetricsPath); err == nil {
		t.Error("the server answers after Shutdown")
	}
	close(stop)
	scrapeWG.Wait()
	for _, f := range failures {
		t.Error(f)
	}
}
