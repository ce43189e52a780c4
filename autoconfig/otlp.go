package autoconfig

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/otlp"
)

// The official exporters default to TLS towards localhost, and so does the
// native one (it follows them), while the specification's default endpoints
// are http://localhost:4317 and http://localhost:4318, i.e. plaintext to a
// local collector. autoconfig follows the specification, but only when the
// user left transport security entirely to the defaults: no endpoint,
// INSECURE or certificate variable, and no exporter option (an option such
// as WithEndpoint means the user is configuring the exporter and gets its
// defaults).

// newOTLPExporter builds the otlp exporter: fastmeter's native one unless
// the official one was chosen (settings.official).
func newOTLPExporter(ctx context.Context, s settings, c *config) (sdkmetric.Exporter, error) {
	if s.official {
		return newOfficialOTLPExporter(ctx, s, c)
	}
	// otlp.New reads the OTEL_EXPORTER_OTLP_* variables itself, through the
	// same parser that validated them (internal/otlpenv); the options here
	// come after them and the user's WithOTLPOptions last, so each layer
	// overrides the previous.
	opts := []otlp.Option{otlp.WithProtocol(nativeProtocol(s.protocol))}
	if !s.otlpEnv.transportChosen && len(c.otlpOptions) == 0 {
		opts = append(opts, otlp.WithInsecure())
	}
	if s.temporality != nil {
		opts = append(opts, otlp.WithTemporalitySelector(s.temporality))
	}
	if s.aggregation != nil {
		opts = append(opts, otlp.WithAggregationSelector(s.aggregation))
	}
	exp, err := otlp.New(ctx, append(opts, c.otlpOptions...)...)
	if err != nil {
		return nil, fmt.Errorf("autoconfig: otlp exporter (%s): %w", s.protocol, err)
	}
	return exp, nil
}

// nativeProtocol is the native exporter's name for p.
func nativeProtocol(p otlpProtocol) otlp.Protocol {
	switch p {
	case protocolGRPC:
		return otlp.GRPC
	case protocolHTTPJSON:
		return otlp.HTTPJSON
	}
	return otlp.HTTPProtobuf
}

// newOfficialOTLPExporter builds the official exporter for the protocol.
// The exporter reads the OTEL_EXPORTER_OTLP_* variables itself (validated
// earlier by checkOTLPEnv); the options built here come after them and the
// user's exporter options come last, so each layer overrides the previous.
func newOfficialOTLPExporter(ctx context.Context, s settings, c *config) (sdkmetric.Exporter, error) {
	switch s.protocol {
	case protocolGRPC:
		var opts []otlpmetricgrpc.Option
		if !s.otlpEnv.transportChosen && len(c.grpcOptions) == 0 {
			opts = append(opts, otlpmetricgrpc.WithInsecure())
		}
		if s.otlpEnv.gzip {
			opts = append(opts, otlpmetricgrpc.WithCompressor("gzip"))
		}
		if s.temporality != nil {
			opts = append(opts, otlpmetricgrpc.WithTemporalitySelector(s.temporality))
		}
		if s.aggregation != nil {
			opts = append(opts, otlpmetricgrpc.WithAggregationSelector(s.aggregation))
		}
		exp, err := otlpmetricgrpc.New(ctx, append(opts, c.grpcOptions...)...)
		if err != nil {
			return nil, fmt.Errorf("autoconfig: otlp exporter (grpc): %w", err)
		}
		return exp, nil
	case protocolHTTPProtobuf:
		var opts []otlpmetrichttp.Option
		if !s.otlpEnv.transportChosen && len(c.httpOptions) == 0 {
			opts = append(opts, otlpmetrichttp.WithInsecure())
		}
		if s.otlpEnv.gzip {
			opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression))
		}
		if s.temporality != nil {
			opts = append(opts, otlpmetrichttp.WithTemporalitySelector(s.temporality))
		}
		if s.aggregation != nil {
			opts = append(opts, otlpmetrichttp.WithAggregationSelector(s.aggregation))
		}
		exp, err := otlpmetrichttp.New(ctx, append(opts, c.httpOptions...)...)
		if err != nil {
			return nil, fmt.Errorf("autoconfig: otlp exporter (http/protobuf): %w", err)
		}
		return exp, nil
	}
	// resolve accepts no other protocol for the official exporters.
	return nil, fmt.Errorf("autoconfig: unsupported OTLP protocol %q", s.protocol)
}
