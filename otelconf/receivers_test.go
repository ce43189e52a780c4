package otelconf

import (
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/fastmeter/fastmeter/internal/testenv"
)

// otlpRequest is one export a receiver accepted, with its HTTP headers or
// gRPC metadata.
type otlpRequest struct {
	path    string
	headers http.Header
	body    *colmetricpb.ExportMetricsServiceRequest
}

// receiver records the OTLP metric exports it accepts.
type receiver struct {
	mu       sync.Mutex
	requests []otlpRequest
}

func (r *receiver) add(req otlpRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, req)
}

func (r *receiver) received() []otlpRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]otlpRequest(nil), r.requests...)
}

// startHTTPReceiver serves OTLP/HTTP protobuf or JSON (gzip or not) on every path
// and returns its base URL. Trace exports are answered and not recorded.
func startHTTPReceiver(t *testing.T) (*receiver, string) {
	t.Helper()
	rec := &receiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body io.Reader = req.Body
		if req.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(req.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		data, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if req.URL.Path == "/v1/metrics" || req.URL.Path == "/custom/metrics" {
			var msg colmetricpb.ExportMetricsServiceRequest
			unmarshal := proto.Unmarshal
			if req.Header.Get("Content-Type") == "application/json" { // OTLP/JSON, from the native exporter
				unmarshal = protojson.Unmarshal
			}
			if err := unmarshal(data, &msg); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			rec.add(otlpRequest{path: req.URL.Path, headers: req.Header.Clone(), body: &msg})
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

// grpcService is an OTLP/gRPC metrics endpoint recording what it accepts.
type grpcService struct {
	colmetricpb.UnimplementedMetricsServiceServer
	rec *receiver
}

func (s *grpcService) Export(ctx context.Context, req *colmetricpb.ExportMetricsServiceRequest) (*colmetricpb.ExportMetricsServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	h := http.Header{}
	for k, vs := range md {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	s.rec.add(otlpRequest{headers: h, body: req})
	return &colmetricpb.ExportMetricsServiceResponse{}, nil
}

// startGRPCReceiver serves OTLP/gRPC on a free port and returns host:port.
func startGRPCReceiver(t *testing.T) (*receiver, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := &receiver{}
	srv := grpc.NewServer()
	colmetricpb.RegisterMetricsServiceServer(srv, &grpcService{rec: rec})
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return rec, l.Addr().String()
}

// freePort returns a port nothing listens on at the moment (testenv.FreePort).
func freePort(t *testing.T) int { return testenv.FreePort(t) }
