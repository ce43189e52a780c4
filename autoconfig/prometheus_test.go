package autoconfig

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/fastmeter/fastmeter/internal/testenv"
	"github.com/fastmeter/fastmeter/prometheus"
)

// scrape GETs /metrics from addr and returns the body (testenv.Scrape).
func scrape(t *testing.T, addr string) string { return testenv.Scrape(t, addr) }

// freePort returns a port that was free a moment ago on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

// OTEL_METRICS_EXPORTER=prometheus serves /metrics on
// OTEL_EXPORTER_PROMETHEUS_HOST:PORT until the provider shuts down.
func TestPrometheusServesOnHostAndPort(t *testing.T) {
	cleanEnv(t)
	port := strconv.Itoa(freePort(t))
	t.Setenv(envMetricsExporter, "prometheus")
	t.Setenv(envPrometheusHost, "127.0.0.1")
	t.Setenv(envPrometheusPort, port)
	t.Setenv(envServiceName, "shop")
	mp, err := NewMeterProvider(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := mp.Meter("t").Int64Counter("orders")
	c.Add(context.Background(), 7)

	addr := "127.0.0.1:" + port
	body := scrape(t, addr)
	if !strings.Contains(body, "orders_total") || !strings.Contains(body, "} 7") && !strings.Contains(body, " 7\n") {
		t.Errorf("scrape lacks orders_total 7:\n%s", body)
	}
	if !strings.Contains(body, `service_name="shop"`) {
		t.Errorf("scrape lacks the resource (target_info with service_name=shop):\n%s", body)
	}

	if err := shutdownBy(t, mp, 5*time.Second); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if _, err := (&http.Client{Timeout: 2 * time.Second}).Get("http://" + addr + "/metrics"); err == nil {
		t.Error("the server still answers after Shutdown")
	}
}

// WithPrometheusListener serves on the caller's listener, and
// WithPrometheusOptions reach the exporter.
func TestPrometheusListenerAndOptions(t *testing.T) {
	cleanEnv(t)
	t.Setenv(envPrometheusPort, "not read") // the listener replaces host and port
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mp := newProvider(t, WithExporters("prometheus"), WithPrometheusListener(l),
		WithPrometheusOptions(prometheus.WithoutTargetInfo()))
	c, _ := mp.Meter("t").Float64Counter("payload.sent", metric.WithUnit("By"))
	c.Add(context.Background(), 1.5)
	body := scrape(t, l.Addr().String())
	if !strings.Contains(body, "payload_sent_bytes_total") {
		t.Errorf("scrape lacks payload_sent_bytes_total:\n%s", body)
	}
	if strings.Contains(body, "target_info") {
		t.Errorf("WithoutTargetInfo did not reach the exporter:\n%s", body)
	}
}

// Two providers with the prometheus exporter can coexist: autoconfig does
// not register with client_golang's default registry.
func TestTwoPrometheusProviders(t *testing.T) {
	cleanEnv(t)
	for i := 0; i < 2; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		mp := newProvider(t, WithExporters("prometheus"), WithPrometheusListener(l))
		c, _ := mp.Meter("t").Int64Counter("twice")
		c.Add(context.Background(), 1)
		if body := scrape(t, l.Addr().String()); !strings.Contains(body, "twice_total") {
			t.Errorf("provider %d: scrape lacks twice_total", i)
		}
	}
}

// A taken port is an error naming the address and the variables, and
// nothing keeps running: the otlp exporter built before it is shut down.
func TestPrometheusPortInUse(t *testing.T) {
	cleanEnv(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	rcv := newReceiver()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
	t.Setenv(envMetricsExporter, "otlp,prometheus")
	t.Setenv(envPrometheusHost, "127.0.0.1")
	t.Setenv(envPrometheusPort, strconv.Itoa(taken.Addr().(*net.TCPAddr).Port))
	mp, err := NewMeterProvider(context.Background())
	if err == nil {
		_ = mp.Shutdown(context.Background())
		t.Fatal("NewMeterProvider succeeded on a taken port")
	}
	for _, want := range []string{taken.Addr().String(), envPrometheusHost, envPrometheusPort, "address already in use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// The provider owns a listener given with WithPrometheusListener: it is
// closed when nothing will serve it (prometheus not configured, or the
// call failing), with a warning in the first case.
func TestUnusedPrometheusListenerIsClosed(t *testing.T) {
	for name, opts := range map[string][]Option{
		"not configured": {WithExporters("none")},
		"call fails":     {WithExporters("prometheus"), WithInterval(0)},
		"disabled":       {WithDisabled(true)},
	} {
		t.Run(name, func(t *testing.T) {
			cleanEnv(t)
			log := captureErrors(t)
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			mp, _ := NewMeterProvider(context.Background(), append(opts, WithPrometheusListener(l))...)
			if mp != nil {
				defer mp.Shutdown(context.Background())
			}
			if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Accept on the listener: %v, want net.ErrClosed", err)
			}
			if name == "not configured" && !strings.Contains(log.text(), "WithPrometheusListener") {
				t.Errorf("no warning about the unused listener: %q", log.text())
			}
		})
	}
}

// Shutdown while scrapes are running returns by its deadline; every
// scrape either completes with the exact total or fails cleanly (never a
// partial or wrong value), and the server is gone afterwards.
func TestPrometheusShutdownDuringScrapes(t *testing.T) {
	cleanEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mp, err := NewMeterProvider(context.Background(), WithExporters("prometheus"), WithPrometheusListener(l))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := mp.Meter("t").Int64Counter("hits")
	const perWriter, writers = 500, 4
	var writing sync.WaitGroup
	for w := 0; w < writers; w++ {
		writing.Add(1)
		go func() {
			defer writing.Done()
			for i := 0; i < perWriter; i++ {
				c.Add(context.Background(), 1)
			}
		}()
	}
	writing.Wait()

	client := &http.Client{Timeout: 5 * time.Second}
	var scraping sync.WaitGroup
	var ok atomic.Int64
	stop := make(chan struct{})
	for s := 0; s < 4; s++ {
		scraping.Add(1)
		go func() {
			defer scraping.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get("http://" + l.Addr().String() + "/metrics")
				if err != nil {
					continue // the server is going away
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					continue
				}
				if !strings.Contains(string(body), `hits_total{otel_scope_name="t"} 2000`) {
					t.Errorf("a scrape returned a wrong total:\n%s", body)
					return
				}
				ok.Add(1)
			}
		}()
	}
	for ok.Load() < 5 {
		time.Sleep(time.Millisecond)
	}
	if err := shutdownBy(t, mp, 2*time.Second); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	close(stop)
	scraping.Wait()
	if _, err := client.Get("http://" + l.Addr().String() + "/metrics"); err == nil {
		t.Error("the server answers after Shutdown")
	}
}
