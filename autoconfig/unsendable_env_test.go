package autoconfig

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// Variables whose value the OTLP exporter would put into every request
// (resource attributes, headers) must be refused at startup when that value
// cannot be sent: otherwise startup succeeds and every export fails, losing
// all metrics. The tests below point the exporter at a real local receiver,
// so that a value wrongly accepted shows the export failure it causes and a
// value rightly accepted is seen arriving intact.

// transport is one way the otlp exporter reaches a collector.
type transport struct {
	name     string
	protocol otlpProtocol
	tls      bool // https: net/http then negotiates HTTP/2, as with the Collector
}

var transports = []transport{
	{"http1", protocolHTTPProtobuf, false},
	{"http2", protocolHTTPProtobuf, true},
	{"grpc", protocolGRPC, false},
}

// pointAt starts a local receiver for tr and points the otlp exporter at
// it, with a short export timeout (a hang guard: a failing export must
// return, not retry for the default 30 s).
func pointAt(t *testing.T, tr transport) *receiver {
	t.Helper()
	rcv := newReceiver()
	t.Setenv(envOTLPProtocol, string(tr.protocol))
	switch {
	case tr.protocol == protocolGRPC:
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+startGRPCReceiver(t, rcv, nil))
	case tr.tls:
		pki := newTestPKI(t)
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startTLSReceiver(t, rcv, string(tr.protocol), pki, false))
		t.Setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", pki.caFile)
	default:
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
	}
	t.Setenv(envExportTimeout, "5000")
	return rcv
}

// exportOnce records one measurement and forces an export, returning the
// export's error.
func exportOnce(mp *sdkmetric.MeterProvider) error {
	c, err := mp.Meter("t").Int64Counter("c")
	if err != nil {
		return err
	}
	c.Add(context.Background(), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return mp.ForceFlush(ctx)
}

// startOrShowExportFailure calls NewMeterProvider expecting an *EnvError
// naming variable. If startup wrongly succeeds, it exports once and fails
// the test with what the export did, which is the failure the startup
// error prevents.
func startOrShowExportFailure(t *testing.T, variable string) *EnvError {
	t.Helper()
	mp, err := NewMeterProvider(context.Background())
	if err == nil {
		exportErr := exportOnce(mp)
		_ = shutdownBy(t, mp, 2*time.Second)
		if exportErr != nil {
			t.Fatalf("startup accepted %s, then the export failed: %v", variable, exportErr)
		}
		t.Fatalf("startup accepted %s (and the export succeeded over this transport)", variable)
	}
	envErr := envErrorNaming(t, err, variable)
	if !utf8.ValidString(err.Error()) {
		t.Errorf("the error message is itself not valid UTF-8: %q", err.Error())
	}
	return envErr
}

// envErrorNaming fails the test unless err holds an *EnvError, which it
// returns, and the first one names variable.
func envErrorNaming(t *testing.T, err error, variable string) *EnvError {
	t.Helper()
	var envErr *EnvError
	if !errors.As(err, &envErr) {
		t.Fatalf("error %v (%T) is not an *EnvError", err, err)
	}
	if envErr.Name != variable {
		t.Fatalf("the error names %s, want %s: %v", envErr.Name, variable, err)
	}
	return envErr
}

// startAndExport calls NewMeterProvider, which must succeed, and exports
// once to rcv, which must arrive.
func startAndExport(t *testing.T, rcv *receiver) export {
	t.Helper()
	mp := newProvider(t)
	if err := exportOnce(mp); err != nil {
		t.Fatalf("the export failed: %v", err)
	}
	return rcv.last(t)
}

// OTLP carries strings as protobuf strings, which must be valid UTF-8: the
// exporter cannot marshal a request whose resource holds anything else.
// Valid multi-byte UTF-8, raw or percent-encoded, arrives intact.
func TestNonUTF8ResourceIsAStartupError(t *testing.T) {
	tests := []struct {
		name     string
		variable string
		value    string
		// Rejected: the error must contain want.
		want string
		// Accepted: the resource must hold key = value.
		key, attr string
	}{
		{name: "escaped invalid byte", variable: envResourceAttributes, value: "a=%FF",
			want: `entry 1 ("a=%FF"): the value decodes to invalid UTF-8 (byte 0xFF at offset 0)`},
		{name: "escaped truncated sequence", variable: envResourceAttributes, value: "a=x%E2%80",
			want: "byte 0xE2 at offset 1"},
		{name: "escaped overlong encoding", variable: envResourceAttributes, value: "a=%C0%AF", want: "invalid UTF-8"},
		{name: "escaped surrogate", variable: envResourceAttributes, value: "a=%ED%A0%80", want: "invalid UTF-8"},
		{name: "raw invalid byte in value", variable: envResourceAttributes, value: "a=\xff",
			want: `entry 1 ("a=\xff"): the value decodes to invalid UTF-8`},
		{name: "raw invalid byte in key", variable: envResourceAttributes, value: "k\xffey=v",
			want: `entry 1 ("k\xffey=v"): the key is not valid UTF-8 (byte 0xFF at offset 1)`},
		{name: "second entry", variable: envResourceAttributes, value: "team=core,b=%FE", want: "entry 2"},
		{name: "service name raw invalid byte", variable: envServiceName, value: "svc\xff",
			want: "not valid UTF-8 (byte 0xFF at offset 3)"},
		{name: "service name truncated sequence", variable: envServiceName, value: "\xe6\x97", want: "not valid UTF-8"},

		{name: "raw é", variable: envResourceAttributes, value: "team=équipe", key: "team", attr: "équipe"},
		{name: "raw 日本", variable: envResourceAttributes, value: "region=日本", key: "region", attr: "日本"},
		{name: "escaped é", variable: envResourceAttributes, value: "team=%C3%A9quipe", key: "team", attr: "équipe"},
		{name: "escaped 日本", variable: envResourceAttributes, value: "region=%E6%97%A5%E6%9C%AC", key: "region", attr: "日本"},
		{name: "escaped emoji", variable: envResourceAttributes, value: "mood=%F0%9F%98%80", key: "mood", attr: "😀"},
		{name: "multi-byte key", variable: envResourceAttributes, value: "clé=v", key: "clé", attr: "v"},
		{name: "service name multi-byte", variable: envServiceName, value: "サービス", key: "service.name", attr: "サービス"},
		// OTEL_SERVICE_NAME is not percent-decoded: this is literal ASCII.
		{name: "service name with a percent", variable: envServiceName, value: "svc%FF", key: "service.name", attr: "svc%FF"},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(tr.name+"/"+tt.name, func(t *testing.T) {
				cleanEnv(t)
				rcv := pointAt(t, tr)
				t.Setenv(tt.variable, tt.value)
				if tt.want == "" {
					got := startAndExport(t, rcv).resource()
					if got[tt.key] != tt.attr {
						t.Errorf("resource %s = %q, want %q", tt.key, got[tt.key], tt.attr)
					}
					return
				}
				envErr := startOrShowExportFailure(t, tt.variable)
				if envErr.Value != tt.value {
					t.Errorf("the error's value is %q, want the variable's %q", envErr.Value, tt.value)
				}
				if msg := envErr.Error(); !strings.Contains(msg, tt.want) {
					t.Errorf("error %q does not say %q", msg, tt.want)
				}
			})
		}
	}
}

// A header the transport refuses to send fails every export: net/http
// refuses control characters other than tab in a value, and HTTP/2 (which
// https endpoints negotiate) the connection-level headers with most values;
// gRPC refuses anything outside printable ASCII (except under a key ending
// in -bin, whose value is sent base64-encoded), keys outside [0-9a-z-_.]
// (after lower-casing), and its servers a Connection header. The exporter
// trims white space around the decoded value first, so a control character
// there is harmless. Exactly these are refused, for the protocol in use;
// what the transport sends arrives intact.
func TestUnsendableOTLPHeadersAreStartupErrors(t *testing.T) {
	const (
		all  = "all"
		http = string(protocolHTTPProtobuf)
		grpc = string(protocolGRPC)
	)
	tests := []struct {
		name  string
		value string
		// rejectedBy is the protocol that cannot send the header: all,
		// http, grpc, or "" (every transport sends it).
		rejectedBy string
		want       string // rejected: in the error
		// Accepted: the header key as the receiver sees it, for HTTP
		// (canonical) and gRPC (lower-case), and its value there; no key
		// means the transport may drop the header (only the export's
		// success is checked).
		httpKey, grpcKey, sent string
	}{
		{name: "CR LF injection", value: "a=x%0D%0AX: 1", rejectedBy: all, want: "entry 1 (a): the decoded value contains 0x0D"},
		{name: "NUL", value: "a=x%00y", rejectedBy: all, want: "0x00"},
		{name: "DEL", value: "a=x%7Fy", rejectedBy: all, want: "0x7F"},
		{name: "escape", value: "a=x%1By", rejectedBy: all, want: "0x1B"},
		{name: "raw control character", value: "a=x\x01y", rejectedBy: all, want: "0x01"},
		{name: "second entry", value: "ok=1,bad=x%0Ay", rejectedBy: all, want: "entry 2 (bad)"},
		{name: "Connection", value: "Connection=upgrade", rejectedBy: all, want: "connection-level header"},
		{name: "NUL under -bin key", value: "x-data-bin=%FF%00", rejectedBy: http, want: "0x00",
			grpcKey: "x-data-bin", sent: "\xff\x00"},
		// Sent over HTTP/1.1, refused by HTTP/2: refused for http/protobuf
		// whatever the endpoint's scheme.
		{name: "Upgrade", value: "Upgrade=websocket", rejectedBy: http, want: "unless its value is chunked",
			grpcKey: "upgrade", sent: "websocket"},
		{name: "Transfer-Encoding", value: "transfer-encoding=gzip", rejectedBy: http, want: "unless its value is chunked",
			grpcKey: "transfer-encoding", sent: "gzip"},
		{name: "TE", value: "TE=gzip", rejectedBy: http, want: "unless its value is trailers"},
		{name: "tab inside", value: "a=x%09y", rejectedBy: grpc, want: "0x09",
			httpKey: "A", sent: "x\ty"},
		{name: "broken UTF-8", value: "a=%E2%80", rejectedBy: grpc, want: "0xE2",
			httpKey: "A", sent: "\xe2\x80"},
		{name: "escaped é", value: "a=%C3%A9", rejectedBy: grpc, want: "0xC3",
			httpKey: "A", sent: "é"},
		{name: "raw 日本", value: "a=日本", rejectedBy: grpc, want: "0xE6",
			httpKey: "A", sent: "日本"},
		{name: "HTTP token that is no gRPC key", value: "a!b=x", rejectedBy: grpc,
			want: `entry 1 (a!b): not a gRPC metadata key`, httpKey: "A!b", sent: "x"},
		{name: "key with ~", value: "a~b=x", rejectedBy: grpc, want: "not a gRPC metadata key",
			httpKey: "A~b", sent: "x"},
		{name: "Connection close", value: "connection=close", rejectedBy: grpc, want: "connection-level header"},

		{name: "binary under -bin key", value: "X-Data-Bin=%E2%80", httpKey: "X-Data-Bin", grpcKey: "x-data-bin", sent: "\xe2\x80"},
		{name: "control characters trimmed", value: "a=%0D%0Ax%09%0A", httpKey: "A", grpcKey: "a", sent: "x"},
		{name: "inner space", value: "authorization=Bearer%20abc", httpKey: "Authorization", grpcKey: "authorization", sent: "Bearer abc"},
		{name: "mixed-case key", value: "X-Tenant_ID.v2=acme", httpKey: "X-Tenant_id.v2", grpcKey: "x-tenant_id.v2", sent: "acme"},
		{name: "printable ASCII", value: "a=%20!~%7E", httpKey: "A", grpcKey: "a", sent: "!~~"},
		{name: "TE trailers", value: "te=trailers"},
		{name: "Upgrade chunked", value: "Upgrade=chunked", grpcKey: "upgrade", sent: "chunked"},
	}
	for _, variable := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"} {
		for _, tr := range transports {
			for _, tt := range tests {
				t.Run(variable+"/"+tr.name+"/"+tt.name, func(t *testing.T) {
					cleanEnv(t)
					rcv := pointAt(t, tr)
					t.Setenv(variable, tt.value)
					if tt.rejectedBy == all || tt.rejectedBy == string(tr.protocol) {
						envErr := startOrShowExportFailure(t, variable)
						if msg := envErr.Error(); !strings.Contains(msg, tt.want) {
							t.Errorf("error %q does not say %q", msg, tt.want)
						}
						return
					}
					key := tt.httpKey
					if tr.protocol == protocolGRPC {
						key = tt.grpcKey
					}
					exp := startAndExport(t, rcv)
					if tr.tls && exp.proto != "HTTP/2.0" {
						t.Errorf("the export came over %s, want HTTP/2.0", exp.proto)
					}
					if got := exp.headers[key]; key != "" && (len(got) != 1 || got[0] != tt.sent) {
						t.Errorf("header %s arrived as %q, want [%q]", key, got, tt.sent)
					}
				})
			}
		}
	}
}

// The error for an unsendable header names the variable and the key but
// never prints the value, which usually holds credentials, nor a key that
// is no header name (it may be a pasted "Authorization: Bearer ..." line).
func TestUnsendableHeaderErrorHidesTheValue(t *testing.T) {
	tests := []struct {
		name     string
		protocol otlpProtocol
		value    string
		want     []string
	}{
		{"CR LF", protocolHTTPProtobuf, "api-key=s3cret%0D%0AX-Injected: 1", []string{"(api-key)", "0x0D"}},
		{"NUL", protocolGRPC, "api-key=s3cret%00", []string{"(api-key)", "0x00"}},
		{"non-ASCII for gRPC", protocolGRPC, "api-key=s3cr%C3%A9t", []string{"(api-key)", "0xC3"}},
		{"pasted header line", protocolHTTPProtobuf, "Authorization: Bearer s3cret==",
			[]string{`entry 1: the key is not a valid header name: ':' at byte 13, after "Authorization"`}},
		{"space in key", protocolGRPC, "api key=s3cret", []string{`' ' at byte 3, after "api"`}},
	}
	for _, tt := range tests {
		for _, variable := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"} {
			t.Run(tt.name+"/"+variable, func(t *testing.T) {
				cleanEnv(t)
				pointAt(t, transport{protocol: tt.protocol})
				t.Setenv(variable, tt.value)
				_, err := NewMeterProvider(context.Background())
				envErrorNaming(t, err, variable)
				msg := err.Error()
				for _, w := range tt.want {
					if !strings.Contains(msg, w) {
						t.Errorf("error %q does not say %q", msg, w)
					}
				}
				for _, secret := range []string{"s3cr", "Bearer", "Injected"} {
					if strings.Contains(msg, secret) {
						t.Errorf("error %q leaks %q from the header", msg, secret)
					}
				}
			})
		}
	}
}

// The new checks join the other startup errors: one restart fixes all.
func TestUnsendableValuesAreReportedWithTheOthers(t *testing.T) {
	cleanEnv(t)
	pointAt(t, transport{protocol: protocolGRPC})
	t.Setenv(envResourceAttributes, "a=%FF")
	t.Setenv(envServiceName, "svc\xff")
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "a=%C3%A9")
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "a!b=1")
	t.Setenv(envExportInterval, "abc")
	_, err := NewMeterProvider(context.Background())
	if err == nil {
		t.Fatal("accepted")
	}
	names := map[string]bool{}
	var walk func(error)
	walk = func(e error) {
		if envErr, ok := e.(*EnvError); ok {
			names[envErr.Name] = true
		}
		if joined, ok := e.(interface{ Unwrap() []error }); ok {
			for _, inner := range joined.Unwrap() {
				walk(inner)
			}
		}
	}
	walk(err)
	for _, name := range []string{envResourceAttributes, envServiceName, "OTEL_EXPORTER_OTLP_HEADERS",
		"OTEL_EXPORTER_OTLP_METRICS_HEADERS", envExportInterval} {
		if !names[name] {
			t.Errorf("no *EnvError for %s in:\n%v", name, err)
		}
	}
}
