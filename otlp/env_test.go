package otlp_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/testenv"
	"github.com/fastmeter/fastmeter/otlp"
	"github.com/fastmeter/fastmeter/otlp/internal/fixture"
)

// writeCertificate writes cert to a PEM file, for the CERTIFICATE variables.
func writeCertificate(t *testing.T, cert *x509.Certificate) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// exportOne sends one small export and fails the test on error.
func exportOne(t *testing.T, exp *otlp.Exporter) {
	t.Helper()
	rm := fixture.Counters(1)
	if err := exp.Export(context.Background(), &rm); err != nil {
		t.Fatalf("Export: %v", err)
	}
}

// With no option, New is configured by the variables alone, like the
// official exporters: the general endpoint as a base URL, the METRICS_
// headers over the general ones, compression, temporality, aggregation.
func TestNewReadsTheEnvironment(t *testing.T) {
	recv := newHTTPReceiver(t, nil)
	testenv.SetEnv(t, map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT":                              recv.URL + "/base",
		"OTEL_EXPORTER_OTLP_HEADERS":                               "x-general=1",
		"OTEL_EXPORTER_OTLP_METRICS_HEADERS":                       "api-key=s%20t, x-tenant=acme",
		"OTEL_EXPORTER_OTLP_COMPRESSION":                           "GZIP",
		"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE":        "delta",
		"OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION": "base2_exponential_bucket_histogram",
	})
	exp := newExporter(t)
	exportOne(t, exp)
	r := recv.got()[0]
	if r.path != "/base/v1/metrics" {
		t.Errorf("path %q, want /base/v1/metrics", r.path)
	}
	if r.header.Get("Api-Key") != "s t" || r.header.Get("X-Tenant") != "acme" || r.header.Get("X-General") != "" {
		t.Errorf("headers %v: want the METRICS_ list, decoded", r.header)
	}
	if r.header.Get("Content-Encoding") != "gzip" {
		t.Error("not gzip-compressed")
	}
	if exp.Temporality(fastmeter.InstrumentKindCounter) != metricdata.DeltaTemporality {
		t.Error("temporality preference not applied")
	}
	if _, ok := exp.Aggregation(fastmeter.InstrumentKindHistogram).(fastmeter.AggregationBase2ExponentialHistogram); !ok {
		t.Error("histogram aggregation not applied")
	}
}

// The protocol variables choose gRPC and http/json; the METRICS_ endpoint
// is used as it is.
func TestEnvironmentProtocols(t *testing.T) {
	t.Run("grpc", func(t *testing.T) {
		recv := newGRPCReceiver(t, nil)
		testenv.SetEnv(t, map[string]string{
			"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "grpc",
			"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://" + recv.addr,
			"OTEL_EXPORTER_OTLP_HEADERS":          "x-tenant=acme",
		})
		exportOne(t, newExporter(t))
		reqs, md := recv.got()
		if len(reqs) != 1 || len(md[0].Get("x-tenant")) != 1 || md[0].Get("x-tenant")[0] != "acme" {
			t.Fatalf("%d requests, metadata %v", len(reqs), md)
		}
	})
	t.Run("http/json", func(t *testing.T) {
		recv := newHTTPReceiver(t, func(_ int, w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{}`))
		})
		testenv.SetEnv(t, map[string]string{
			"OTEL_EXPORTER_OTLP_PROTOCOL":         "http/json",
			"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": recv.URL + "/custom",
		})
		exportOne(t, newExporter(t))
		r := recv.got()[0]
		if r.path != "/custom" || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s with %s, want /custom with application/json", r.path, r.header.Get("Content-Type"))
		}
	})
}

// Options override the variables setting by setting, and a variable an
// option replaces is not validated: a bad endpoint does not matter next to
// WithEndpointURL, but a bad compression still does.
func TestOptionsOverrideTheEnvironment(t *testing.T) {
	recv := newHTTPReceiver(t, nil)
	testenv.SetEnv(t, map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT":                       "localhost:4318", // invalid, replaced below
		"OTEL_EXPORTER_OTLP_HEADERS":                        "x-env=1",
		"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "delta",
		"OTEL_EXPORTER_OTLP_PROTOCOL":                       "grpc",
	})
	exp := newExporter(t, otlp.WithProtocol(otlp.HTTPProtobuf), otlp.WithEndpointURL(recv.URL),
		otlp.WithHeaders(map[string]string{"x-option": "2"}),
		otlp.WithTemporalitySelector(fastmeter.CumulativeTemporalitySelector))
	exportOne(t, exp)
	r := recv.got()[0]
	if r.header.Get("X-Env") != "" || r.header.Get("X-Option") != "2" {
		t.Errorf("headers %v: want the option's only", r.header)
	}
	if exp.Temporality(fastmeter.InstrumentKindCounter) != metricdata.CumulativeTemporality {
		t.Error("the option's temporality lost to the variable")
	}

	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "zstd")
	_, err := otlp.New(context.Background(), otlp.WithEndpointURL(recv.URL))
	var envErr *otlp.EnvError
	if !errors.As(err, &envErr) || envErr.Name != "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION" {
		t.Fatalf("New = %v, want an EnvError naming OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", err)
	}
	if strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_ENDPOINT") {
		t.Errorf("the replaced endpoint variable was reported: %v", err)
	}
}

// Every unusable variable is an *EnvError naming it; a header value never
// appears.
func TestEnvironmentErrorsNameTheVariable(t *testing.T) {
	testenv.SetEnv(t, map[string]string{
		"OTEL_EXPORTER_OTLP_PROTOCOL":        "thrift",
		"OTEL_EXPORTER_OTLP_METRICS_HEADERS": "authorization=Bearer%0Ds3cret",
		"OTEL_EXPORTER_OTLP_TIMEOUT":         "10s",
		"OTEL_EXPORTER_OTLP_CERTIFICATE":     filepath.Join(t.TempDir(), "missing.pem"),
	})
	exp, err := otlp.New(context.Background())
	if exp != nil || err == nil {
		t.Fatal("New accepted unusable variables")
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
		"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_CERTIFICATE"} {
		if !strings.Contains(err.Error(), "otlp: "+name+"=") {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("a header value leaked: %v", err)
	}
}

// OTEL_EXPORTER_OTLP_CERTIFICATE makes the exporter trust the receiver's CA.
func TestCertificateFromTheEnvironment(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(srv.Close)
	ca := writeCertificate(t, srv.Certificate())
	testenv.SetEnv(t, map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": srv.URL + "/v1/metrics"})
	rm := fixture.Counters(1)
	if err := newExporter(t, otlp.WithRetry(otlp.RetryConfig{})).Export(context.Background(), &rm); err == nil {
		t.Fatal("exported to an untrusted certificate")
	}
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", ca)
	exportOne(t, newExporter(t))
}

// As in the official exporters, WithEndpoint replaces only the host of an
// endpoint variable; its path and its scheme's TLS choice stay.
func TestWithEndpointKeepsTheVariablesPathAndScheme(t *testing.T) {
	recv := newHTTPReceiver(t, nil)
	testenv.SetEnv(t, map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://elsewhere.invalid:1/custom"})
	exportOne(t, newExporter(t, otlp.WithEndpoint(strings.TrimPrefix(recv.URL, "http://"))))
	if r := recv.got()[0]; r.path != "/custom" {
		t.Errorf("path %q, want the variable's /custom", r.path)
	}
}
