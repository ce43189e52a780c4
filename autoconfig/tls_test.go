package autoconfig

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// OTEL_EXPORTER_OTLP_CERTIFICATE makes the exporter trust the collector's
// CA; the client certificate variables authenticate the exporter to a
// collector that requires it. Both the general and the METRICS_ forms, for
// both protocols.
func TestTLSFromEnvironment(t *testing.T) {
	pki := newTestPKI(t)
	for _, protocol := range []string{"http/protobuf", "grpc"} {
		for _, prefix := range []string{"OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_METRICS_"} {
			t.Run(protocol+"/"+prefix, func(t *testing.T) {
				cleanEnv(t)
				rcv := newReceiver()
				t.Setenv(envOTLPProtocol, protocol)
				t.Setenv(prefix+"ENDPOINT", startTLSReceiver(t, rcv, protocol, pki, true))
				t.Setenv(prefix+"CERTIFICATE", pki.caFile)
				t.Setenv(prefix+"CLIENT_CERTIFICATE", pki.clientCertFile)
				t.Setenv(prefix+"CLIENT_KEY", pki.clientKeyFile)
				recordAndFlush(t, newProvider(t), "secure")
				if rcv.last(t).metric("secure") == nil {
					t.Error("the metric did not arrive over TLS")
				}
			})
		}
	}
}

// Without the CA the collector's certificate is refused: TLS is really
// verified, and the failure is an export error, not a hang.
func TestTLSWithoutTrustedCAFails(t *testing.T) {
	pki := newTestPKI(t)
	for _, protocol := range []string{"http/protobuf", "grpc"} {
		t.Run(protocol, func(t *testing.T) {
			cleanEnv(t)
			rcv := newReceiver()
			t.Setenv(envOTLPProtocol, protocol)
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startTLSReceiver(t, rcv, protocol, pki, false))
			t.Setenv(envExportTimeout, "1000")
			mp := newProvider(t)
			c, _ := mp.Meter("t").Int64Counter("c")
			c.Add(context.Background(), 1)
			err := flushWithoutDeadline(t, mp)
			if err == nil {
				t.Fatal("exported to a collector whose certificate is not trusted")
			}
			if !strings.Contains(err.Error(), "certificate") && !strings.Contains(err.Error(), "deadline") {
				t.Errorf("error %v does not point at the certificate", err)
			}
			if len(rcv.all()) != 0 {
				t.Error("the receiver got data")
			}
			_ = shutdownBy(t, mp, 300*time.Millisecond)
		})
	}
}

// startTLSReceiver serves r over TLS for protocol and returns the https
// endpoint URL; mutual requires a client certificate.
func startTLSReceiver(t *testing.T, r *receiver, protocol string, pki *testPKI, mutual bool) string {
	t.Helper()
	if protocol == "grpc" {
		return "https://" + startGRPCReceiver(t, r, pki.serverTLS(mutual))
	}
	srv := httptest.NewUnstartedServer(r)
	srv.EnableHTTP2 = true // as the Collector's OTLP/HTTP receiver over TLS
	srv.TLS = pki.serverTLS(mutual)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(r.unblock) })
	return srv.URL
}
