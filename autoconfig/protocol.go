package autoconfig

import (
	"github.com/fastmeter/fastmeter/internal/otlpenv"
)

// otlpProtocol is the transport of the otlp exporter.
type otlpProtocol = otlpenv.Protocol

const (
	protocolGRPC         = otlpenv.ProtocolGRPC
	protocolHTTPProtobuf = otlpenv.ProtocolHTTPProtobuf
	protocolHTTPJSON     = otlpenv.ProtocolHTTPJSON
)

// parseProtocol validates one protocol value: grpc, http/protobuf or
// http/json (case-insensitive).
func parseProtocol(source, raw string) (otlpProtocol, error) {
	p, err := otlpenv.ParseProtocol(source, raw)
	if err != nil {
		return "", envError(err)
	}
	return p, nil
}

// protocolFromEnv reads OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, falling back
// to OTEL_EXPORTER_OTLP_PROTOCOL and then to http/protobuf; source is the
// variable it came from.
func protocolFromEnv() (p otlpProtocol, source string, err error) {
	p, source, perr := otlpenv.ProtocolFromEnv()
	if perr != nil {
		return "", source, envError(perr)
	}
	return p, source, nil
}
