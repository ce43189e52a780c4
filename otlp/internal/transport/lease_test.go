package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// largeBody is bigger than every socket and HTTP/2 window on the way, so a
// receiver that answers without reading it leaves the transport writing.
func largeBody() []byte { return make([]byte, 8<<20) }

// overwrite does what the encoder does to its buffer in the next export:
// under -race, a transport still reading body is a reported race.
func overwrite(body []byte) {
	for i := range body {
		body[i] = byte(i)
	}
}

// earlyAnswer answers 503 without reading the request body.
func earlyAnswer(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusServiceUnavailable)
}

// TestHTTPSendReleasesTheBodyBeforeReturning sends to real receivers that
// answer before reading the request, over HTTP/1.1 and HTTP/2: Send must not
// return while net/http still writes the body, since the exporter writes the
// next request into the same bytes.
func TestHTTPSendReleasesTheBodyBeforeReturning(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		name := "http1"
		if h2 {
			name = "h2"
		}
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(earlyAnswer))
			cfg := HTTPConfig{}
			if h2 {
				srv.EnableHTTP2 = true
				srv.StartTLS()
				cfg.TLS = &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
			} else {
				srv.Start()
			}
			defer srv.Close()
			cfg.URL = srv.URL + "/v1/metrics"
			s, err := NewHTTPSender(cfg)
			if err != nil {
				t.Fatal(err)
			}
			body := largeBody()
			for range 5 {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := s.Send(ctx, body)
				cancel()
				var retryable *RetryableError
				if !errors.As(err, &retryable) {
					t.Fatalf("Send = %v, want the receiver's 503 as a retryable error", err)
				}
				if s.BodyRetained() {
					t.Fatal("BodyRetained after a Send whose context did not end")
				}
				if n := s.lease.outstanding.Load(); n != 0 {
					t.Fatalf("%d bodies still lent after Send returned", n)
				}
				overwrite(body)
			}
		})
	}
}

// TestHTTPSendGivesUpTheBodyWhenItsContextEnds: a receiver that neither
// reads nor answers holds the body past the deadline; Send returns then, and
// either the body was released or BodyRetained says so.
func TestHTTPSendGivesUpTheBodyWhenItsContextEnds(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	s, err := NewHTTPSender(HTTPConfig{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := s.Send(ctx, largeBody()); err == nil {
		t.Fatal("Send to a receiver that never answers succeeded")
	}
	old := s.lease
	if !s.BodyRetained() && old.outstanding.Load() != 0 {
		t.Fatal("Send returned with a body lent and BodyRetained false")
	}
	if s.BodyRetained() {
		t.Fatal("BodyRetained does not forget")
	}
}

// TestGRPCSendReleasesTheBodyBeforeReturning: a real gRPC server whose
// handler answers without decoding the request (grpc-go reads a unary
// request in the handler's decode function) answers before it has read it.
func TestGRPCSendReleasesTheBodyBeforeReturning(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "opentelemetry.proto.collector.metrics.v1.MetricsService",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{MethodName: "Export", Handler: func(any, context.Context, func(any) error, grpc.UnaryServerInterceptor) (any, error) {
			return nil, status.Error(codes.Internal, "refused unread")
		}}},
	}, struct{}{})
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	s, err := NewGRPCSender(GRPCConfig{Target: lis.Addr().String(), Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close(context.Background()) }()
	body := largeBody()
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := s.Send(ctx, body)
		cancel()
		// The handler's answer, or grpc-go's, which refuses a message over
		// its 4 MiB default before the handler runs: both unread.
		if c := status.Code(errors.Unwrap(err)); c != codes.Internal && c != codes.ResourceExhausted {
			t.Fatalf("Send = %v, want the handler's Internal or the server's ResourceExhausted", err)
		}
		if s.BodyRetained() {
			t.Fatal("BodyRetained after a Send whose context did not end")
		}
		if n := s.req.lease.outstanding.Load(); n != 0 {
			t.Fatalf("%d bodies still lent after Send returned", n)
		}
		overwrite(body)
	}
}
