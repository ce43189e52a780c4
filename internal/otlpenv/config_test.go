package otlpenv

import (
	"crypto/tls"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/testenv"
)

// read calls Read and fails the test on any problem.
func read(t *testing.T, protocol Protocol) Config {
	t.Helper()
	c, problems := Read(protocol)
	for _, p := range problems {
		t.Errorf("unexpected problem: %v", p)
	}
	return c
}

// The general endpoint is a base URL below which /v1/metrics goes; the
// METRICS_ one is used as it is ("/" without a path) and wins; the scheme
// decides TLS unless an INSECURE variable (which comes after both) is set.
func TestEndpointRules(t *testing.T) {
	tests := []struct {
		name     string
		protocol Protocol
		env      map[string]string
		url      string // HTTPURL, for the HTTP protocols
		target   string // GRPCTarget
		insecure bool
		from     string
	}{
		{name: "general", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"},
			url: "http://c:4318/v1/metrics", target: "c:4318", insecure: true, from: "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{name: "general with path", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://c/otlp/"},
			url: "https://c/otlp/v1/metrics", target: "c", from: "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{name: "metrics as is", env: map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://c:1/custom"},
			url: "http://c:1/custom", target: "c:1", insecure: true, from: "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"},
		{name: "metrics without path", env: map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://c:1"},
			url: "http://c:1/", target: "c:1", insecure: true, from: "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"},
		{name: "metrics wins", env: map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":         "http://general:1",
			"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "https://metrics:2/m",
		}, url: "https://metrics:2/m", target: "metrics:2", from: "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"},
		{name: "insecure overrides the scheme", env: map[string]string{
			"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "https://c:1/m",
			"OTEL_EXPORTER_OTLP_INSECURE":         "TRUE",
		}, url: "http://c:1/m", target: "c:1", insecure: true, from: "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"},
		{name: "grpc host:port", protocol: ProtocolGRPC, env: map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4317",
		}, target: "collector:4317", from: "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{name: "grpc unix", protocol: ProtocolGRPC, env: map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT": "unix:/run/otel.sock",
		}, target: "unix:/run/otel.sock", insecure: true, from: "OTEL_EXPORTER_OTLP_ENDPOINT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testenv.SetEnv(t, tt.env)
			c := read(t, tt.protocol)
			if tt.protocol != ProtocolGRPC && c.HTTPURL() != tt.url || c.GRPCTarget != tt.target || c.Insecure != tt.insecure || c.EndpointVar != tt.from {
				t.Errorf("url %q target %q insecure %v from %s; want %q %q %v %s",
					c.HTTPURL(), c.GRPCTarget, c.Insecure, c.EndpointVar, tt.url, tt.target, tt.insecure, tt.from)
			}
			if !c.TransportChosen() {
				t.Error("an endpoint chooses the transport")
			}
		})
	}
	testenv.SetEnv(t, nil)
	if c := read(t, ""); c.TransportChosen() || c.HTTPURL() != "" || c.Protocol != ProtocolHTTPProtobuf {
		t.Errorf("no variable: %+v", c)
	}
}

// Every setting: the METRICS_ form wins; keywords are case-insensitive.
func TestSettingsMetricsFormWins(t *testing.T) {
	testenv.SetEnv(t, map[string]string{
		"OTEL_EXPORTER_OTLP_PROTOCOL":            "grpc",
		"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL":    "HTTP/JSON",
		"OTEL_EXPORTER_OTLP_HEADERS":             "a=1",
		"OTEL_EXPORTER_OTLP_METRICS_HEADERS":     "b=%202%20, c = x=y",
		"OTEL_EXPORTER_OTLP_COMPRESSION":         "none",
		"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "GZIP",
		"OTEL_EXPORTER_OTLP_TIMEOUT":             "1000",
		"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT":     "250",
		EnvTemporalityPreference:                 "LowMemory",
		EnvHistogramAggregation:                  "base2_exponential_bucket_histogram",
	})
	c := read(t, "")
	if c.Protocol != ProtocolHTTPJSON {
		t.Errorf("protocol %q", c.Protocol)
	}
	if len(c.Headers) != 2 || c.Headers["b"] != "2" || c.Headers["c"] != "x=y" {
		t.Errorf("headers %v: want the METRICS_ list only, decoded and trimmed", c.Headers)
	}
	if c.Compression != "gzip" || c.Timeout.Milliseconds() != 250 {
		t.Errorf("compression %q timeout %v", c.Compression, c.Timeout)
	}
	if c.Temporality == nil || c.Temporality(fastmeter.InstrumentKindObservableCounter) != metricdata.CumulativeTemporality ||
		c.Temporality(fastmeter.InstrumentKindCounter) != metricdata.DeltaTemporality {
		t.Error("lowmemory temporality not selected")
	}
	if _, ok := c.Aggregation(fastmeter.InstrumentKindHistogram).(fastmeter.AggregationBase2ExponentialHistogram); !ok {
		t.Error("exponential histogram not selected")
	}
	// An explicit protocol replaces the variables.
	if c := read(t, ProtocolGRPC); c.Protocol != ProtocolGRPC {
		t.Errorf("explicit protocol: %q", c.Protocol)
	}
}

// Every unusable value is one problem naming the variable and the setting;
// header values never appear.
func TestProblemsNameVariableAndSetting(t *testing.T) {
	testenv.SetEnv(t, map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT":                 "localhost:4318",
		"OTEL_EXPORTER_OTLP_METRICS_HEADERS":          "authorization=Bearer%0Ds3cret",
		"OTEL_EXPORTER_OTLP_COMPRESSION":              "zstd",
		"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT":          "0",
		"OTEL_EXPORTER_OTLP_CERTIFICATE":              "/nonexistent.pem",
		"OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY":       "/nonexistent.key",
		EnvTemporalityPreference:                      "deltas",
		EnvHistogramAggregation:                       "exponential",
		"OTEL_EXPORTER_OTLP_METRICS_INSECURE":         "yes",
		"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL":         "http/protobuf",
		"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_NOPE": "ignored",
	})
	_, problems := Read("")
	want := map[string]Setting{
		"OTEL_EXPORTER_OTLP_ENDPOINT":                   SettingEndpoint,
		"OTEL_EXPORTER_OTLP_METRICS_HEADERS":            SettingHeaders,
		"OTEL_EXPORTER_OTLP_COMPRESSION":                SettingCompression,
		"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT":            SettingTimeout,
		"OTEL_EXPORTER_OTLP_CERTIFICATE":                SettingTLS,
		"OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE": SettingTLS,
		EnvTemporalityPreference:                        SettingTemporality,
		EnvHistogramAggregation:                         SettingAggregation,
	}
	got := map[string]Setting{}
	for _, p := range problems {
		got[p.Name] = p.Setting
		if strings.Contains(p.Error(), "s3cret") {
			t.Errorf("a header value leaked: %v", p)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems %v, want %v", problems, want)
	}
	for name, setting := range want {
		if got[name] != setting {
			t.Errorf("%s: setting %v, want %v (problems: %v)", name, got[name], setting, problems)
		}
	}
	c, _ := Read("")
	if len(c.Warnings) != 1 || c.Warnings[0].Name != "OTEL_EXPORTER_OTLP_METRICS_INSECURE" || c.Insecure {
		t.Errorf("warnings %v insecure %v: want one fallback to false", c.Warnings, c.Insecure)
	}
}

// The certificate variables give a TLS configuration with the CA and the
// client pair; none gives nil.
func TestTLSFiles(t *testing.T) {
	pki := newPKI(t)
	testenv.SetEnv(t, map[string]string{
		"OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE":        pki.caFile,
		"OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE": pki.certFile,
		"OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY":         pki.keyFile,
	})
	c := read(t, "")
	if c.TLS == nil || c.TLS.RootCAs == nil || len(c.TLS.Certificates) != 1 || !c.TransportChosen() {
		t.Fatalf("TLS %+v", c.TLS)
	}
	if c.TLS.MinVersion < tls.VersionTLS12 {
		t.Error("TLS below 1.2 allowed")
	}
}
