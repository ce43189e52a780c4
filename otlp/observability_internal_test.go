package otlp

import (
	"reflect"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/fastmeter/fastmeter/internal/selfobs"
	"github.com/fastmeter/fastmeter/otlp/internal/transport"
)

// TestServerAttrs checks server.address and server.port for every form of
// endpoint, as the official exporters derive them.
func TestServerAttrs(t *testing.T) {
	addr, port := semconv.ServerAddress, semconv.ServerPort
	for _, c := range []struct {
		opts []Option
		want []attribute.KeyValue
	}{
		{nil, []attribute.KeyValue{addr("localhost"), port(4318)}},
		{[]Option{WithProtocol(GRPC)}, []attribute.KeyValue{addr("localhost"), port(4317)}},
		{[]Option{WithEndpoint("collector:9000")}, []attribute.KeyValue{addr("collector"), port(9000)}},
		{[]Option{WithEndpoint("collector")}, []attribute.KeyValue{addr("collector")}},
		{[]Option{WithEndpoint("[::1]:4318")}, []attribute.KeyValue{addr("::1"), port(4318)}},
		{[]Option{WithEndpoint("[::1]")}, []attribute.KeyValue{addr("::1")}},
		{[]Option{WithEndpoint(":4318")}, []attribute.KeyValue{port(4318)}},
		{[]Option{WithEndpoint("host:notaport")}, nil},
		{[]Option{WithEndpointURL("https://otlp.example.com:443/custom")}, []attribute.KeyValue{addr("otlp.example.com"), port(443)}},
		{[]Option{WithProtocol(GRPC), WithEndpoint("dns:///collector:4317")}, []attribute.KeyValue{addr("collector"), port(4317)}},
		{[]Option{WithProtocol(GRPC), WithEndpoint("unix:///run/otel.sock")}, []attribute.KeyValue{addr("/run/otel.sock")}},
	} {
		cfg, err := newConfig(c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := serverAttrs(cfg); !reflect.DeepEqual(got, c.want) {
			t.Errorf("endpoint %q / URL %q: %v, want %v", cfg.endpoint, cfg.endpointURL, got, c.want)
		}
	}
}

// TestObserverOff: with the switch off an Exporter has no observer (its
// hooks are nil checks) but still takes its instance number, HTTP/JSON
// from the HTTP type's numbering.
func TestObserverOff(t *testing.T) {
	t.Setenv("OTEL_GO_X_OBSERVABILITY", "false")
	h0, g0 := selfobs.NextID(selfobs.OTLPHTTPExporterType), selfobs.NextID(selfobs.OTLPGRPCExporterType)
	for _, p := range []Protocol{HTTPProtobuf, HTTPJSON, GRPC} {
		cfg, err := newConfig([]Option{WithProtocol(p)})
		if err != nil {
			t.Fatal(err)
		}
		if o := newObserver(cfg); o != nil {
			t.Errorf("protocol %v: observer %v with the switch off", p, o)
		}
	}
	var o *observer
	o.end(t.Context(), o.start(t.Context(), nil), transport.PartialSuccess{RejectedDataPoints: 1}, nil)
	if h := selfobs.NextID(selfobs.OTLPHTTPExporterType); h != h0+3 {
		t.Errorf("HTTP numbering: %d after %d, want %d", h, h0, h0+3)
	}
	if g := selfobs.NextID(selfobs.OTLPGRPCExporterType); g != g0+2 {
		t.Errorf("gRPC numbering: %d after %d, want %d", g, g0, g0+2)
	}
}
