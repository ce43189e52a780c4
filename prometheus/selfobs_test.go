package prometheus

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/selfobs"
)

// TestSelfObservabilityScrapes checks the exporter's scrape metrics: one
// otel.sdk.exporter.operation.duration observation and the data points
// served per scrape, with error.type on a scrape that failed.
func TestSelfObservabilityScrapes(t *testing.T) {
	t.Setenv("OTEL_GO_X_OBSERVABILITY", "true")
	observer := sdkmetric.NewManualReader()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(observer)))

	exp, err := New(WithoutRegistration())
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	c, _ := mp.Meter("app").Int64Counter("requests")
	c.Add(context.Background(), 1, metric.WithAttributes(attribute.String("code", "200")))
	c.Add(context.Background(), 1, metric.WithAttributes(attribute.String("code", "500")))

	srv := httptest.NewServer(exp)
	defer srv.Close()
	for range 2 {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	unregistered, err := New(WithoutRegistration())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unregistered.Gather(); err == nil {
		t.Fatal("an unregistered exporter gathered")
	}

	var rm metricdata.ResourceMetrics
	if err := observer.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var duration, exported *metricdata.Metrics
	for i := range rm.ScopeMetrics {
		if rm.ScopeMetrics[i].Scope.Name != selfobs.PrometheusScope {
			continue
		}
		for j := range rm.ScopeMetrics[i].Metrics {
			switch m := &rm.ScopeMetrics[i].Metrics[j]; m.Name {
			case "otel.sdk.exporter.operation.duration":
				duration = m
			case "otel.sdk.exporter.metric_data_point.exported":
				exported = m
			}
		}
	}
	if duration == nil || exported == nil || duration.Unit != "s" || exported.Unit != "{data_point}" {
		t.Fatalf("scrape metrics missing or wrong: %+v %+v", duration, exported)
	}
	ok, failed := 0, 0
	for _, dp := range duration.Data.(metricdata.Histogram[float64]).DataPoints {
		if v, _ := dp.Attributes.Value("otel.component.type"); v.AsString() != selfobs.PrometheusExporterType {
			t.Errorf("component type %v", dp.Attributes.ToSlice())
		}
		if _, isErr := dp.Attributes.Value("error.type"); isErr {
			failed += int(dp.Count)
		} else {
			ok += int(dp.Count)
		}
	}
	if ok != 2 || failed != 1 {
		t.Errorf("scrapes: %d succeeded, %d failed; want 2 and 1", ok, failed)
	}
	points := exported.Data.(metricdata.Sum[int64]).DataPoints
	if len(points) != 1 || points[0].Value != 4 { // two series, two scrapes; the failed one served none
		t.Errorf("data points exported: %+v", points)
	}
}
