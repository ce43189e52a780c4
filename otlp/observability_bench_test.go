package otlp_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	collpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/grpc"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/otlp"
)

// discardGRPC is a gRPC receiver that accepts everything.
type discardGRPC struct {
	collpb.UnimplementedMetricsServiceServer
}

func (discardGRPC) Export(context.Context, *collpb.ExportMetricsServiceRequest) (*collpb.ExportMetricsServiceResponse, error) {
	return &collpb.ExportMetricsServiceResponse{}, nil
}

// BenchmarkExportSelfObservability measures one Export of obsData to a
// local receiver that discards it, with self-observability off and on (the
// global provider a fastmeter provider, so the self-metrics are recorded).
// The receiver runs in this process, so allocs/op include its own; the
// difference between off and on is what self-observability costs. Off must
// equal the exporter without it.
func BenchmarkExportSelfObservability(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer srv.Close()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	gs := grpc.NewServer()
	collpb.RegisterMetricsServiceServer(gs, discardGRPC{})
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()

	reader := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(reader))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	otel.SetMeterProvider(mp)

	for _, sw := range []string{"off", "on"} {
		for _, proto := range []string{"http", "grpc"} {
			b.Run(sw+"/"+proto, func(b *testing.B) {
				b.Setenv("OTEL_GO_X_OBSERVABILITY", map[string]string{"off": "false", "on": "true"}[sw])
				ctx := context.Background()
				opts := []otlp.Option{otlp.WithEndpointURL(srv.URL)}
				if proto == "grpc" {
					opts = []otlp.Option{otlp.WithProtocol(otlp.GRPC), otlp.WithEndpoint(lis.Addr().String()), otlp.WithInsecure()}
				}
				exp, err := otlp.New(ctx, opts...)
				if err != nil {
					b.Fatal(err)
				}
				defer func() { _ = exp.Shutdown(ctx) }()
				rm := obsData()
				if err := exp.Export(ctx, rm); err != nil { // warm-up: connection, buffers
					b.Fatal(err)
				}
				before := exportedPoints(b, reader)
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if err := exp.Export(ctx, rm); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				want := int64(0)
				if sw == "on" {
					want = int64(b.N) * obsPoints
				}
				if got := exportedPoints(b, reader) - before; got != want {
					b.Fatalf("otel.sdk.exporter.metric_data_point.exported grew by %d, want %d", got, want)
				}
			})
		}
	}
}

// exportedPoints is the total of otel.sdk.exporter.metric_data_point.exported.
func exportedPoints(b *testing.B, reader *fastmeter.ManualReader) int64 {
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "otel.sdk.exporter.metric_data_point.exported" {
				for _, p := range s.DataPoints {
					n += p.Value
				}
			}
		}
	}
	return n
}
