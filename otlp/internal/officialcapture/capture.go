// Package officialcapture runs the official otlpmetrichttp exporter against
// a local HTTP receiver and returns the request it sent, decoded: the
// reference the otlp module's differential tests compare with. The official
// exporter's transform is internal, so the request is captured on the wire.
// Only tests import it.
package officialcapture

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	collpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// Request exports rm with the official otlpmetrichttp exporter to a local
// receiver and returns the ExportMetricsServiceRequest the receiver got, and
// the error the official Export returned (it still sends what it could
// transform when some metrics cannot be).
func Request(t testing.TB, rm *metricdata.ResourceMetrics) (*collpb.ExportMetricsServiceRequest, error) {
	t.Helper()
	bodies := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading the official request: %v", err)
		}
		bodies <- body
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	ctx := context.Background()
	exp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(srv.URL+"/v1/metrics"))
	if err != nil {
		t.Fatalf("official exporter: %v", err)
	}
	defer func() { _ = exp.Shutdown(ctx) }()
	exportErr := exp.Export(ctx, rm)
	var body []byte
	select {
	case body = <-bodies:
	default:
		t.Fatalf("the official exporter sent nothing (Export: %v)", exportErr)
	}
	req := new(collpb.ExportMetricsServiceRequest)
	if err := proto.Unmarshal(body, req); err != nil {
		t.Fatalf("decoding the official request: %v", err)
	}
	return req, exportErr
}
