package autoconfig

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/otlp"
)

// Every variable autoconfig validates, with the invalid forms a user is
// likely to type. Each must fail NewMeterProvider with an *EnvError naming
// the variable, whose message shows the value (headers excepted).
func TestInvalidValuesAreErrorsNamingVariableAndValue(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	pki := newTestPKI(t)

	type env map[string]string
	tests := []struct {
		name     string
		env      env
		variable string // the variable the error must name
		show     string // must appear in the message ("" means the variable's value)
	}{
		{name: "unknown exporter", env: env{envMetricsExporter: "zipkin"}},
		{name: "deprecated logging exporter", env: env{envMetricsExporter: "logging"}},
		{name: "exporter listed twice", env: env{envMetricsExporter: "console,console"}, show: "listed twice"},
		{name: "none with others", env: env{envMetricsExporter: "none,otlp"}, show: `"none" cannot be combined`},
		{name: "only commas", env: env{envMetricsExporter: ",,"}, show: "names no exporter"},
		{name: "unknown protocol", env: env{envOTLPProtocol: "http"}},
		// fastmeter's native exporter sends http/json; the official one cannot.
		{name: "http/json with the official exporter", env: env{envOTLPProtocol: "http/json", envOTLPExporter: "official"},
			variable: envOTLPProtocol, show: "http/json is not supported"},
		{name: "otlp exporter choice", env: env{envOTLPExporter: "contrib"}, show: "accepted: native (the default), official"},
		{name: "metrics protocol", env: env{envOTLPMetricsProtocol: "thrift"}},
		{name: "temporality", env: env{envTemporalityPref: "deltas"}},
		{name: "histogram aggregation", env: env{envHistogramAggregation: "exponential"}},
		{name: "interval zero", env: env{envExportInterval: "0"}, show: "positive"},
		{name: "interval abc", env: env{envExportInterval: "abc"}, show: "whole number"},
		{name: "interval with unit", env: env{envExportInterval: "10s"}},
		{name: "interval negative", env: env{envExportInterval: "-5"}},
		{name: "interval overflow", env: env{envExportInterval: "99999999999999999"}, show: "too large"},
		{name: "timeout zero", env: env{envExportTimeout: "0"}},
		{name: "timeout abc", env: env{envExportTimeout: "abc"}},
		{name: "exemplar filter", env: env{envExemplarFilter: "sometimes"}},
		{name: "resource attribute without =", env: env{envResourceAttributes: "team=core,oops"}, show: `entry 2 ("oops") has no '='`},
		{name: "resource attribute empty key", env: env{envResourceAttributes: "=x"}, show: "empty key"},
		{name: "resource attribute bad escape", env: env{envResourceAttributes: "a=%zz"}, show: "%-escape"},
		{name: "prometheus port", env: env{envMetricsExporter: "prometheus", envPrometheusPort: "http"}},
		{name: "prometheus port range", env: env{envMetricsExporter: "prometheus", envPrometheusPort: "70000"}},
		{name: "endpoint without scheme", env: env{"OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4318"}, show: "http://"},
		{name: "metrics endpoint not a URL", env: env{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://[::1"}},
		{name: "endpoint no host", env: env{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://"}, show: "no host"},
		{name: "endpoint bad port", env: env{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:99999"}, show: "port"},
		{name: "grpc endpoint IP without scheme", env: env{envOTLPProtocol: "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "10.0.0.1:4317"},
			show: "write http://host:port"},
		{name: "grpc endpoint bad port", env: env{envOTLPProtocol: "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "collector:99999"}},
		{name: "grpc endpoint with a foreign scheme", env: env{envOTLPProtocol: "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://collector:4317"}},
		{name: "compression", env: env{"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}},
		{name: "metrics compression", env: env{"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "gz"}},
		{name: "otlp timeout", env: env{"OTEL_EXPORTER_OTLP_TIMEOUT": "10s"}},
		{name: "otlp metrics timeout zero", env: env{"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT": "0"}},
		{name: "certificate missing", env: env{"OTEL_EXPORTER_OTLP_CERTIFICATE": missing}, show: "cannot read"},
		{name: "certificate not PEM", env: env{"OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE": notPEM}, show: "no PEM certificate"},
		{name: "client certificate without key", env: env{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": pki.clientCertFile},
			variable: "OTEL_EXPORTER_OTLP_CLIENT_KEY", show: "set both or neither"},
		{name: "client key without certificate", env: env{"OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY": pki.clientKeyFile},
			variable: "OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE", show: "set both or neither"},
		{name: "client key of another certificate", env: env{
			"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": pki.clientCertFile,
			"OTEL_EXPORTER_OTLP_CLIENT_KEY":         pki.serverKeyFile,
		}, variable: "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", show: "not a valid key pair"},
		{name: "client key file missing", env: env{
			"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": pki.clientCertFile,
			"OTEL_EXPORTER_OTLP_CLIENT_KEY":         missing,
		}, variable: "OTEL_EXPORTER_OTLP_CLIENT_KEY", show: "cannot read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			variable := tt.variable
			for k := range tt.env {
				// The variable under test is the one that is not only
				// there to make it relevant (selecting an exporter or a
				// protocol).
				if variable == "" && (len(tt.env) == 1 || k != envMetricsExporter && k != envOTLPProtocol) {
					variable = k
				}
			}
			value := tt.env[variable]
			mp, err := NewMeterProvider(context.Background())
			if err == nil {
				_ = mp.Shutdown(context.Background())
				t.Fatalf("NewMeterProvider accepted %v", tt.env)
			}
			if mp != nil {
				t.Errorf("a provider was returned with the error %v", err)
			}
			envErrorNaming(t, err, variable)
			msg := err.Error()
			show := tt.show
			if show == "" {
				show = value
			}
			if !strings.Contains(msg, variable) || !strings.Contains(msg, show) {
				t.Errorf("error %q does not mention %s and %q", msg, variable, show)
			}
		})
	}
}

// Header values usually carry credentials: a malformed list is an error
// that points at the entry without printing any value.
func TestMalformedHeadersAreErrorsWithoutEchoingSecrets(t *testing.T) {
	tests := map[string]struct {
		value string
		want  string
	}{
		"token without key":   {"Bearer s3cret-token", "entry 1 has no '='"},
		"bad header name":     {"api key=s3cret-token", `the key is not a valid header name: ' ' at byte 3, after "api"`},
		"bad escape":          {"api-key=s3cret%zz", "entry 1 (api-key): the value has a malformed %-escape"},
		"trailing comma":      {"api-key=s3cret,", "entry 2 is empty"},
		"second entry broken": {"api-key=s3cret,s3cret2", "entry 2 has no '='"},
	}
	for name, tt := range tests {
		for _, variable := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"} {
			t.Run(name+"/"+variable, func(t *testing.T) {
				cleanEnv(t)
				t.Setenv(variable, tt.value)
				_, err := NewMeterProvider(context.Background())
				envErrorNaming(t, err, variable)
				msg := err.Error()
				if !strings.Contains(msg, tt.want) {
					t.Errorf("error %q does not say %q", msg, tt.want)
				}
				if strings.Contains(msg, "s3cret") {
					t.Errorf("error %q leaks the header value", msg)
				}
			})
		}
	}
}

// Several mistakes are reported together, so one restart fixes them all.
func TestAllInvalidValuesAreReportedAtOnce(t *testing.T) {
	cleanEnv(t)
	t.Setenv(envExportInterval, "abc")
	t.Setenv(envExportTimeout, "0")
	t.Setenv(envTemporalityPref, "sometimes")
	t.Setenv(envExemplarFilter, "never")
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli")
	_, err := NewMeterProvider(context.Background())
	if err == nil {
		t.Fatal("accepted")
	}
	for _, name := range []string{envExportInterval, envExportTimeout, envTemporalityPref, envExemplarFilter,
		"OTEL_EXPORTER_OTLP_COMPRESSION"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

// Booleans follow the specification's mandatory fallback: anything but
// true/false is false, with a warning that names the variable.
func TestInvalidBooleansFallBackToFalseWithAWarning(t *testing.T) {
	for _, variable := range []string{envSDKDisabled, "OTEL_EXPORTER_OTLP_INSECURE", "OTEL_EXPORTER_OTLP_METRICS_INSECURE"} {
		t.Run(variable, func(t *testing.T) {
			cleanEnv(t)
			log := captureErrors(t)
			t.Setenv(variable, "yes")
			// The otlp exporter reads the INSECURE variables; it points at
			// a local receiver so that the final export goes nowhere else.
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", startHTTPReceiver(t, newReceiver()).URL)
			manual := sdkmetric.NewManualReader()
			newProvider(t, WithReader(manual))
			if !strings.Contains(log.text(), variable) || !strings.Contains(log.text(), `"yes"`) ||
				!strings.Contains(log.text(), "treated as false") {
				t.Errorf("no warning naming %s=yes; got:\n%s", variable, log.text())
			}
			var rm metricdata.ResourceMetrics
			if err := manual.Collect(context.Background(), &rm); err != nil {
				t.Errorf("the provider does not drive its readers (%v): %s=yes disabled the SDK", err, variable)
			}
		})
	}
}

// Programmatic options must be valid too.
func TestInvalidOptionsAreErrors(t *testing.T) {
	tests := map[string]struct {
		opt  Option
		want string
	}{
		"zero interval":    {WithInterval(0), "WithInterval(0s): must be positive"},
		"negative timeout": {WithTimeout(-1), "WithTimeout(-1ns): must be positive"},
		"unknown exporter": {WithExporters("jaeger"), `unknown exporter "jaeger"`},
		"protocol":         {WithOTLPProtocol("thrift"), `unknown OTLP protocol "thrift"`},
		"http/json with the official exporter": {optionFunc(func(c *config) {
			WithOTLPProtocol("http/json").apply(c)
			WithOfficialOTLPExporter().apply(c)
		}), "http/json is not supported"},
		"both exporters' options": {optionFunc(func(c *config) {
			WithOTLPOptions(otlp.WithGzip()).apply(c)
			WithOfficialOTLPExporter().apply(c)
		}), "cannot be combined"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			cleanEnv(t)
			_, err := NewMeterProvider(context.Background(), tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
