package autoexport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

func TestNoneReader(t *testing.T) {
	cleanEnv(t)
	t.Setenv(envMetricsExporter, "none")
	t.Setenv(envMetricsProducers, "no-such-producer") // none reads no producer
	r, err := NewMetricReader(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !IsNoneMetricReader(r) {
		t.Errorf("IsNoneMetricReader(%T) = false for OTEL_METRICS_EXPORTER=none", r)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	if err := mp.Shutdown(shutdownCtx(t)); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	for _, other := range []sdkmetric.Reader{sdkmetric.NewManualReader(), nil} {
		if IsNoneMetricReader(other) {
			t.Errorf("IsNoneMetricReader(%T) = true", other)
		}
	}
}

// Unset, the exporter is otlp unless a fallback is given; a set variable
// wins over the fallback.
func TestDefaultAndFallback(t *testing.T) {
	cleanEnv(t)
	r, err := NewMetricReader(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.(*sdkmetric.PeriodicReader); !ok {
		t.Errorf("default reader is %T, want the otlp *PeriodicReader", r)
	}
	_ = r.Shutdown(shutdownCtx(t))

	var calls atomic.Int32
	fallback := WithFallbackMetricReader(func(context.Context) (sdkmetric.Reader, error) {
		calls.Add(1)
		return sdkmetric.NewManualReader(), nil
	})
	t.Setenv(envMetricsExporter, "  ") // white space only counts as unset
	r, err = NewMetricReader(context.Background(), nil, WithFallbackMetricReader(nil), fallback)
	if _, ok := r.(*sdkmetric.ManualReader); err != nil || !ok || calls.Load() != 1 {
		t.Errorf("unset: NewMetricReader = %T, %v after %d fallback calls; want the fallback's reader", r, err, calls.Load())
	}
	t.Setenv(envMetricsExporter, "none")
	r, err = NewMetricReader(context.Background(), fallback)
	if err != nil || !IsNoneMetricReader(r) || calls.Load() != 1 {
		t.Errorf("set: NewMetricReader = %T, %v; fallback called %d times, want the none reader", r, err, calls.Load())
	}

	failing := WithFallbackMetricReader(func(context.Context) (sdkmetric.Reader, error) {
		return nil, errors.New("no collector today")
	})
	t.Setenv(envMetricsExporter, "")
	if _, err := NewMetricReader(context.Background(), failing); err == nil || err.Error() != "no collector today" {
		t.Errorf("failing fallback: err = %v", err)
	}
	empty := WithFallbackMetricReader(func(context.Context) (sdkmetric.Reader, error) { return nil, nil })
	if _, err := NewMetricReader(context.Background(), empty); err == nil || !strings.Contains(err.Error(), "returned no reader") {
		t.Errorf("nil fallback reader: err = %v", err)
	}
}

func TestExporterNames(t *testing.T) {
	cleanEnv(t)
	for _, value := range []string{"OTLP", " console ", "None", "otlp,"} {
		t.Setenv(envMetricsExporter, value)
		r, err := NewMetricReader(context.Background())
		if err != nil {
			t.Errorf("OTEL_METRICS_EXPORTER=%q: %v", value, err)
			continue
		}
		_ = r.Shutdown(shutdownCtx(t))
	}
	for value, reason := range map[string]string{
		"kafka":        `unknown exporter "kafka"; accepted: console, none, otlp, prometheus`,
		"otlp,console": "names 2 exporters but NewMetricReader returns one reader",
		" , ":          "names no exporter",
	} {
		t.Setenv(envMetricsExporter, value)
		_, err := NewMetricReader(context.Background())
		var envErr *EnvError
		if !errors.As(err, &envErr) || envErr.Name != envMetricsExporter || !strings.Contains(envErr.Reason, reason) {
			t.Errorf("OTEL_METRICS_EXPORTER=%q: err = %v, want an EnvError saying %q", value, err, reason)
		}
	}
}

// The exporters' own variables are validated (by autoconfig) and every
// mistake is reported at once.
func TestExporterSettingsAreValidated(t *testing.T) {
	cleanEnv(t)
	t.Setenv(envMetricsExporter, "otlp")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift")
	t.Setenv("OTEL_METRIC_EXPORT_TIMEOUT", "0")
	_, err := NewMetricReader(context.Background())
	for _, name := range []string{"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_METRIC_EXPORT_TIMEOUT"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("err = %v, want it to name %s", err, name)
		}
	}

	cleanEnv(t)
	t.Setenv(envMetricsExporter, "prometheus")
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "invalid-port")
	var envErr *EnvError
	if _, err := NewMetricReader(context.Background()); !errors.As(err, &envErr) || envErr.Name != "OTEL_EXPORTER_PROMETHEUS_PORT" {
		t.Errorf("bad port: err = %v, want an EnvError for OTEL_EXPORTER_PROMETHEUS_PORT", err)
	}
}

func TestRegisterMetricReader(t *testing.T) {
	cleanEnv(t)
	var built atomic.Int32
	RegisterMetricReader("test-Manual", func(context.Context) (sdkmetric.Reader, error) {
		built.Add(1)
		return sdkmetric.NewManualReader(), nil
	})
	// A factory may build another reader through NewMetricReader.
	RegisterMetricReader("test-nested", func(ctx context.Context) (sdkmetric.Reader, error) {
		t.Setenv(envMetricsExporter, "none")
		return NewMetricReader(ctx)
	})
	RegisterMetricReader("test-nil", func(context.Context) (sdkmetric.Reader, error) { return nil, nil })

	for value, check := range map[string]func(sdkmetric.Reader, error) bool{
		"test-Manual": func(r sdkmetric.Reader, err error) bool {
			_, ok := r.(*sdkmetric.ManualReader)
			return ok && err == nil
		},
		"TEST-MANUAL": func(r sdkmetric.Reader, err error) bool {
			_, ok := r.(*sdkmetric.ManualReader)
			return ok && err == nil
		},
		"test-nested": func(r sdkmetric.Reader, err error) bool { return IsNoneMetricReader(r) && err == nil },
		"test-nil": func(r sdkmetric.Reader, err error) bool {
			return r == nil && err != nil && strings.Contains(err.Error(), `exporter "test-nil" returned no reader`)
		},
	} {
		t.Setenv(envMetricsExporter, value)
		if r, err := NewMetricReader(context.Background()); !check(r, err) {
			t.Errorf("OTEL_METRICS_EXPORTER=%q: got %T, %v", value, r, err)
		}
	}
	if built.Load() != 2 {
		t.Errorf("the factory ran %d times, want once per NewMetricReader (2)", built.Load())
	}

	for name, factory := range map[string]func(context.Context) (sdkmetric.Reader, error){
		"otlp":        func(context.Context) (sdkmetric.Reader, error) { return nil, nil },
		"test-Manual": func(context.Context) (sdkmetric.Reader, error) { return nil, nil },
		"":            func(context.Context) (sdkmetric.Reader, error) { return nil, nil },
		"test-nilfn":  nil,
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterMetricReader(%q) did not panic", name)
				}
			}()
			RegisterMetricReader(name, factory)
		}()
	}
}

// Registering, looking up and building concurrently is safe, and every
// registration takes effect exactly once.
func TestRegistryConcurrency(t *testing.T) {
	cleanEnv(t)
	t.Setenv(envMetricsExporter, "none")
	reg := newRegistry[int]("test")
	const goroutines, perGoroutine = 8, 50
	var wg sync.WaitGroup
	var failures, found atomic.Int32
	for g := range goroutines {
		wg.Add(3)
		go func() {
			defer wg.Done()
			for i := range perGoroutine {
				reg.register(fmt.Sprintf("n-%d-%d", g, i), func(context.Context) (int, error) { return g, nil })
			}
		}()
		go func() {
			defer wg.Done()
			for i := range perGoroutine {
				if _, f, ok := reg.lookup(fmt.Sprintf("N-%d-%d", (g+1)%goroutines, i)); ok {
					if v, _ := f(context.Background()); v != (g+1)%goroutines {
						failures.Add(1)
					}
					found.Add(1)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range perGoroutine {
				if r, err := NewMetricReader(context.Background()); err != nil || !IsNoneMetricReader(r) {
					failures.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Errorf("%d lookups or NewMetricReader calls failed", failures.Load())
	}
	if n := strings.Count(reg.names(), "n-"); n != goroutines*perGoroutine {
		t.Errorf("%d names registered, want %d", n, goroutines*perGoroutine)
	}
	for g := range goroutines {
		for i := range perGoroutine {
			if _, _, ok := reg.lookup(fmt.Sprintf("n-%d-%d", g, i)); !ok {
				t.Fatalf("n-%d-%d lost", g, i)
			}
		}
	}
	t.Logf("%d lookups raced a registration and found it", found.Load())
}

// gaugeProducer produces one gauge called name.
type gaugeProducer string

func (p gaugeProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	return []metricdata.ScopeMetrics{{
		Scope: instrumentation.Scope{Name: "test-producer"},
		Metrics: []metricdata.Metrics{{
			Name: string(p),
			Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{{Value: 7}}},
		}},
	}}, nil
}

// OTEL_METRICS_PRODUCERS adds each named producer once to the otlp reader;
// "prometheus" is the bridge from the client's default registry.
func TestProducersWithOTLP(t *testing.T) {
	cleanEnv(t)
	RegisterMetricProducer("test-first", func(context.Context) (sdkmetric.Producer, error) { return gaugeProducer("first"), nil })
	RegisterMetricProducer("test-second", func(context.Context) (sdkmetric.Producer, error) { return gaugeProducer("second"), nil })
	requests := prometheus.NewCounter(prometheus.CounterOpts{Name: "test_bridge_requests_total", Help: "requests"})
	prometheus.MustRegister(requests)
	t.Cleanup(func() { prometheus.Unregister(requests) })
	requests.Add(4)

	recv := startOTLPReceiver(t)
	t.Setenv(envMetricsExporter, "otlp")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", recv.URL)
	t.Setenv(envMetricsProducers, "test-first, test-second,TEST-FIRST,prometheus,none")
	r, err := NewMetricReader(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	if err := mp.Shutdown(shutdownCtx(t)); err != nil {
		t.Fatal(err)
	}
	got := recv.metrics()
	for _, name := range []string{"first", "second"} {
		if m := got[name]; m == nil || m.GetGauge().GetDataPoints()[0].GetAsInt() != 7 {
			t.Errorf("producer metric %s = %v, want a gauge of 7", name, m)
		}
	}
	if m := got["test_bridge_requests_total"]; m == nil || m.GetSum().GetDataPoints()[0].GetAsDouble() != 4 {
		t.Errorf("bridged counter = %v, want a sum of 4", m)
	}

	t.Setenv(envMetricsProducers, "test-first,kafka")
	var envErr *EnvError
	if _, err := NewMetricReader(context.Background()); !errors.As(err, &envErr) || envErr.Name != envMetricsProducers ||
		!strings.Contains(envErr.Reason, `unknown producer "kafka"; accepted: none, prometheus, test-`) {
		t.Errorf("unknown producer: err = %v", err)
	}
	RegisterMetricProducer("test-failing", func(context.Context) (sdkmetric.Producer, error) { return nil, errors.New("boom") })
	t.Setenv(envMetricsProducers, "test-failing")
	if _, err := NewMetricReader(context.Background()); err == nil || !strings.Contains(err.Error(), `producer "test-failing": boom`) {
		t.Errorf("failing producer: err = %v", err)
	}
}

// Unset OTEL_METRICS_PRODUCERS uses the fallback producer; the prometheus
// exporter serves user producers but leaves the bridge out.
func TestProducersWithPrometheus(t *testing.T) {
	cleanEnv(t)
	WithFallbackMetricProducer(func(context.Context) (sdkmetric.Producer, error) { return gaugeProducer("fallback"), nil })
	t.Cleanup(func() { WithFallbackMetricProducer(nil) })
	bridged := prometheus.NewCounter(prometheus.CounterOpts{Name: "test_bridge_left_out_total", Help: "bridged"})
	prometheus.MustRegister(bridged)
	t.Cleanup(func() { prometheus.Unregister(bridged) })

	t.Setenv(envMetricsExporter, "prometheus")
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1")
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "0")
	for _, producersEnv := range []string{"", "prometheus"} {
		t.Setenv(envMetricsProducers, producersEnv)
		r, err := NewMetricReader(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
		counter, _ := mp.Meter("test").Int64Counter("orders")
		counter.Add(context.Background(), 2)
		body := scrape(t, r.(interface{ Addr() net.Addr }).Addr().String())
		if !strings.Contains(body, "orders_total{") {
			t.Errorf("producers %q: scrape lacks the provider's counter:\n%s", producersEnv, body)
		}
		if got, want := strings.Contains(body, "fallback{"), producersEnv == ""; got != want {
			t.Errorf("producers %q: fallback producer served = %v, want %v:\n%s", producersEnv, got, want, body)
		}
		if strings.Contains(body, "test_bridge_left_out") {
			t.Errorf("producers %q: the prometheus exporter serves the bridge:\n%s", producersEnv, body)
		}
		if err := mp.Shutdown(shutdownCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
}

// WithFallbackMetricProducer may be called while readers are built: each
// build sees either the old or the new fallback, never a torn one.
func TestFallbackProducerConcurrency(t *testing.T) {
	cleanEnv(t)
	t.Cleanup(func() { WithFallbackMetricProducer(nil) })
	const setters, builders, rounds = 4, 4, 200
	var wg sync.WaitGroup
	var withFallback, without, bad atomic.Int32
	for range setters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				if i%2 == 0 {
					WithFallbackMetricProducer(func(context.Context) (sdkmetric.Producer, error) { return gaugeProducer("fb"), nil })
				} else {
					WithFallbackMetricProducer(nil)
				}
			}
		}()
	}
	for range builders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				ps, err := producersFromEnv(context.Background())
				switch {
				case err != nil:
					bad.Add(1)
				case len(ps) == 0:
					without.Add(1)
				case len(ps) == 1 && ps[0] == gaugeProducer("fb"):
					withFallback.Add(1)
				default:
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if bad.Load() != 0 || withFallback.Load()+without.Load() != builders*rounds {
		t.Errorf("%d with the fallback + %d without + %d wrong, want %d in all and none wrong",
			withFallback.Load(), without.Load(), bad.Load(), builders*rounds)
	}
}
