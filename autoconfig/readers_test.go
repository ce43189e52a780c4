package autoconfig

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// fixedProducer is an external source with one gauge.
type fixedProducer struct{ name string }

func (p fixedProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	return []metricdata.ScopeMetrics{{
		Scope: instrumentation.Scope{Name: "producer"},
		Metrics: []metricdata.Metrics{{
			Name: p.name,
			Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{{Value: 42}}},
		}},
	}}, nil
}

// NewReader("otlp") is the reader NewMeterProvider builds: it exports to
// the endpoint of the environment, with the producers of WithProducer.
func TestNewReaderOTLP(t *testing.T) {
	cleanEnv(t)
	recv := newReceiver()
	srv := startHTTPReceiver(t, recv)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)

	r, err := NewReader(context.Background(), "OTLP", WithProducer(fixedProducer{"external"}), WithProducer(nil))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	recordAndFlush(t, mp, "orders")
	if err := mp.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	got := recv.last(t)
	if m := got.metric("orders"); m == nil || m.GetSum().GetDataPoints()[0].GetAsInt() != 5 {
		t.Errorf("orders = %v, want a sum of 5", m)
	}
	if m := got.metric("external"); m == nil || m.GetGauge().GetDataPoints()[0].GetAsInt() != 42 {
		t.Errorf("the producer's gauge = %v, want 42", m)
	}
}

// NewReader validates the variables of its exporter, all at once, and
// ignores the provider's variables.
func TestNewReaderValidation(t *testing.T) {
	cleanEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift")
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "soon")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "not-a-pair")    // the provider's business
	t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", "sometimes") // likewise
	t.Setenv("OTEL_METRICS_EXPORTER", "bogus")            // likewise: the name is the argument

	_, err := NewReader(context.Background(), "otlp")
	var names []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var envErr *EnvError
		if !errors.As(e, &envErr) {
			t.Fatalf("not an *EnvError: %v", e)
		}
		names = append(names, envErr.Name)
	}
	if got, want := strings.Join(names, ","), "OTEL_METRIC_EXPORT_INTERVAL,OTEL_EXPORTER_OTLP_PROTOCOL"; got != want {
		t.Errorf("errors name %s, want %s (err: %v)", got, want, err)
	}

	for _, name := range []string{"none", "", "zipkin"} {
		if _, err := NewReader(context.Background(), name); err == nil ||
			!strings.Contains(err.Error(), "accepted exporters: otlp, console, prometheus") {
			t.Errorf("NewReader(%q) = %v, want an error listing the exporters", name, err)
		}
	}
}

// NewReader("prometheus") serves on the environment's address, reports it
// through Addr, serves the producers' data and stops serving on Shutdown.
func TestNewReaderPrometheus(t *testing.T) {
	cleanEnv(t)
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1")
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "0")

	r, err := NewReader(context.Background(), "prometheus", WithProducer(fixedProducer{"external"}))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	addr := r.(interface{ Addr() net.Addr }).Addr().String()
	if strings.HasSuffix(addr, ":0") {
		t.Fatalf("Addr = %s, want the port the system chose", addr)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	counter, _ := mp.Meter("test").Int64Counter("orders")
	counter.Add(context.Background(), 3)
	body := scrape(t, addr)
	for _, want := range []string{"orders_total{", "external{"} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %q:\n%s", want, body)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := mp.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after Shutdown", addr)
	}
}

// A listener handed to a NewReader that fails is closed, as promised.
func TestNewReaderClosesListenerOnError(t *testing.T) {
	cleanEnv(t)
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "-1")
	for _, exporter := range []string{"console", "nonsense"} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewReader(context.Background(), exporter, WithPrometheusListener(l)); err == nil {
			t.Fatalf("NewReader(%q) succeeded", exporter)
		}
		if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("NewReader(%q): listener not closed: Accept = %v", exporter, err)
		}
	}
}
