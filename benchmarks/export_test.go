package benchmarks

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// exportSeries is the size of the exported collection.
const exportSeries = 10000

// BenchmarkExport measures collecting exportSeries counter series and sending
// them through the official otlpmetrichttp exporter to a local receiver that
// reads and discards the request: the end-to-end cost of one export.
// BenchmarkExport/<library>/counter/10000-series.
func BenchmarkExport(b *testing.B) {
	var received atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Add(n)
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer receiver.Close()

	for _, lib := range libraries() {
		b.Run(lib.Name()+"/counter/10000-series", func(b *testing.B) {
			p, err := lib.NewPipeline(metricdata.CumulativeTemporality)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Shutdown()
			if err := p.Populate(counter, exportSeries); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			exporter, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(receiver.URL+"/v1/metrics"))
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = exporter.Shutdown(ctx) }()
			err = p.Export(exporter) // warm-up, and the availability check
			if errors.Is(err, errNotAvailable) {
				b.Skipf("%s: no OTLP export", lib.Name())
			}
			if err != nil {
				b.Fatal(err)
			}
			timeExports(b, p, exporter, received.Load)
		})
	}
}

// timeExports times b.N exports of p's collection through exporter and
// reports the request bytes the receiver counted in received per export.
func timeExports(b *testing.B, p pipeline, exporter sdkmetric.Exporter, received func() int64) {
	before := received()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := p.Export(exporter); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(received()-before)/float64(b.N), "wire-B/export")
}
