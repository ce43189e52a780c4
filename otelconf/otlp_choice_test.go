package otelconf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fastmeter/fastmeter/internal/testenv"
)

// officialAgent starts the User-Agent of the official OTLP exporters; the
// native exporter sends the transport's default (Go-http-client, grpc-go).
const officialAgent = "OTel Go OTLP"

// exportWith builds a one-reader configuration around exporter (YAML below
// "exporter:"), records one counter and shuts down, which exports it.
func exportWith(t *testing.T, exporter string, opts ...ConfigurationOption) error {
	t.Helper()
	yaml := "file_format: \"1.0\"\nmeter_provider:\n  readers:\n    - periodic:\n        interval: 3600000\n        exporter:\n" + exporter
	cfg, err := ParseYAML([]byte(yaml))
	if err != nil {
		t.Fatalf("parsing\n%s: %v", yaml, err)
	}
	sdk, err := NewSDK(append([]ConfigurationOption{WithContext(t.Context()), WithOpenTelemetryConfiguration(*cfg)}, opts...)...)
	if err != nil {
		return err
	}
	c, _ := sdk.MeterProvider().Meter("choice").Int64Counter("orders")
	c.Add(context.Background(), 5)
	if err := sdk.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown (the final export): %v", err)
	}
	return nil
}

// The otlp_http and otlp_grpc exporters are fastmeter's native exporter by
// default and the official ones with OTEL_GO_FASTMETER_OTLP_EXPORTER=official
// or WithOfficialOTLPExporter; each delivers the file's headers to a real
// receiver.
func TestOTLPExporterChoice(t *testing.T) {
	for _, kind := range []string{"otlp_http", "otlp_grpc"} {
		for _, choice := range []struct {
			name     string
			env      string
			opts     []ConfigurationOption
			official bool
		}{
			{name: "default"},
			{name: "env native", env: "native"},
			{name: "env official", env: "OFFICIAL", official: true},
			{name: "option official", opts: []ConfigurationOption{WithOfficialOTLPExporter()}, official: true},
		} {
			t.Run(kind+"/"+choice.name, func(t *testing.T) {
				testenv.CleanEnv(t)
				if choice.env != "" {
					t.Setenv("OTEL_GO_FASTMETER_OTLP_EXPORTER", choice.env)
				}
				var rec *receiver
				var endpoint string
				if kind == "otlp_http" {
					var base string
					rec, base = startHTTPReceiver(t)
					endpoint = base + "/custom/metrics"
				} else {
					var addr string
					rec, addr = startGRPCReceiver(t)
					endpoint = "http://" + addr
				}
				exporter := fmt.Sprintf("          %s:\n            endpoint: %s\n            headers:\n              - name: x-tenant\n                value: acme\n", kind, endpoint)
				if err := exportWith(t, exporter, choice.opts...); err != nil {
					t.Fatal(err)
				}
				got := rec.received()
				if len(got) != 1 {
					t.Fatalf("%d exports, want 1", len(got))
				}
				if ua := got[0].headers.Get("User-Agent"); strings.Contains(ua, officialAgent) != choice.official {
					t.Errorf("User-Agent %q: want the official exporter = %v", ua, choice.official)
				}
				if got[0].headers.Get("X-Tenant") != "acme" {
					t.Errorf("headers %v lack x-tenant: acme", got[0].headers)
				}
				if kind == "otlp_http" && got[0].path != "/custom/metrics" {
					t.Errorf("path %q", got[0].path)
				}
			})
		}
	}
}

// encoding: json, which the official OTLP/HTTP exporter cannot send, works
// with the native exporter, and is an unsupported entry naming its path with
// the official one.
func TestOTLPHTTPJSONEncoding(t *testing.T) {
	testenv.CleanEnv(t)
	rec, base := startHTTPReceiver(t)
	exporter := "          otlp_http:\n            endpoint: " + base + "/v1/metrics\n            encoding: json\n"
	if err := exportWith(t, exporter); err != nil {
		t.Fatal(err)
	}
	got := rec.received()
	if len(got) != 1 || got[0].headers.Get("Content-Type") != "application/json" {
		t.Fatalf("exports %v, want one OTLP/JSON request", got)
	}

	_, err := newSDKFromFile(t, "testdata/json_encoding.yaml", WithOfficialOTLPExporter())
	var pe *PathError
	if !errors.As(err, &pe) || !errors.Is(err, ErrUnsupported) ||
		pe.Path != "meter_provider.readers[0].periodic.exporter.otlp_http.encoding" {
		t.Fatalf("official exporter with encoding json: %v, want an unsupported entry naming its path", err)
	}
}

// A bad OTEL_GO_FASTMETER_OTLP_EXPORTER is an error naming it, raised only
// when the file configures an OTLP exporter.
func TestOTLPExporterChoiceInvalid(t *testing.T) {
	testenv.CleanEnv(t)
	t.Setenv("OTEL_GO_FASTMETER_OTLP_EXPORTER", "contrib")
	_, base := startHTTPReceiver(t)
	err := exportWith(t, "          otlp_http:\n            endpoint: "+base+"/v1/metrics\n")
	if err == nil || !strings.Contains(err.Error(), `OTEL_GO_FASTMETER_OTLP_EXPORTER="contrib"`) {
		t.Fatalf("got %v, want an error naming the variable", err)
	}
	var out strings.Builder
	sdk, err := newSDKFromFile(t, "testdata/minimal.yaml", WithConsoleWriter(&out))
	if err != nil {
		t.Fatalf("a console-only file failed on the OTLP choice: %v", err)
	}
	_ = sdk.Shutdown(context.Background())
}
