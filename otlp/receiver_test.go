package otlp_test

import (
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	collpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip" // the server decompresses gzip requests
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// httpRequest is what the local receiver saw of one request.
type httpRequest struct {
	method, path string
	header       http.Header
	body         []byte // decompressed
}

// httpReceiver is a local OTLP/HTTP receiver; respond decides each answer
// (nil: 200 with an empty protobuf response).
type httpReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []httpRequest
	respond  func(n int, w http.ResponseWriter) // n counts requests from 1
}

func newHTTPReceiver(t *testing.T, respond func(n int, w http.ResponseWriter)) *httpReceiver {
	t.Helper()
	r := &httpReceiver{respond: respond}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body io.Reader = req.Body
		if req.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(req.Body)
			if err != nil {
				t.Errorf("gzip: %v", err)
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Errorf("reading request: %v", err)
		}
		r.mu.Lock()
		r.requests = append(r.requests, httpRequest{req.Method, req.URL.Path, req.Header.Clone(), b})
		n := len(r.requests)
		r.mu.Unlock()
		if r.respond != nil {
			r.respond(n, w)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *httpReceiver) got() []httpRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]httpRequest(nil), r.requests...)
}

// grpcReceiver is a local OTLP/gRPC receiver built on the official generated
// service; respond decides each answer (nil: an empty response).
type grpcReceiver struct {
	collpb.UnimplementedMetricsServiceServer
	addr     string
	mu       sync.Mutex
	requests []*collpb.ExportMetricsServiceRequest
	metadata []metadata.MD
	respond  func(n int) (*collpb.ExportMetricsServiceResponse, error)
}

func newGRPCReceiver(t *testing.T, respond func(n int) (*collpb.ExportMetricsServiceResponse, error), opts ...grpc.ServerOption) *grpcReceiver {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &grpcReceiver{addr: lis.Addr().String(), respond: respond}
	srv := grpc.NewServer(opts...)
	collpb.RegisterMetricsServiceServer(srv, r)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return r
}

func (r *grpcReceiver) Export(ctx context.Context, req *collpb.ExportMetricsServiceRequest) (*collpb.ExportMetricsServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	r.mu.Lock()
	r.requests = append(r.requests, proto.Clone(req).(*collpb.ExportMetricsServiceRequest))
	r.metadata = append(r.metadata, md)
	n := len(r.requests)
	r.mu.Unlock()
	if r.respond != nil {
		return r.respond(n)
	}
	return &collpb.ExportMetricsServiceResponse{}, nil
}

func (r *grpcReceiver) got() ([]*collpb.ExportMetricsServiceRequest, []metadata.MD) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*collpb.ExportMetricsServiceRequest(nil), r.requests...), append([]metadata.MD(nil), r.metadata...)
}

func decodeProto(t *testing.T, b []byte) *collpb.ExportMetricsServiceRequest {
	t.Helper()
	req := new(collpb.ExportMetricsServiceRequest)
	if err := proto.Unmarshal(b, req); err != nil {
		t.Fatalf("decoding the request: %v", err)
	}
	return req
}
