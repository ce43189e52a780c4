package otlp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

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

// TestOutcome checks the status and error.type of each kind of failure, as
// the retry loop returns them.
func TestOutcome(t *testing.T) {
	giveUp := func(err error) error { return fmt.Errorf("otlp: giving up after 3 attempts: %w", err) }
	refused := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/v1/metrics", Err: errors.New("connection refused")}
	httpObs, grpcObs := &observer{}, &observer{grpc: true}
	for _, c := range []struct {
		name    string
		o       *observer
		partial transport.PartialSuccess
		err     error
		want    selfobs.OTLPOutcome
	}{
		{"http ok", httpObs, transport.PartialSuccess{}, nil, selfobs.OTLPOutcome{}},
		{"http partial", httpObs, transport.PartialSuccess{RejectedDataPoints: 2, ErrorMessage: "x"}, nil,
			selfobs.OTLPOutcome{Failed: true, Rejected: 2, Status: semconv.HTTPResponseStatusCode(200), ErrorType: "partial_success"}},
		{"http 503 given up", httpObs, transport.PartialSuccess{}, giveUp(&transport.RetryableError{Err: statusErrorFor(t, "503 Service Unavailable")}),
			selfobs.OTLPOutcome{Failed: true, Rejected: -1, Status: semconv.HTTPResponseStatusCode(503), ErrorType: "503"}},
		{"http refused", httpObs, transport.PartialSuccess{}, giveUp(&transport.RetryableError{Err: fmt.Errorf("otlp: export: %w", refused)}),
			selfobs.OTLPOutcome{Failed: true, Rejected: -1, ErrorType: "*url.Error"}},
		{"http timeout", httpObs, transport.PartialSuccess{}, fmt.Errorf("otlp: %w after 2 attempts: %w", context.DeadlineExceeded, refused),
			selfobs.OTLPOutcome{Failed: true, Rejected: -1, ErrorType: "timeout"}},
		{"grpc unavailable", grpcObs, transport.PartialSuccess{}, giveUp(&transport.RetryableError{Err: fmt.Errorf("otlp: export: %w", status.Error(codes.Unavailable, "down"))}),
			selfobs.OTLPOutcome{Failed: true, Rejected: -1, Status: semconv.RPCResponseStatusCode("Unavailable"), ErrorType: "Unavailable"}},
		{"grpc partial", grpcObs, transport.PartialSuccess{ErrorMessage: "only a message"}, nil,
			selfobs.OTLPOutcome{Failed: true, Rejected: 0, Status: semconv.RPCResponseStatusCode("Unknown"), ErrorType: "partial_success"}},
	} {
		if got := c.o.outcome(c.partial, c.err); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// statusErrorFor is the sender's error for a response with status line
// status, obtained from a real local server.
func statusErrorFor(t *testing.T, status string) error {
	t.Helper()
	code, _ := strconv.Atoi(status[:3])
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }))
	defer srv.Close()
	s, err := transport.NewHTTPSender(transport.HTTPConfig{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(t.Context(), nil)
	var re *transport.RetryableError
	if errors.As(err, &re) {
		return re.Err
	}
	return err
}
