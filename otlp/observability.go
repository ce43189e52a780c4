package otlp

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fastmeter/fastmeter/internal/selfobs"
	"github.com/fastmeter/fastmeter/otlp/internal/transport"
)

// The Exporter's self-observability (OTEL_GO_X_OBSERVABILITY=true, read in
// New): the otel.sdk.exporter.* metrics of the official otlpmetrichttp and
// otlpmetricgrpc exporters, with their scopes, component types, numbering
// per type and attributes, so dashboards built on the official exporters
// read the native one unchanged. HTTP/JSON reports as the HTTP exporter
// (otlp_http_metric_exporter): the conventions have one HTTP type.
//
// Where the official exporters' values carry no information, the native
// one reports something useful instead: their error.type is the Go type of
// the error they join ("*errors.joinError" for every failure), the native
// exporter's is the HTTP status code ("503"), the gRPC code ("Unavailable"),
// "partial_success", "timeout", or the Go type of another error (a
// connection failure: *url.Error). A partial success over gRPC carries rpc.response.status_code
// "Unknown" as in the official exporter (its error has no gRPC status).

// observer is the self-instrumentation of one Exporter; nil when off.
type observer struct {
	inst *selfobs.OTLPExporter
	grpc bool
}

// newObserver takes the Exporter's instance number (whether or not the
// switch is on, so numbering does not depend on it) and, when on, creates
// its instruments on the global MeterProvider.
func newObserver(cfg config) *observer {
	typ, scope, ok := selfobs.OTLPHTTPExporterType, selfobs.OTLPHTTPScope, semconv.HTTPResponseStatusCode(http.StatusOK)
	if cfg.protocol == GRPC {
		typ, scope, ok = selfobs.OTLPGRPCExporterType, selfobs.OTLPGRPCScope, semconv.RPCResponseStatusCode(codes.OK.String())
	}
	id := selfobs.NextID(typ)
	if !selfobs.Enabled() {
		return nil
	}
	return &observer{
		inst: selfobs.NewOTLPExporter(scope, typ, id, serverAttrs(cfg), ok),
		grpc: cfg.protocol == GRPC,
	}
}

// start begins the observation of one export (the zero op when o is nil).
func (o *observer) start(ctx context.Context, rm *metricdata.ResourceMetrics) selfobs.OTLPOp {
	if o == nil {
		return selfobs.OTLPOp{}
	}
	return o.inst.Start(ctx, rm)
}

// end records how an export ended: sendErr from the retry loop, partial
// the receiver's answer to the request it accepted. An encoding error
// alone is not a failure of the export (the rest was delivered), as in the
// official exporters.
func (o *observer) end(ctx context.Context, op selfobs.OTLPOp, partial transport.PartialSuccess, sendErr error) {
	if o == nil {
		return
	}
	o.inst.End(ctx, op, o.outcome(partial, sendErr))
}

func (o *observer) outcome(partial transport.PartialSuccess, sendErr error) selfobs.OTLPOutcome {
	if sendErr == nil {
		if partial.Err() == nil {
			return selfobs.OTLPOutcome{}
		}
		out := selfobs.OTLPOutcome{Failed: true, Rejected: max(partial.RejectedDataPoints, 0), ErrorType: "partial_success"}
		if o.grpc {
			out.Status = semconv.RPCResponseStatusCode(codes.Unknown.String())
		} else {
			out.Status = semconv.HTTPResponseStatusCode(http.StatusOK)
		}
		return out
	}
	out := selfobs.OTLPOutcome{Failed: true, Rejected: -1, ErrorType: errorType(sendErr)}
	if o.grpc {
		code := status.Code(sendErr)
		out.Status = semconv.RPCResponseStatusCode(code.String())
		if code != codes.Unknown {
			out.ErrorType = code.String()
		}
		return out
	}
	var se *transport.HTTPStatusError
	if errors.As(sendErr, &se) && se.Code > 0 {
		out.Status = semconv.HTTPResponseStatusCode(se.Code)
		out.ErrorType = strconv.Itoa(se.Code)
	}
	return out
}

// serverAttrs are server.address and server.port of the receiver, from the
// host the Exporter sends to (the endpoint URL's, the endpoint, or the
// protocol's default), as the official exporters derive them from theirs.
func serverAttrs(cfg config) []attribute.KeyValue {
	host := cfg.endpoint
	if cfg.endpointURL != "" {
		if u, err := url.Parse(cfg.endpointURL); err == nil {
			host = u.Host
		}
	}
	if host == "" {
		host = "localhost:4318"
		if cfg.protocol == GRPC {
			host = "localhost:4317"
		}
	}
	if scheme, rest, ok := strings.Cut(host, "://"); ok {
		// A gRPC target with a scheme (dns:///host:port, unix:///path):
		// the endpoint follows the authority.
		if scheme == "unix" || scheme == "unix-abstract" {
			if strings.HasPrefix(rest, "/") {
				return []attribute.KeyValue{semconv.ServerAddress(rest)}
			}
			return nil
		}
		if _, after, found := strings.Cut(rest, "/"); found {
			rest = after
		}
		host = rest
	}
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		// No port (or not host:port): all of it names the server.
		name = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if name == "" || strings.Contains(name, "]") {
			return nil
		}
		return []attribute.KeyValue{semconv.ServerAddress(name)}
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil
	}
	if name == "" {
		return []attribute.KeyValue{semconv.ServerPort(int(p))}
	}
	return []attribute.KeyValue{semconv.ServerAddress(name), semconv.ServerPort(int(p))}
}

// errorType is the error.type of a failure with no response status: timeout
// when the export's deadline passed, otherwise the Go type of the error
// under the exporter's own wrapping (a connection failure is *url.Error over
// HTTP).
func errorType(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	var re *transport.RetryableError
	if errors.As(err, &re) {
		err = re.Err
	}
	return semconv.ErrorType(err).Value.AsString()
}
