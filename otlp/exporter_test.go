package otlp_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	collpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/fastmeter/fastmeter/otlp"
	"github.com/fastmeter/fastmeter/otlp/internal/fixture"
	"github.com/fastmeter/fastmeter/otlp/internal/officialcapture"
)

// fastRetry keeps the retry tests short.
var fastRetry = otlp.RetryConfig{Enabled: true, InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxElapsedTime: 10 * time.Second}

func newExporter(t *testing.T, opts ...otlp.Option) *otlp.Exporter {
	t.Helper()
	exp, err := otlp.New(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exp.Shutdown(context.Background()) })
	return exp
}

func assertSame(t *testing.T, got, want *collpb.ExportMetricsServiceRequest) {
	t.Helper()
	if !proto.Equal(got, want) {
		t.Fatalf("request differs from the official exporter's\n--- ours\n%s\n--- official\n%s", prototext.Format(got), prototext.Format(want))
	}
}

func TestHTTPProtobuf(t *testing.T) {
	rm := fixture.Rich()
	want, err := officialcapture.Request(t, &rm)
	if err != nil {
		t.Fatal(err)
	}
	for _, gz := range []bool{false, true} {
		recv := newHTTPReceiver(t, nil)
		opts := []otlp.Option{otlp.WithEndpointURL(recv.URL), otlp.WithHeaders(map[string]string{"Authorization": "Bearer x", "X-Tenant": "t1"})}
		if gz {
			opts = append(opts, otlp.WithGzip())
		}
		exp := newExporter(t, opts...)
		if err := exp.Export(context.Background(), &rm); err != nil {
			t.Fatalf("gzip=%v: Export: %v", gz, err)
		}
		got := recv.got()
		if len(got) != 1 {
			t.Fatalf("gzip=%v: %d requests, want 1", gz, len(got))
		}
		r := got[0]
		if r.method != http.MethodPost || r.path != "/v1/metrics" {
			t.Errorf("gzip=%v: %s %s, want POST /v1/metrics", gz, r.method, r.path)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/x-protobuf" {
			t.Errorf("Content-Type %q", ct)
		}
		if ce := r.header.Get("Content-Encoding"); (ce == "gzip") != gz {
			t.Errorf("gzip=%v: Content-Encoding %q", gz, ce)
		}
		if r.header.Get("Authorization") != "Bearer x" || r.header.Get("X-Tenant") != "t1" {
			t.Errorf("headers not sent: %v", r.header)
		}
		assertSame(t, decodeProto(t, r.body), want)
	}
}

func TestHTTPJSON(t *testing.T) {
	rm := fixture.Rich()
	want, err := officialcapture.Request(t, &rm)
	if err != nil {
		t.Fatal(err)
	}
	recv := newHTTPReceiver(t, func(_ int, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	})
	exp := newExporter(t, otlp.WithProtocol(otlp.HTTPJSON), otlp.WithEndpointURL(recv.URL+"/custom/path"), otlp.WithGzip())
	if err := exp.Export(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	r := recv.got()[0]
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if r.path != "/custom/path" {
		t.Errorf("path %q", r.path)
	}
	assertSame(t, officialcapture.DecodeJSON(t, r.body), want)
}

func TestGRPC(t *testing.T) {
	rm := fixture.Rich()
	want, err := officialcapture.Request(t, &rm)
	if err != nil {
		t.Fatal(err)
	}
	for _, gz := range []bool{false, true} {
		payloads := &payloadStats{}
		recv := newGRPCReceiver(t, nil, grpc.StatsHandler(payloads))
		opts := []otlp.Option{otlp.WithProtocol(otlp.GRPC), otlp.WithEndpoint(recv.addr), otlp.WithInsecure(),
			otlp.WithHeaders(map[string]string{"x-tenant": "t1"})}
		if gz {
			opts = append(opts, otlp.WithGzip())
		}
		exp := newExporter(t, opts...)
		if err := exp.Export(context.Background(), &rm); err != nil {
			t.Fatalf("gzip=%v: %v", gz, err)
		}
		reqs, mds := recv.got()
		if len(reqs) != 1 {
			t.Fatalf("%d requests", len(reqs))
		}
		if v := mds[0].Get("x-tenant"); len(v) != 1 || v[0] != "t1" {
			t.Errorf("metadata: %v", mds[0])
		}
		if compressed, size := payloads.get(); (compressed < size) != gz {
			t.Errorf("gzip=%v: request of %d bytes arrived as %d", gz, size, compressed)
		}
		assertSame(t, reqs[0], want)
	}
}

// payloadStats records the size of the last request payload a gRPC server
// received, before and after decompression.
type payloadStats struct {
	mu               sync.Mutex
	compressed, size int
}

func (p *payloadStats) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (p *payloadStats) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (p *payloadStats) HandleConn(context.Context, stats.ConnStats) {}
func (p *payloadStats) HandleRPC(_ context.Context, s stats.RPCStats) {
	if in, ok := s.(*stats.InPayload); ok {
		p.mu.Lock()
		p.compressed, p.size = in.CompressedLength, in.Length
		p.mu.Unlock()
	}
}

func (p *payloadStats) get() (compressed, size int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.compressed, p.size
}

func TestHTTPRetriesRetryableStatuses(t *testing.T) {
	for _, code := range []int{429, 502, 503, 504} {
		recv := newHTTPReceiver(t, func(n int, w http.ResponseWriter) {
			if n < 3 {
				w.WriteHeader(code)
			}
		})
		exp := newExporter(t, otlp.WithEndpointURL(recv.URL), otlp.WithRetry(fastRetry))
		rm := fixture.Counters(3)
		if err := exp.Export(context.Background(), &rm); err != nil {
			t.Fatalf("%d: %v", code, err)
		}
		if n := len(recv.got()); n != 3 {
			t.Errorf("%d: %d attempts, want 3", code, n)
		}
	}
}

func TestHTTPDoesNotRetryOtherStatuses(t *testing.T) {
	for _, code := range []int{400, 401, 404, 413, 500} {
		recv := newHTTPReceiver(t, func(_ int, w http.ResponseWriter) { http.Error(w, "nope", code) })
		exp := newExporter(t, otlp.WithEndpointURL(recv.URL), otlp.WithRetry(fastRetry))
		rm := fixture.Counters(1)
		err := exp.Export(context.Background(), &rm)
		if err == nil || !strings.Contains(err.Error(), "nope") {
			t.Errorf("%d: error %v, want the receiver's message", code, err)
		}
		if n := len(recv.got()); n != 1 {
			t.Errorf("%d: %d attempts, want 1", code, n)
		}
	}
}

// Retry-After is a lower bound on the wait (not a speed claim).
func TestHTTPHonoursRetryAfter(t *testing.T) {
	recv := newHTTPReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	exp := newExporter(t, otlp.WithEndpointURL(recv.URL), otlp.WithRetry(fastRetry))
	rm := fixture.Counters(1)
	start := time.Now()
	if err := exp.Export(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %v, before the receiver's Retry-After of 1s", waited)
	}
}

func TestRetryStopsAtTimeout(t *testing.T) {
	recv := newHTTPReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) })
	exp := newExporter(t, otlp.WithEndpointURL(recv.URL), otlp.WithRetry(fastRetry), otlp.WithTimeout(200*time.Millisecond))
	rm := fixture.Counters(1)
	err := exp.Export(context.Background(), &rm)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("error %v, want the last 503", err)
	}
	if n := len(recv.got()); n < 2 {
		t.Errorf("%d attempts, want retries before the timeout", n)
	}
}

func TestTimeoutOnHangingReceiver(t *testing.T) {
	release := make(chan struct{})
	recv := newHTTPReceiver(t, func(int, http.ResponseWriter) { <-release })
	defer close(release)
	exp := newExporter(t, otlp.WithEndpointURL(recv.URL), otlp.WithTimeout(100*time.Millisecond))
	rm := fixture.Counters(1)
	if err := exp.Export(context.Background(), &rm); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the deadline", err)
	}
}

// captureHandler records what reaches otel.Handle.
type captureHandler struct {
	mu   sync.Mutex
	errs []error
}

func (h *captureHandler) Handle(err error) { h.mu.Lock(); h.errs = append(h.errs, err); h.mu.Unlock() }

func (h *captureHandler) got() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]error(nil), h.errs...)
}

func withErrorHandler(t *testing.T) *captureHandler {
	h := &captureHandler{}
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(h)
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	return h
}

func TestPartialSuccessReportedNotRetried(t *testing.T) {
	h := withErrorHandler(t)
	resp := &collpb.ExportMetricsServiceResponse{PartialSuccess: &collpb.ExportMetricsPartialSuccess{RejectedDataPoints: 2, ErrorMessage: "too old"}}
	body, _ := proto.Marshal(resp)
	recv := newHTTPReceiver(t, func(_ int, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(body)
	})
	jsonRecv := newHTTPReceiver(t, func(_ int, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"partialSuccess":{"rejectedDataPoints":"2","errorMessage":"too old"}}`))
	})
	grpcRecv := newGRPCReceiver(t, func(int) (*collpb.ExportMetricsServiceResponse, error) { return resp, nil })
	exps := map[string]*otlp.Exporter{
		"http/protobuf": newExporter(t, otlp.WithEndpointURL(recv.URL), otlp.WithRetry(fastRetry)),
		"http/json":     newExporter(t, otlp.WithProtocol(otlp.HTTPJSON), otlp.WithEndpointURL(jsonRecv.URL), otlp.WithRetry(fastRetry)),
		"grpc":          newExporter(t, otlp.WithProtocol(otlp.GRPC), otlp.WithEndpointURL("http://"+grpcRecv.addr), otlp.WithRetry(fastRetry)),
	}
	rm := fixture.Counters(3)
	for name, exp := range exps {
		if err := exp.Export(context.Background(), &rm); err != nil {
			t.Fatalf("%s: Export: %v (a partial success is not an error)", name, err)
		}
	}
	errs := h.got()
	if len(errs) != 3 {
		t.Fatalf("otel.Handle got %v, want one partial success per protocol", errs)
	}
	for _, err := range errs {
		if !errors.Is(err, otlp.ErrPartialSuccess) || !strings.Contains(err.Error(), "2 data points rejected: too old") {
			t.Errorf("handled %v", err)
		}
	}
	if len(recv.got()) != 1 || len(jsonRecv.got()) != 1 {
		t.Error("a partial success was retried")
	}
	if reqs, _ := grpcRecv.got(); len(reqs) != 1 {
		t.Error("a gRPC partial success was retried")
	}
}

func TestGRPCRetryableCodes(t *testing.T) {
	retryInfo := func(d time.Duration) error {
		st, err := status.New(codes.ResourceExhausted, "slow down").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(d)})
		if err != nil {
			t.Fatal(err)
		}
		return st.Err()
	}
	cases := []struct {
		name     string
		fail     error
		attempts int
	}{
		{"unavailable", status.Error(codes.Unavailable, "down"), 3},
		{"aborted", status.Error(codes.Aborted, "x"), 3},
		{"data-loss", status.Error(codes.DataLoss, "x"), 3},
		{"out-of-range", status.Error(codes.OutOfRange, "x"), 3},
		{"deadline-exceeded", status.Error(codes.DeadlineExceeded, "x"), 3},
		{"resource-exhausted-with-retry-info", retryInfo(time.Millisecond), 3},
		{"resource-exhausted-without-retry-info", status.Error(codes.ResourceExhausted, "x"), 1},
		{"invalid-argument", status.Error(codes.InvalidArgument, "x"), 1},
		{"unauthenticated", status.Error(codes.Unauthenticated, "x"), 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recv := newGRPCReceiver(t, func(n int) (*collpb.ExportMetricsServiceResponse, error) {
				if n < 3 {
					return nil, c.fail
				}
				return &collpb.ExportMetricsServiceResponse{}, nil
			})
			exp := newExporter(t, otlp.WithProtocol(otlp.GRPC), otlp.WithEndpoint(recv.addr), otlp.WithInsecure(), otlp.WithRetry(fastRetry))
			rm := fixture.Counters(1)
			err := exp.Export(context.Background(), &rm)
			if reqs, _ := recv.got(); len(reqs) != c.attempts {
				t.Fatalf("%d attempts, want %d (err %v)", len(reqs), c.attempts, err)
			}
			if (err == nil) != (c.attempts == 3) {
				t.Fatalf("error %v", err)
			}
		})
	}
}

func TestGRPCHonoursRetryInfo(t *testing.T) {
	recv := newGRPCReceiver(t, func(n int) (*collpb.ExportMetricsServiceResponse, error) {
		if n == 1 {
			st, _ := status.New(codes.Unavailable, "later").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(time.Second)})
			return nil, st.Err()
		}
		return &collpb.ExportMetricsServiceResponse{}, nil
	})
	exp := newExporter(t, otlp.WithProtocol(otlp.GRPC), otlp.WithEndpoint(recv.addr), otlp.WithInsecure(), otlp.WithRetry(fastRetry))
	rm := fixture.Counters(1)
	start := time.Now()
	if err := exp.Export(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %v, before RetryInfo's 1s", waited)
	}
}

func TestShutdown(t *testing.T) {
	recv := newHTTPReceiver(t, nil)
	exp := newExporter(t, otlp.WithEndpointURL(recv.URL))
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	rm := fixture.Counters(1)
	if err := exp.Export(context.Background(), &rm); !errors.Is(err, otlp.ErrShutdown) {
		t.Fatalf("Export after Shutdown: %v", err)
	}
	if err := exp.Shutdown(context.Background()); !errors.Is(err, otlp.ErrShutdown) {
		t.Fatalf("second Shutdown: %v", err)
	}
	if len(recv.got()) != 0 {
		t.Fatal("sent after Shutdown")
	}
}

// Shutdown aborts an export that is waiting to retry.
func TestShutdownAbortsRetries(t *testing.T) {
	recv := newHTTPReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) })
	slow := otlp.RetryConfig{Enabled: true, InitialInterval: time.Hour, MaxInterval: time.Hour}
	exp := newExporter(t, otlp.WithEndpointURL(recv.URL), otlp.WithRetry(slow), otlp.WithTimeout(0))
	done := make(chan error, 1)
	rm := fixture.Counters(1)
	go func() { done <- exp.Export(context.Background(), &rm) }()
	for len(recv.got()) == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the aborted export returned %v", err)
	}
}

// A Shutdown racing an Export that starts at the same moment never leaves
// the Export retrying: either the Export sees the shutdown, or Shutdown
// aborts it (an Export left retrying for an hour would hang the test). With
// -race it also checks the hand-off of the Export's cancel to Shutdown is
// synchronised.
func TestShutdownRacingExport(t *testing.T) {
	recv := newHTTPReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) })
	slow := otlp.RetryConfig{Enabled: true, InitialInterval: time.Hour, MaxInterval: time.Hour}
	rm := fixture.Counters(1)
	for range 50 {
		exp := newExporter(t, otlp.WithEndpointURL(recv.URL), otlp.WithRetry(slow), otlp.WithTimeout(0))
		done := make(chan error, 1)
		go func() { done <- exp.Export(context.Background(), &rm) }()
		if err := exp.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := <-done; !errors.Is(err, otlp.ErrShutdown) && !errors.Is(err, context.Canceled) {
			t.Fatalf("an Export racing Shutdown returned %v", err)
		}
	}
}

// Concurrent Exports are serialised and each is delivered exactly once.
func TestConcurrentExports(t *testing.T) {
	recv := newHTTPReceiver(t, nil)
	grpcRecv := newGRPCReceiver(t, nil)
	exps := []*otlp.Exporter{
		newExporter(t, otlp.WithEndpointURL(recv.URL)),
		newExporter(t, otlp.WithProtocol(otlp.GRPC), otlp.WithEndpoint(grpcRecv.addr), otlp.WithInsecure()),
	}
	const goroutines, each = 8, 10
	var wg sync.WaitGroup
	for _, exp := range exps {
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rm := fixture.Counters(g + 1)
				for range each {
					if err := exp.Export(context.Background(), &rm); err != nil {
						t.Error(err)
					}
				}
			}()
		}
	}
	wg.Wait()
	count := func(reqs []*collpb.ExportMetricsServiceRequest) (points int) {
		for _, r := range reqs {
			points += len(r.ResourceMetrics[0].ScopeMetrics[0].Metrics[0].GetSum().DataPoints)
		}
		return points
	}
	wantPoints := each * goroutines * (goroutines + 1) / 2
	var httpReqs []*collpb.ExportMetricsServiceRequest
	for _, r := range recv.got() {
		httpReqs = append(httpReqs, decodeProto(t, r.body))
	}
	grpcReqs, _ := grpcRecv.got()
	for name, reqs := range map[string][]*collpb.ExportMetricsServiceRequest{"http": httpReqs, "grpc": grpcReqs} {
		if len(reqs) != goroutines*each || count(reqs) != wantPoints {
			t.Errorf("%s: %d requests with %d points, want %d with %d", name, len(reqs), count(reqs), goroutines*each, wantPoints)
		}
	}
}

// Invalid UTF-8 (which another SDK may hand over) is sent repaired, so the
// receiver can decode the request, and reported through otel.Handle.
func TestInvalidUTF8Repaired(t *testing.T) {
	h := withErrorHandler(t)
	rm := fixture.Counters(2)
	rm.ScopeMetrics[0].Metrics[0].Name = "bad\xffname"
	rm.ScopeMetrics[0].Metrics[0].Data = metricdata.Sum[int64]{
		Temporality: metricdata.CumulativeTemporality,
		DataPoints:  []metricdata.DataPoint[int64]{{Attributes: attribute.NewSet(attribute.String("k\xfe", "v\xff"))}},
	}
	recv := newHTTPReceiver(t, nil)
	jsonRecv := newHTTPReceiver(t, nil)
	for _, exp := range []*otlp.Exporter{
		newExporter(t, otlp.WithEndpointURL(recv.URL)),
		newExporter(t, otlp.WithProtocol(otlp.HTTPJSON), otlp.WithEndpointURL(jsonRecv.URL)),
	} {
		if err := exp.Export(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
	}
	for _, req := range []*collpb.ExportMetricsServiceRequest{
		decodeProto(t, recv.got()[0].body), // proto.Unmarshal checks UTF-8
		officialcapture.DecodeJSON(t, jsonRecv.got()[0].body),
	} {
		m := req.ResourceMetrics[0].ScopeMetrics[0].Metrics[0]
		kv := m.GetSum().DataPoints[0].Attributes[0]
		if m.Name != "bad\uFFFDname" || kv.Key != "k\uFFFD" || kv.Value.GetStringValue() != "v\uFFFD" {
			t.Errorf("repaired to %q, %q=%q", m.Name, kv.Key, kv.Value.GetStringValue())
		}
	}
	errs := h.got()
	if len(errs) != 2 || !errors.Is(errs[0], otlp.ErrInvalidUTF8) || !strings.Contains(errs[0].Error(), "3 strings") {
		t.Fatalf("otel.Handle got %v, want one report of 3 strings per protocol", errs)
	}
}
