package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter/otlp"
)

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
	httpURL, grpcAddr, received := otlpReceivers(b)
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
					timeExports(b, p, exporter, received)
				})
			}
		}
	}
}
