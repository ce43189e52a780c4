package autoconfig

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
)

// OTEL_EXPORTER_OTLP_PROTOCOL=grpc exports through a real gRPC server
// implementing the collector's metrics service, with the environment's
// headers (as metadata), compression and resource.
func TestGRPCExportReachesReceiver(t *testing.T) {
	for _, variable := range []string{envOTLPProtocol, envOTLPMetricsProtocol} {
		t.Run(variable, func(t *testing.T) {
			cleanEnv(t)
			rcv := newReceiver()
			addr := startGRPCReceiver(t, rcv, nil)
			t.Setenv(variable, "grpc")
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://"+addr)
			t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key=abc%3D%3D")
			t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
			t.Setenv(envTemporalityPref, "delta")
			t.Setenv(envServiceName, "inventory")

			recordAndFlush(t, newProvider(t), "stock.moves")

			got := rcv.last(t)
			m := got.metric("stock.moves")
			if m == nil || m.GetSum().GetDataPoints()[0].GetAsInt() != 5 {
				t.Fatalf("stock.moves = %v, want a sum of 5", m)
			}
			if tmp := m.GetSum().GetAggregationTemporality(); tmp != metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA {
				t.Errorf("temporality %v, want delta", tmp)
			}
			if v := got.headers["api-key"]; len(v) != 1 || v[0] != "abc==" {
				t.Errorf("metadata api-key %v, want [abc==]", v)
			}
			if got.compression != "gzip" {
				t.Errorf("compression %q, want gzip", got.compression)
			}
			if got.resource()["service.name"] != "inventory" {
				t.Errorf("resource %v lacks service.name=inventory", got.resource())
			}
		})
	}
}

// The general protocol variable loses to the metrics one.
func TestMetricsProtocolWins(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	t.Setenv(envOTLPProtocol, "http/protobuf")
	t.Setenv(envOTLPMetricsProtocol, "grpc")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+startGRPCReceiver(t, rcv, nil))
	recordAndFlush(t, newProvider(t), "c")
	rcv.last(t) // arrived over gRPC
}

// WithOTLPProtocol overrides both variables, even an unsupported value.
func TestProtocolOptionWins(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	t.Setenv(envOTLPProtocol, "http/json")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+startGRPCReceiver(t, rcv, nil))
	recordAndFlush(t, newProvider(t, WithOTLPProtocol("grpc")), "c")
	rcv.last(t)
}

// gRPC exporter options are applied after the environment.
func TestGRPCOptionsWin(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	addr := startGRPCReceiver(t, rcv, nil)
	t.Setenv(envOTLPProtocol, "grpc")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	mp := newProvider(t, WithOTLPGRPCOptions(otlpmetricgrpc.WithEndpoint(addr), otlpmetricgrpc.WithInsecure()))
	recordAndFlush(t, mp, "c")
	rcv.last(t)
}

// The specification's host:port form for gRPC, made plaintext by
// OTEL_EXPORTER_OTLP_INSECURE (TLS otherwise).
func TestGRPCHostPortWithInsecure(t *testing.T) {
	for _, prefix := range []string{"OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_METRICS_"} {
		t.Run(prefix, func(t *testing.T) {
			cleanEnv(t)
			rcv := newReceiver()
			addr := startGRPCReceiver(t, rcv, nil)
			_, port, _ := strings.Cut(addr, ":")
			t.Setenv(envOTLPProtocol, "grpc")
			t.Setenv(prefix+"ENDPOINT", "localhost:"+port)
			t.Setenv(prefix+"INSECURE", "true")
			recordAndFlush(t, newProvider(t), "c")
			rcv.last(t)
		})
	}
}
