package metricz

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sdkmetric "github.com/fastmeter/fastmeter"
	"go.opentelemetry.io/otel/metric"
	officialsdk "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// testEnv is a provider with a metricz Handler (collecting only when the
// test calls Refresh) and a plain ManualReader for checking raw data.
type testEnv struct {
	t      *testing.T
	h      *Handler
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
	meter  metric.Meter
}

func newTestEnv(t *testing.T, hopts []Option, popts ...sdkmetric.Option) *testEnv {
	t.Helper()
	// An hour-long interval: the test decides when collections happen.
	h := New(append([]Option{WithInterval(time.Hour)}, hopts...)...)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(append([]sdkmetric.Option{sdkmetric.WithReader(h), sdkmetric.WithReader(reader)}, popts...)...)
	t.Cleanup(func() {
		if err := mp.Shutdown(context.Background()); err != nil {
			t.Errorf("provider shutdown: %v", err)
		}
	})
	return &testEnv{t: t, h: h, reader: reader, mp: mp, meter: mp.Meter("metricz.test", metric.WithInstrumentationVersion("1.2.3"))}
}

func (e *testEnv) collect() *metricdata.ResourceMetrics {
	e.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		e.t.Fatalf("collect: %v", err)
	}
	return &rm
}

func (e *testEnv) refresh() {
	e.t.Helper()
	if err := e.h.Refresh(context.Background()); err != nil {
		e.t.Fatalf("refresh: %v", err)
	}
}

// get serves one request and returns the status and body.
func (e *testEnv) get(target string) (int, string, http.Header) {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body), rec.Result().Header
}

// snapshot fetches ?format=json (plus extra query) and decodes it.
func (e *testEnv) snapshot(extra string) *snapshotJSON {
	e.t.Helper()
	code, body, _ := e.get("/debug/metricz?format=json" + extra)
	if code != http.StatusOK {
		e.t.Fatalf("GET json: %d %s", code, body)
	}
	var snap snapshotJSON
	if err := json.Unmarshal([]byte(body), &snap); err != nil {
		e.t.Fatalf("decode json: %v\n%s", err, body)
	}
	return &snap
}

func findMetric(t *testing.T, rm *metricdata.ResourceMetrics, name string) metricdata.Metrics {
	t.Helper()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m
			}
		}
	}
	t.Fatalf("metric %q not collected", name)
	return metricdata.Metrics{}
}

// instrument finds an instrument of the snapshot by name.
func (s *snapshotJSON) instrument(t *testing.T, name string) instrumentJSON {
	t.Helper()
	for _, sc := range s.Scopes {
		for _, in := range sc.Instruments {
			if in.Name == name {
				return in
			}
		}
	}
	t.Fatalf("instrument %q not in the snapshot", name)
	return instrumentJSON{}
}

// officialExponential records values into a base-2 exponential histogram
// of the official SDK and returns what it collects. Tests feed it to the
// Handler through WithProducer, so the page's exponential support is tested
// on reference data whatever the engine under test supports.
func officialExponential(t *testing.T, scope, name, unit string, values []float64) []metricdata.ScopeMetrics {
	t.Helper()
	reader := officialsdk.NewManualReader()
	mp := officialsdk.NewMeterProvider(officialsdk.WithReader(reader),
		officialsdk.WithView(officialsdk.NewView(officialsdk.Instrument{Name: name},
			officialsdk.Stream{Aggregation: officialsdk.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}})))
	hist, err := mp.Meter(scope).Float64Histogram(name, metric.WithUnit(unit))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		hist.Record(context.Background(), v)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm.ScopeMetrics
}

// staticProducer produces the same metrics at every collection.
type staticProducer []metricdata.ScopeMetrics

func (p staticProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	return p, nil
}
