package autoconfig

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// syncBuffer is a bytes.Buffer safe for the exporter goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The console exporter writes the metrics as JSON.
func TestConsoleExporter(t *testing.T) {
	cleanEnv(t)
	t.Setenv(envMetricsExporter, "console")
	var out syncBuffer
	mp := newProvider(t, WithConsoleWriter(&out))
	recordAndFlush(t, mp, "console.visible")
	if !strings.Contains(out.String(), `"Name":"console.visible"`) {
		t.Errorf("console output lacks the metric:\n%s", out.String())
	}
}

// A comma list builds every exporter; spaces and case do not matter.
func TestSeveralExporters(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
	t.Setenv(envMetricsExporter, " OTLP , console,")
	var out syncBuffer
	mp := newProvider(t, WithConsoleWriter(&out))
	recordAndFlush(t, mp, "both")
	if rcv.last(t).metric("both") == nil {
		t.Error("otlp did not export")
	}
	if !strings.Contains(out.String(), `"Name":"both"`) {
		t.Error("console did not export")
	}
}

// "none" builds no exporter; readers given as options still work, and
// nothing is sent anywhere (no endpoint variable is even validated).
func TestNoneExporter(t *testing.T) {
	cleanEnv(t)
	t.Setenv(envMetricsExporter, "none")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url, not read")
	manual := sdkmetric.NewManualReader()
	mp := newProvider(t, WithReader(manual))
	c, _ := mp.Meter("t").Int64Counter("kept")
	c.Add(context.Background(), 2)
	var rm metricdata.ResourceMetrics
	if err := manual.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if len(rm.ScopeMetrics) != 1 || rm.ScopeMetrics[0].Metrics[0].Name != "kept" {
		t.Errorf("the extra reader did not see the counter: %+v", rm)
	}
}

// OTEL_SDK_DISABLED=true yields a provider that drives no reader, even
// one given as an option, and reads no other variable.
func TestSDKDisabled(t *testing.T) {
	for _, value := range []string{"true", "TRUE", " True "} {
		t.Run(value, func(t *testing.T) {
			cleanEnv(t)
			log := captureErrors(t)
			t.Setenv(envSDKDisabled, value)
			t.Setenv(envMetricsExporter, "bogus")
			t.Setenv(envExportInterval, "abc")
			manual := sdkmetric.NewManualReader()
			mp := newProvider(t, WithReader(manual))
			c, err := mp.Meter("t").Int64Counter("c")
			if err != nil {
				t.Fatal(err)
			}
			c.Add(context.Background(), 1)
			var rm metricdata.ResourceMetrics
			if err := manual.Collect(context.Background(), &rm); !errors.Is(err, sdkmetric.ErrReaderNotRegistered) {
				t.Errorf("the reader was attached to a disabled provider (Collect: %v)", err)
			}
			flush(t, mp)
			if err := mp.Shutdown(context.Background()); err != nil {
				t.Errorf("Shutdown of a disabled provider: %v", err)
			}
			if log.text() != "" {
				t.Errorf("a disabled provider reported: %s", log.text())
			}
		})
	}
}

// WithDisabled wins over the variable, both ways.
func TestDisabledOption(t *testing.T) {
	cleanEnv(t)
	t.Setenv(envSDKDisabled, "true")
	manual := sdkmetric.NewManualReader()
	newProvider(t, WithDisabled(false), WithExporters("none"), WithReader(manual))
	var rm metricdata.ResourceMetrics
	if err := manual.Collect(context.Background(), &rm); err != nil {
		t.Errorf("WithDisabled(false) did not enable the provider: %v", err)
	}

	cleanEnv(t)
	t.Setenv(envMetricsExporter, "bogus")
	if _, err := NewMeterProvider(context.Background(), WithDisabled(true)); err != nil {
		t.Errorf("WithDisabled(true) still read the environment: %v", err)
	}
}

// An option replaces its variable, which is then not read at all: an
// invalid value there is no error.
func TestOptionsOverrideInvalidVariables(t *testing.T) {
	cleanEnv(t)
	t.Setenv(envMetricsExporter, "bogus")
	t.Setenv(envExportInterval, "abc")
	t.Setenv(envExportTimeout, "0")
	t.Setenv(envExemplarFilter, "bogus")
	t.Setenv(envTemporalityPref, "bogus")
	t.Setenv(envHistogramAggregation, "bogus")
	t.Setenv(envOTLPProtocol, "bogus")
	var out syncBuffer
	mp := newProvider(t,
		WithExporters("console"),
		WithConsoleWriter(&out),
		WithInterval(3600e9), WithTimeout(1e9),
		WithExemplarFilter(alwaysOn),
		WithTemporalitySelector(sdkmetric.DeltaTemporalitySelector),
		WithAggregationSelector(exponentialHistogramSelector),
		WithOTLPProtocol("grpc"))
	h, _ := mp.Meter("t").Float64Histogram("h")
	h.Record(context.Background(), 1)
	flush(t, mp)
	// The console exporter takes the programmatic selectors.
	if !strings.Contains(out.String(), `"Scale"`) {
		t.Errorf("WithAggregationSelector did not reach the console exporter:\n%s", out.String())
	}
}

// Views and provider options reach the provider.
func TestViewsAndProviderOptions(t *testing.T) {
	cleanEnv(t)
	manual := sdkmetric.NewManualReader()
	mp := newProvider(t, WithExporters("none"), WithReader(manual),
		WithView(sdkmetric.NewView(sdkmetric.Instrument{Name: "old"}, sdkmetric.Stream{Name: "renamed"})),
		WithMeterProviderOptions(sdkmetric.WithCardinalityLimit(2)))
	c, _ := mp.Meter("t").Int64Counter("old")
	c.Add(context.Background(), 1)
	var rm metricdata.ResourceMetrics
	if err := manual.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if got := rm.ScopeMetrics[0].Metrics[0].Name; got != "renamed" {
		t.Errorf("metric %q, want the view's name renamed", got)
	}
}

// With no transport variable and no exporter option, the exporter talks
// plaintext to the specification's default endpoint on localhost.
func TestDefaultEndpointIsPlaintextLocalhost(t *testing.T) {
	for _, tt := range []struct{ protocol, port string }{{"http/protobuf", "4318"}, {"grpc", "4317"}} {
		t.Run(tt.protocol, func(t *testing.T) {
			cleanEnv(t)
			l, err := net.Listen("tcp", "127.0.0.1:"+tt.port)
			if err != nil {
				t.Skipf("port %s is taken on this machine (%v); cannot stand in for the default collector", tt.port, err)
			}
			rcv := newReceiver()
			if tt.protocol == "grpc" {
				_ = l.Close()
				startGRPCReceiverOn(t, rcv, "127.0.0.1:"+tt.port)
			} else {
				srv := httptest.NewUnstartedServer(rcv)
				_ = srv.Listener.Close()
				srv.Listener = l
				srv.Start()
				t.Cleanup(srv.Close)
				t.Cleanup(func() { close(rcv.unblock) })
			}
			t.Setenv(envOTLPProtocol, tt.protocol)
			recordAndFlush(t, newProvider(t), "default.endpoint")
			rcv.last(t)
		})
	}
}
