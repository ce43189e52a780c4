package metricz_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	sdkmetric "github.com/fastmeter/fastmeter"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter/metricz"
)

// The Handler is both the page and the Reader that feeds it: pass it to the
// provider and mount it on a mux. The example reads the JSON a script would.
func Example() {
	page := metricz.New(metricz.WithInterval(time.Second))
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(page))
	defer func() { _ = provider.Shutdown(context.Background()) }()

	mux := http.NewServeMux()
	mux.Handle("/debug/metricz", page)

	requests, _ := provider.Meter("shop").Int64Counter("orders", metric.WithUnit("{order}"))
	requests.Add(context.Background(), 3, metric.WithAttributes(attribute.String("country", "FR")))

	_ = page.Refresh(context.Background()) // collect now instead of waiting a second

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/metricz?format=json", nil))
	var doc struct {
		Scopes []struct {
			Name        string
			Instruments []struct {
				Name, Kind string
				Series     []struct {
					Attributes []struct{ Key, Value string }
					Value      float64
				}
			}
		}
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &doc)
	in := doc.Scopes[0].Instruments[0]
	s := in.Series[0]
	fmt.Printf("%s / %s (%s): %s=%s → %v\n", doc.Scopes[0].Name, in.Name, in.Kind, s.Attributes[0].Key, s.Attributes[0].Value, s.Value)
	// Output: shop / orders (counter): country=FR → 3
}

// HistogramQuantile estimates percentiles from the buckets a reader or an
// exporter receives, without the raw observations.
func ExampleHistogramQuantile() {
	latency := metricdata.HistogramDataPoint[float64]{
		Bounds:       []float64{0.01, 0.05, 0.1, 0.5},
		BucketCounts: []uint64{50, 30, 15, 5, 0}, // 100 requests
		Count:        100,
		Max:          metricdata.NewExtrema(0.4),
	}
	p50, _ := metricz.HistogramQuantile(latency, 0.5)
	p99, _ := metricz.HistogramQuantile(latency, 0.99)
	fmt.Printf("p50 %.3fs p99 %.3fs\n", p50, p99)
	// Output: p50 0.010s p99 0.340s
}
