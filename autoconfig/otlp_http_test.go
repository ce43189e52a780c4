package autoconfig

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
)

// With only an endpoint set, the default exporter (otlp over
// http/protobuf) delivers to the receiver at the spec's /v1/metrics path.
func TestHTTPProtobufExportReachesReceiver(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	srv := startHTTPReceiver(t, rcv)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv(envServiceName, "checkout")

	mp := newProvider(t)
	recordAndFlush(t, mp, "orders")

	got := rcv.last(t)
	if got.path != "/v1/metrics" {
		t.Errorf("path %q, want /v1/metrics", got.path)
	}
	if ct := got.headers["Content-Type"]; len(ct) == 0 || ct[0] != "application/x-protobuf" {
		t.Errorf("Content-Type %v, want application/x-protobuf", ct)
	}
	m := got.metric("orders")
	if m == nil {
		t.Fatalf("metric orders missing from %v", got.request)
	}
	sum := m.GetSum()
	if sum == nil || len(sum.DataPoints) != 1 || sum.DataPoints[0].GetAsInt() != 5 {
		t.Fatalf("orders = %v, want one point of 5", m)
	}
	if sum.AggregationTemporality != metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE {
		t.Errorf("default temporality %v, want cumulative", sum.AggregationTemporality)
	}
	if res := got.resource(); res["service.name"] != "checkout" {
		t.Errorf("service.name %q, want checkout", res["service.name"])
	}
}

// OTEL_EXPORTER_OTLP_ENDPOINT is a base URL; the METRICS_ form is used as
// is and wins over it.
func TestHTTPEndpointPaths(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string // "URL" stands for the receiver's base URL
		wantPath string
	}{
		{"base with path", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "URL/otlp"}, "/otlp/v1/metrics"},
		{"metrics endpoint as is", map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "URL/custom/path"}, "/custom/path"},
		{"metrics endpoint without path", map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "URL"}, "/"},
		{"metrics wins", map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":         "http://127.0.0.1:1/elsewhere",
			"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "URL/mine",
		}, "/mine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			rcv := newReceiver()
			srv := startHTTPReceiver(t, rcv)
			for k, v := range tt.env {
				t.Setenv(k, strings.Replace(v, "URL", srv.URL, 1))
			}
			recordAndFlush(t, newProvider(t), "requests")
			if got := rcv.last(t).path; got != tt.wantPath {
				t.Errorf("path %q, want %q", got, tt.wantPath)
			}
		})
	}
}

// Headers are percent-decoded, the METRICS_ list replaces the general one,
// and an exporter option replaces both.
func TestHTTPHeadersAndCompression(t *testing.T) {
	t.Run("general headers and gzip", func(t *testing.T) {
		cleanEnv(t)
		rcv := newReceiver()
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
		t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key=secret%20value, x-tenant = acme ")
		t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
		recordAndFlush(t, newProvider(t), "c")
		got := rcv.last(t)
		if v := got.headers["Api-Key"]; len(v) != 1 || v[0] != "secret value" {
			t.Errorf("Api-Key %v, want [secret value]", v)
		}
		if v := got.headers["X-Tenant"]; len(v) != 1 || v[0] != "acme" {
			t.Errorf("X-Tenant %v, want [acme]", v)
		}
		if got.compression != "gzip" {
			t.Errorf("compression %q, want gzip", got.compression)
		}
	})
	t.Run("metrics headers win, none compression", func(t *testing.T) {
		cleanEnv(t)
		rcv := newReceiver()
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
		t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-general=1")
		t.Setenv("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-metrics=2")
		t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
		t.Setenv("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "none")
		recordAndFlush(t, newProvider(t), "c")
		got := rcv.last(t)
		if _, ok := got.headers["X-General"]; ok {
			t.Error("the general headers were sent although METRICS_HEADERS is set")
		}
		if v := got.headers["X-Metrics"]; len(v) != 1 || v[0] != "2" {
			t.Errorf("X-Metrics %v, want [2]", v)
		}
		if got.compression != "" {
			t.Errorf("compression %q, want none", got.compression)
		}
	})
	t.Run("option wins over variables", func(t *testing.T) {
		cleanEnv(t)
		rcv := newReceiver()
		srv := startHTTPReceiver(t, rcv)
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
		t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-env=1")
		mp := newProvider(t, WithOTLPHTTPOptions(
			otlpmetrichttp.WithEndpointURL(srv.URL+"/v1/metrics"),
			otlpmetrichttp.WithHeaders(map[string]string{"x-option": "2"})))
		recordAndFlush(t, mp, "c")
		got := rcv.last(t)
		if _, ok := got.headers["X-Env"]; ok || len(got.headers["X-Option"]) != 1 {
			t.Errorf("headers %v: want the option's, not the environment's", got.headers)
		}
	})
}
