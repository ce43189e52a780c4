package autoconfig

import (
	"compress/gzip"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// export is one OTLP request as the receiver saw it.
type export struct {
	path        string              // HTTP only
	proto       string              // HTTP only: "HTTP/1.1" or "HTTP/2.0"
	headers     map[string][]string // HTTP headers (canonical keys) or gRPC metadata (lower-case keys)
	compression string              // "gzip" or ""
	request     *colmetricpb.ExportMetricsServiceRequest
}

// metric returns the first metric called name in the request, or nil.
func (e export) metric(name string) *metricpb.Metric {
	for _, rm := range e.request.GetResourceMetrics() {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				if m.GetName() == name {
					return m
				}
			}
		}
	}
	return nil
}

// resource returns the resource attributes of the request as strings.
func (e export) resource() map[string]string {
	out := map[string]string{}
	for _, rm := range e.request.GetResourceMetrics() {
		for _, kv := range rm.GetResource().GetAttributes() {
			out[kv.GetKey()] = anyValueString(kv.GetValue())
		}
	}
	return out
}

func anyValueString(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	default:
		return v.String()
	}
}

// receiver records the OTLP exports it is sent. status is what the HTTP
// receiver answers (200 unless set); block makes it hold every request
// until the client gives up.
type receiver struct {
	mu      sync.Mutex
	exports []export
	arrived chan struct{} // one value per export, never blocks the server

	status  int
	block   bool
	unblock chan struct{} // closed at the end of the test: releases blocked requests
	// abandoned gets one value per blocked request the client gave up on.
	abandoned chan struct{}
}

// hold blocks a request until the client abandons it or the test ends.
func (r *receiver) hold(ctx context.Context) {
	select {
	case <-ctx.Done():
		r.abandoned <- struct{}{}
	case <-r.unblock:
	}
}

func newReceiver() *receiver {
	return &receiver{
		arrived:   make(chan struct{}, 1000),
		unblock:   make(chan struct{}),
		abandoned: make(chan struct{}, 1000),
	}
}

func (r *receiver) record(e export) {
	r.mu.Lock()
	r.exports = append(r.exports, e)
	r.mu.Unlock()
	r.arrived <- struct{}{}
}

// all returns a copy of what has arrived.
func (r *receiver) all() []export {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]export(nil), r.exports...)
}

// last fails the test unless at least one export has arrived.
func (r *receiver) last(t *testing.T) export {
	t.Helper()
	all := r.all()
	if len(all) == 0 {
		t.Fatal("the receiver got no export")
	}
	return all[len(all)-1]
}

// wait blocks until n exports have arrived since the receiver started, or
// fails the test after a generous guard (this bounds a hang, it does not
// measure speed).
func (r *receiver) wait(t *testing.T, n int) {
	t.Helper()
	guard := time.After(20 * time.Second)
	for len(r.all()) < n {
		select {
		case <-r.arrived:
		case <-guard:
			t.Fatalf("waited 20s for %d exports, got %d", n, len(r.all()))
		}
	}
}

// ServeHTTP decodes an OTLP/HTTP protobuf or JSON request.
func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r.block {
		// The server notices a client hanging up only once the body is
		// read.
		_, _ = io.Copy(io.Discard, req.Body)
		r.hold(req.Context())
		return
	}
	if r.status != 0 && r.status != http.StatusOK {
		http.Error(w, "test receiver refuses", r.status)
		return
	}
	body := io.Reader(req.Body)
	compression := ""
	if req.Header.Get("Content-Encoding") == "gzip" {
		compression = "gzip"
		gz, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = gz
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	msg := &colmetricpb.ExportMetricsServiceRequest{}
	isJSON := req.Header.Get("Content-Type") == "application/json" // OTLP/JSON, sent by the native exporter
	if isJSON {
		err = protojson.Unmarshal(raw, msg)
	} else {
		err = proto.Unmarshal(raw, msg)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.record(export{path: req.URL.Path, proto: req.Proto, headers: req.Header.Clone(), compression: compression, request: msg})
	if isJSON {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
		return
	}
	resp, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

// startHTTPReceiver serves r on 127.0.0.1 in plaintext.
func startHTTPReceiver(t *testing.T, r *receiver) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	// Cleanups run last-in first-out: blocked requests are released before
	// Close waits for them.
	t.Cleanup(func() { close(r.unblock) })
	return srv
}

// grpcReceiver adapts receiver to the OTLP gRPC metrics service.
type grpcReceiver struct {
	colmetricpb.UnimplementedMetricsServiceServer
	*receiver
}

func (g *grpcReceiver) Export(ctx context.Context, req *colmetricpb.ExportMetricsServiceRequest) (*colmetricpb.ExportMetricsServiceResponse, error) {
	if g.block {
		g.hold(ctx)
		return nil, status.Error(codes.Unavailable, "test receiver held the request")
	}
	md, _ := metadata.FromIncomingContext(ctx)
	compression, _ := ctx.Value(compressionKey{}).(string)
	g.record(export{headers: md.Copy(), compression: compression, request: req})
	return &colmetricpb.ExportMetricsServiceResponse{}, nil
}

// compressionKey carries the request's compression from the stats handler
// to Export (gRPC hides the grpc-encoding header from the metadata).
type compressionKey struct{}

// compressionStats is a stats.Handler that only notes the compression.
type compressionStats struct{}

func (compressionStats) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	holder := new(string)
	return context.WithValue(ctx, compressionHolderKey{}, holder)
}

type compressionHolderKey struct{}

func (compressionStats) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if h, ok := s.(*stats.InHeader); ok {
		if holder, ok := ctx.Value(compressionHolderKey{}).(*string); ok {
			*holder = h.Compression
		}
	}
}
func (compressionStats) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (compressionStats) HandleConn(context.Context, stats.ConnStats) {}

// compressionInterceptor moves the compression the stats handler saw into
// the context Export receives.
func compressionInterceptor(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if holder, ok := ctx.Value(compressionHolderKey{}).(*string); ok {
		ctx = context.WithValue(ctx, compressionKey{}, *holder)
	}
	return handler(ctx, req)
}

// startGRPCReceiver serves the OTLP metrics service on 127.0.0.1 and
// returns its address. tlsConf nil means plaintext.
func startGRPCReceiver(t *testing.T, r *receiver, tlsConf *tls.Config) string {
	t.Helper()
	return startGRPCReceiverTLSOn(t, r, tlsConf, "127.0.0.1:0")
}

// startGRPCReceiverOn serves in plaintext on a given address.
func startGRPCReceiverOn(t *testing.T, r *receiver, addr string) string {
	t.Helper()
	return startGRPCReceiverTLSOn(t, r, nil, addr)
}

func startGRPCReceiverTLSOn(t *testing.T, r *receiver, tlsConf *tls.Config, addr string) string {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	opts := []grpc.ServerOption{grpc.StatsHandler(compressionStats{}), grpc.UnaryInterceptor(compressionInterceptor)}
	if tlsConf != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsConf)))
	}
	srv := grpc.NewServer(opts...)
	colmetricpb.RegisterMetricsServiceServer(srv, &grpcReceiver{receiver: r})
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	t.Cleanup(func() { close(r.unblock) }) // runs before Stop

	return l.Addr().String()
}
