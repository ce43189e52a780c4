package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fastmeter/fastmeter/otelconf"
)

// TestOtelconfToCollector configures fastmeter with an OpenTelemetry
// configuration file only (testdata/otelconf-{grpc,http}.yaml, named by
// OTEL_CONFIG_FILE as the ecosystem does), the collector's endpoint and the
// test case substituted from ${ENV} references, and proves the result
// against the real collector: the full 14-instrument workload arrives
// exactly as the round trip requires (exporter, endpoint, transport
// security, compression, headers, interval, timeout, temporality, exemplar
// filter, resource and views all from the file).
func TestOtelconfToCollector(t *testing.T) {
	col := startCollector(t)
	for _, proto := range []string{"grpc", "http"} {
		t.Run(proto, func(t *testing.T) {
			caseName := "otelconf-" + proto
			endpoint := "http://" + col.httpAddr
			if proto == "grpc" {
				endpoint = col.grpcAddr // host:port; the file sets tls.insecure
			}
			setOTELEnv(t, map[string]string{
				"OTEL_CONFIG_FILE":   "testdata/otelconf-" + proto + ".yaml",
				"COLLECTOR_ENDPOINT": endpoint,
				"TEST_CASE":          caseName,
			})
			mark := handled.mark()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			sdk, err := otelconf.NewSDK(otelconf.WithContext(ctx))
			if err != nil {
				t.Fatalf("otelconf.NewSDK: %v", err)
			}
			// interval: 300 in the file drives the periodic export.
			driveWorkloadToCollector(ctx, t, col, caseName, sdk.MeterProvider(), sdk.Shutdown)
			requireNoExportErrors(t, mark)
		})
	}
}

// TestOtelconfBadFile: a file with a misspelt key fails NewSDK with an
// error naming the key's path and the file, and starts nothing.
func TestOtelconfBadFile(t *testing.T) {
	path := t.TempDir() + "/bad.yaml"
	if err := os.WriteFile(path, []byte(`file_format: "1.0"
meter_provider:
  readers:
    - periodic:
        exporter:
          otlp_grpc:
            endpoint: localhost:4317
            compresion: gzip
`), 0o600); err != nil {
		t.Fatal(err)
	}
	setOTELEnv(t, map[string]string{"OTEL_CONFIG_FILE": path})
	_, err := otelconf.NewSDK()
	if err == nil {
		t.Fatal("NewSDK accepted a misspelt key")
	}
	for _, want := range []string{path, "meter_provider.readers[0].periodic.exporter.otlp_grpc.compresion: unknown key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}
