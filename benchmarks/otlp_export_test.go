package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc"
	"google.golang.org/grpc/mem"

	"github.com/fastmeter/fastmeter/otlp"
)

// discardMessage and discardCodec let the local gRPC receiver take requests
// without decoding or copying them, as the HTTP receiver does: the benchmark
// measures the exporting side.
type discardMessage struct{ n int }

type discardCodec struct{}

func (discardCodec) Name() string { return "proto" }

func (discardCodec) Marshal(any) (mem.BufferSlice, error) { return nil, nil } // an empty response

func (discardCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if m, ok := v.(*discardMessage); ok {
		m.n = data.Len()
	}
	return nil
}

// otlpReceivers starts a local OTLP/HTTP and OTLP/gRPC receiver that read
// and discard requests; received counts the request bytes.
func otlpReceivers(b *testing.B, received *atomic.Int64) (httpURL, grpcAddr string) {
	b.Helper()
	httpSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Add(n)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	b.Cleanup(httpSrv.Close)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	grpcSrv := grpc.NewServer(grpc.ForceServerCodecV2(discardCodec{}), grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		var m discardMessage
		if err := stream.RecvMsg(&m); err != nil {
			return err
		}
		received.Add(int64(m.n))
		return stream.SendMsg(&m)
	}))
	go func() { _ = grpcSrv.Serve(lis) }()
	b.Cleanup(grpcSrv.Stop)
	return httpSrv.URL + "/v1/metrics", lis.Addr().String()
}

// otlpExporter is the exporter a library is paired with: fastmeter with its
// native exporter, the official SDK with the official one.
func otlpExporter(ctx context.Context, lib, transport, httpURL, grpcAddr string) (sdkmetric.Exporter, error) {
	switch {
	case lib == "fastmeter" && transport == "http":
		return otlp.New(ctx, otlp.WithEndpointURL(httpURL))
	case lib == "fastmeter" && transport == "grpc":
		return otlp.New(ctx, otlp.WithProtocol(otlp.GRPC), otlp.WithEndpoint(grpcAddr), otlp.WithInsecure())
	case lib == "official" && transport == "http":
		return otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(httpURL))
	case lib == "official" && transport == "grpc":
		return otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(grpcAddr), otlpmetricgrpc.WithInsecure())
	}
	return nil, errNotAvailable
}

// BenchmarkOTLPExport measures one export interval end to end: collecting
// exportSeries counter or histogram series and sending them over OTLP/HTTP
// or OTLP/gRPC to a local receiver that discards them; fastmeter with its
// native exporter (github.com/fastmeter/fastmeter/otlp) against the official
// SDK with the official exporters.
// BenchmarkOTLPExport/<library>/<counter|histogram>/<http|grpc>/10000-series.
func BenchmarkOTLPExport(b *testing.B) {
	var received atomic.Int64
	httpURL, grpcAddr := otlpReceivers(b, &received)
	for _, lib := range libraries() {
		for _, kind := range []instrumentKind{counter, histogram} {
			for _, transport := range []string{"http", "grpc"} {
				name := fmt.Sprintf("%s/%s/%s/%d-series", lib.Name(), kind, transport, exportSeries)
				b.Run(name, func(b *testing.B) {
					ctx := context.Background()
					exporter, err := otlpExporter(ctx, lib.Name(), transport, httpURL, grpcAddr)
					if errors.Is(err, errNotAvailable) {
						b.Skipf("%s: no OTLP exporter", lib.Name())
					}
					if err != nil {
						b.Fatal(err)
					}
					defer func() { _ = exporter.Shutdown(ctx) }()
					p, err := lib.NewPipeline(metricdata.CumulativeTemporality)
					if err != nil {
						b.Fatal(err)
					}
					defer p.Shutdown()
					if err := p.Populate(kind, exportSeries); err != nil {
						b.Fatal(err)
					}
					if err := p.Export(exporter); err != nil { // warm-up
						b.Fatal(err)
					}
					timeExports(b, p, exporter, &received)
				})
			}
		}
	}
}
