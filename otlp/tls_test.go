package otlp_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/fastmeter/fastmeter/otlp"
	"github.com/fastmeter/fastmeter/otlp/internal/fixture"
)

// trusting returns a client TLS config that trusts srv's certificate.
func trusting(t *testing.T, cert *x509.Certificate) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

func TestHTTPSWithTLSConfig(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	rm := fixture.Counters(2)
	// Untrusted certificate: a TLS failure, not retried forever.
	untrusted := newExporter(t, otlp.WithEndpointURL(srv.URL)) // default retries
	if err := untrusted.Export(context.Background(), &rm); err == nil {
		t.Fatal("export to an untrusted certificate succeeded")
	}
	exp := newExporter(t, otlp.WithEndpointURL(srv.URL), otlp.WithTLSConfig(trusting(t, srv.Certificate())))
	if err := exp.Export(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
}

func TestGRPCWithTLS(t *testing.T) {
	// httptest's certificate serves the gRPC server too (valid for 127.0.0.1).
	certSrv := httptest.NewTLSServer(http.NotFoundHandler())
	certSrv.Close()
	serverTLS := &tls.Config{Certificates: certSrv.TLS.Certificates, MinVersion: tls.VersionTLS12}
	recv := newGRPCReceiver(t, nil, grpc.Creds(credentials.NewTLS(serverTLS)))
	exp := newExporter(t, otlp.WithProtocol(otlp.GRPC), otlp.WithEndpoint(recv.addr),
		otlp.WithTLSConfig(trusting(t, certSrv.Certificate())))
	rm := fixture.Counters(2)
	if err := exp.Export(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if reqs, _ := recv.got(); len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
}
