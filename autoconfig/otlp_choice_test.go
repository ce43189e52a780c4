package autoconfig

import (
	"strings"
	"testing"

	"github.com/fastmeter/fastmeter/otlp"
)

// officialAgent is how the official exporters introduce themselves in the
// User-Agent header (HTTP) or metadata (gRPC); fastmeter's native exporter
// sends the transport's default (Go-http-client, grpc-go).
const officialAgent = "OTel Go OTLP"

// userAgent returns the user agent of an export: "User-Agent" over HTTP,
// "user-agent" metadata over gRPC.
func userAgent(e export) string {
	return strings.Join(append(e.headers["User-Agent"], e.headers["user-agent"]...), " ")
}

// The otlp exporter is the native one by default, and the official one with
// OTEL_GO_FASTMETER_OTLP_EXPORTER=official, WithOfficialOTLPExporter or an
// official exporter's options; both deliver to a real receiver over
// http/protobuf and grpc, configured by the same variables.
func TestOTLPExporterChoice(t *testing.T) {
	tests := []struct {
		name     string
		env      string // OTEL_GO_FASTMETER_OTLP_EXPORTER
		opts     []Option
		official bool
		gzip     bool // the options ask for it
	}{
		{name: "default", official: false},
		{name: "env native", env: "native", official: false},
		{name: "env official", env: "Official", official: true},
		{name: "option official", opts: []Option{WithOfficialOTLPExporter()}, official: true},
		{name: "native options win over env", env: "official", opts: []Option{WithOTLPOptions(otlp.WithGzip())}, gzip: true},
	}
	for _, protocol := range []string{"http/protobuf", "grpc"} {
		for _, tt := range tests {
			t.Run(protocol+"/"+tt.name, func(t *testing.T) {
				cleanEnv(t)
				rcv := newReceiver()
				t.Setenv(envOTLPProtocol, protocol)
				if protocol == "grpc" {
					t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+startGRPCReceiver(t, rcv, nil))
				} else {
					t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
				}
				t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=acme")
				t.Setenv(envTemporalityPref, "delta")
				if tt.env != "" {
					t.Setenv(envOTLPExporter, tt.env)
				}
				recordAndFlush(t, newProvider(t, tt.opts...), "orders")
				got := rcv.last(t)
				if ua := userAgent(got); strings.Contains(ua, officialAgent) != tt.official {
					t.Errorf("user agent %q: official exporter = %v, want %v", ua, !tt.official, tt.official)
				}
				if v := append(got.headers["X-Tenant"], got.headers["x-tenant"]...); len(v) != 1 || v[0] != "acme" {
					t.Errorf("x-tenant %v, want [acme]", v)
				}
				if (got.compression == "gzip") != tt.gzip {
					t.Errorf("compression %q, want gzip = %v (WithOTLPOptions applied)", got.compression, tt.gzip)
				}
				m := got.metric("orders")
				if m == nil || m.GetSum() == nil || m.GetSum().DataPoints[0].GetAsInt() != 5 {
					t.Fatalf("orders = %v, want one point of 5", m)
				}
				if tm := m.GetSum().AggregationTemporality.String(); !strings.Contains(tm, "DELTA") {
					t.Errorf("temporality %s, want delta (from the variable)", tm)
				}
			})
		}
	}
}

// http/json, which the official exporters cannot send, works with the
// native exporter: the receiver gets OTLP/JSON at the endpoint's path.
func TestHTTPJSONWithTheNativeExporter(t *testing.T) {
	for _, viaOption := range []bool{false, true} {
		cleanEnv(t)
		rcv := newReceiver()
		t.Setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", startHTTPReceiver(t, rcv).URL+"/custom")
		var opts []Option
		if viaOption {
			opts = append(opts, WithOTLPProtocol("HTTP/JSON"))
		} else {
			t.Setenv(envOTLPMetricsProtocol, "http/json")
		}
		recordAndFlush(t, newProvider(t, opts...), "orders")
		got := rcv.last(t)
		if ct := got.headers["Content-Type"]; len(ct) != 1 || ct[0] != "application/json" {
			t.Errorf("Content-Type %v, want application/json", ct)
		}
		if got.path != "/custom" {
			t.Errorf("path %q, want /custom (the METRICS_ endpoint as is)", got.path)
		}
		if m := got.metric("orders"); m == nil || m.GetSum().DataPoints[0].GetAsInt() != 5 {
			t.Errorf("orders = %v, want one point of 5", m)
		}
	}
}
