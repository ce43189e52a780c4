package otelconf

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestTLSCAFile: an OTLP/HTTP exporter whose tls.ca_file names the
// server's certificate exports over HTTPS to a real TLS server.
func TestTLSCAFile(t *testing.T) {
	var exports atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/metrics" {
			exports.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseYAML([]byte(`file_format: "1.0"
meter_provider:
  readers:
    - periodic:
        interval: 3600000
        exporter:
          otlp_http:
            endpoint: ` + srv.URL + `/v1/metrics
            tls:
              ca_file: ` + caFile + `
`))
	if err != nil {
		t.Fatal(err)
	}
	sdk, err := NewSDK(WithOpenTelemetryConfiguration(*cfg))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := sdk.MeterProvider().Meter("tls").Int64Counter("tls.counter")
	c.Add(context.Background(), 1)
	if err := sdk.MeterProvider().ForceFlush(context.Background()); err != nil {
		t.Fatalf("export over TLS with the file's CA: %v", err)
	}
	if err := sdk.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if exports.Load() < 1 {
		t.Fatal("the TLS server received no export")
	}
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("server URL %s is not HTTPS", srv.URL)
	}
}
