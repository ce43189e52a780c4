package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// These tests need no collector: they point the official exporters at
// endpoints that misbehave and check that each failure comes back as an
// error (ForceFlush/Shutdown) or through otel.Handle (periodic exports),
// within the deadline, without blocking the recording side. They run in
// parallel with each other, after the sequential collector tests (which
// check that a healthy export reports nothing through otel.Handle).

// exportOnce records one increment and force-flushes it with a deadline,
// returning the flush error and how long the flush took. The provider is
// shut down when the test ends.
func exportOnce(t *testing.T, exp sdkmetric.Exporter, deadline time.Duration) (error, time.Duration) {
	t.Helper()
	mp := newProvider(t.Name(), exp, time.Hour, 30*time.Second)
	t.Cleanup(func() {
		// The flush already proved the failure; do not wait on it again.
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_ = mp.Shutdown(ctx)
	})
	counter, err := newMeter(mp).Int64Counter("e2e.badinput.requests")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	counter.Add(context.Background(), 7)
	if took := time.Since(start); took > time.Second {
		t.Errorf("Counter.Add took %v", took)
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start = time.Now()
	err = mp.ForceFlush(ctx)
	return err, time.Since(start)
}

// requireErrorWithin fails unless err is non-nil, mentions every want
// fragment (a fragment "a|b" accepts either), and came back by deadline
// (plus scheduling slack).
func requireErrorWithin(t *testing.T, err error, took, deadline time.Duration, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("export succeeded, want an error mentioning %q", want)
	}
	for _, w := range want {
		found := false
		for _, alt := range strings.Split(w, "|") {
			found = found || strings.Contains(err.Error(), alt)
		}
		if !found {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	if took > deadline+time.Second {
		t.Errorf("export returned after %v, deadline was %v", took, deadline)
	}
	t.Logf("after %v: %v", took.Round(time.Millisecond), err)
}

// closedAddr returns a 127.0.0.1 address nothing listens on.
func closedAddr(t *testing.T) string { return freeAddr(t) }

// TestUnreachableEndpoint is not parallel: it attributes what reaches
// otel.Handle to its own providers.
func TestUnreachableEndpoint(t *testing.T) {
	for _, proto := range officialProtocols {
		t.Run(string(proto), func(t *testing.T) {
			addr := closedAddr(t)
			const deadline = 2 * time.Second
			err, took := exportOnce(t, newExporter(t, proto, addr, cumulative), deadline)
			// The gRPC exporter retries "Unavailable" until the deadline, and
			// the reader then reports the deadline, not the cause.
			requireErrorWithin(t, err, took, deadline, "connection refused|deadline exceeded")

			// A periodic export failing in the background is reported through otel.Handle.
			mark := handled.mark()
			mp := newProvider(t.Name()+"-periodic", newExporter(t, proto, addr, delta), 100*time.Millisecond, 500*time.Millisecond)
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				_ = mp.Shutdown(ctx)
			}()
			counter, _ := newMeter(mp).Int64Counter("e2e.badinput.requests")
			counter.Add(context.Background(), 1)
			eventually(t, 5*time.Second, "otel.Handle report", func() error {
				if len(handled.since(mark)) == 0 {
					return fmt.Errorf("no export error reported through otel.Handle")
				}
				return nil
			})
			t.Run("report names the endpoint", func(t *testing.T) {
				eventually(t, 5*time.Second, "otel.Handle report naming the endpoint", func() error {
					for _, e := range handled.since(mark) {
						if strings.Contains(e.Error(), addr) {
							return nil
						}
					}
					return fmt.Errorf("no error mentioning %s reported through otel.Handle; got %q", addr, handled.since(mark))
				})
			})
		})
	}
}

// otlpHTTPServer is an httptest OTLP/HTTP endpoint answering with the status
// codes of respond, one per request (the last one repeats), and remembering
// the counter value of every request it accepted.
type otlpHTTPServer struct {
	*httptest.Server
	requests atomic.Int64
	accepted atomic.Int64 // sum of int sums in accepted requests
}

func newOTLPHTTPServer(t *testing.T, respond ...int) *otlpHTTPServer {
	t.Helper()
	s := &otlpHTTPServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/metrics", func(w http.ResponseWriter, r *http.Request) {
		n := int(s.requests.Add(1))
		code := respond[min(n, len(respond))-1]
		body, _ := io.ReadAll(r.Body)
		switch code {
		case http.StatusOK:
			var req colmetricpb.ExportMetricsServiceRequest
			if err := proto.Unmarshal(body, &req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			s.accepted.Add(requestIntTotal(&req))
			w.Header().Set("Content-Type", "application/x-protobuf")
			out, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
			_, _ = w.Write(out)
		case http.StatusServiceUnavailable:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "collector overloaded", code)
		default:
			http.Error(w, "invalid metrics payload", code)
		}
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// hostPort is the server's address without the scheme.
func (s *otlpHTTPServer) hostPort() string { return strings.TrimPrefix(s.URL, "http://") }

// requestIntTotal sums every int data point of every sum in req.
func requestIntTotal(req *colmetricpb.ExportMetricsServiceRequest) int64 {
	var total int64
	for _, rm := range req.GetResourceMetrics() {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				for _, dp := range m.GetSum().GetDataPoints() {
					total += dp.GetAsInt()
				}
			}
		}
	}
	return total
}

func newHTTPExporter(t *testing.T, hostPort string, opts ...otlpmetrichttp.Option) sdkmetric.Exporter {
	t.Helper()
	exp, err := otlpmetrichttp.New(context.Background(),
		append([]otlpmetrichttp.Option{otlpmetrichttp.WithEndpoint(hostPort), otlpmetrichttp.WithInsecure()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// A 400 is permanent: the exporter does not retry, the batch is dropped and
// the error carries the status and the server's message.
func TestHTTPBadRequest(t *testing.T) {
	t.Parallel()
	srv := newOTLPHTTPServer(t, http.StatusBadRequest)
	err, took := exportOnce(t, newHTTPExporter(t, srv.hostPort()), 5*time.Second)
	requireErrorWithin(t, err, took, 5*time.Second, "400 Bad Request", "invalid metrics payload")
	if n := srv.requests.Load(); n != 1 {
		t.Errorf("server got %d requests, want 1 (a 400 is not retried)", n)
	}
}

// A wrong URL path answers 404: same outcome as a 400.
func TestHTTPWrongPath(t *testing.T) {
	t.Parallel()
	srv := newOTLPHTTPServer(t, http.StatusOK)
	err, took := exportOnce(t, newHTTPExporter(t, srv.hostPort(), otlpmetrichttp.WithURLPath("/v1/wrong")), 5*time.Second)
	requireErrorWithin(t, err, took, 5*time.Second, "404 Not Found")
}

// A 503 is retried (honouring Retry-After: 1) until the export deadline;
// when it persists, the flush returns an error by the deadline. A short retry
// backoff makes the retries visible within a 2.5 s deadline.
func TestHTTPServiceUnavailable(t *testing.T) {
	t.Parallel()
	srv := newOTLPHTTPServer(t, http.StatusServiceUnavailable)
	const deadline = 2500 * time.Millisecond
	exp := newHTTPExporter(t, srv.hostPort(), otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{
		Enabled: true, InitialInterval: 100 * time.Millisecond, MaxInterval: time.Second, MaxElapsedTime: time.Minute,
	}))
	err, took := exportOnce(t, exp, deadline)
	requireErrorWithin(t, err, took, deadline, "503|deadline exceeded")
	if n := srv.requests.Load(); n < 2 {
		t.Errorf("server got %d requests, want the 503 retried at least once within %v", n, deadline)
	}
}

// A transient 503 loses nothing: the retry (after the default 5 s initial
// backoff) delivers the batch.
func TestHTTPServiceUnavailableThenOK(t *testing.T) {
	t.Parallel()
	srv := newOTLPHTTPServer(t, http.StatusServiceUnavailable, http.StatusOK)
	err, _ := exportOnce(t, newHTTPExporter(t, srv.hostPort()), 10*time.Second)
	if err != nil {
		t.Fatalf("export after a transient 503: %v", err)
	}
	if n, got := srv.requests.Load(), srv.accepted.Load(); n != 2 || got != 7 {
		t.Errorf("server got %d requests and accepted a total of %d, want 2 requests and 7", n, got)
	}
}

// fakeMetricsService is an OTLP/gRPC endpoint answering every Export with err.
type fakeMetricsService struct {
	colmetricpb.UnimplementedMetricsServiceServer
	err   error
	calls atomic.Int64
}

func (f *fakeMetricsService) Export(context.Context, *colmetricpb.ExportMetricsServiceRequest) (*colmetricpb.ExportMetricsServiceResponse, error) {
	f.calls.Add(1)
	return nil, f.err
}

func startFakeGRPC(t *testing.T, svc *fakeMetricsService) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	colmetricpb.RegisterMetricsServiceServer(srv, svc)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return l.Addr().String()
}

func newGRPCExporter(t *testing.T, addr string) sdkmetric.Exporter {
	t.Helper()
	exp, err := otlpmetricgrpc.New(context.Background(), otlpmetricgrpc.WithEndpoint(addr), otlpmetricgrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// InvalidArgument (gRPC's 400) is permanent: one call, error returned.
func TestGRPCInvalidArgument(t *testing.T) {
	t.Parallel()
	svc := &fakeMetricsService{err: status.Error(codes.InvalidArgument, "invalid metrics payload")}
	err, took := exportOnce(t, newGRPCExporter(t, startFakeGRPC(t, svc)), 5*time.Second)
	requireErrorWithin(t, err, took, 5*time.Second, "InvalidArgument", "invalid metrics payload")
	if n := svc.calls.Load(); n != 1 {
		t.Errorf("server got %d calls, want 1 (InvalidArgument is not retried)", n)
	}
}

// Unavailable (gRPC's 503) is retried with backoff until the deadline.
func TestGRPCUnavailable(t *testing.T) {
	t.Parallel()
	svc := &fakeMetricsService{err: status.Error(codes.Unavailable, "collector overloaded")}
	const deadline = 2 * time.Second
	err, took := exportOnce(t, newGRPCExporter(t, startFakeGRPC(t, svc)), deadline)
	requireErrorWithin(t, err, took, deadline, "collector overloaded|deadline exceeded")
	if n := svc.calls.Load(); n < 1 {
		t.Errorf("server got no call")
	}
}

// A gRPC exporter pointed at an HTTP/1.1 endpoint (the wrong port or
// protocol) fails with an error by the deadline instead of hanging.
func TestGRPCToHTTPEndpoint(t *testing.T) {
	t.Parallel()
	srv := newOTLPHTTPServer(t, http.StatusOK)
	const deadline = 2 * time.Second
	err, took := exportOnce(t, newGRPCExporter(t, srv.hostPort()), deadline)
	requireErrorWithin(t, err, took, deadline, "Unavailable|deadline exceeded")
}
