package autoconfig

import (
	"fmt"
	"strings"
)

// otlpProtocol is the transport of the otlp exporter.
type otlpProtocol string

const (
	protocolGRPC         otlpProtocol = "grpc"
	protocolHTTPProtobuf otlpProtocol = "http/protobuf"
	protocolHTTPJSON     otlpProtocol = "http/json"
)

// defaultProtocol follows the specification's recommendation for SDKs.
const defaultProtocol = protocolHTTPProtobuf

// parseProtocol validates one protocol value. http/json is a valid OTLP
// protocol, but the official Go exporters cannot send it, so choosing it is
// an error rather than a silent switch to another encoding.
func parseProtocol(source, raw string) (otlpProtocol, error) {
	switch p := otlpProtocol(strings.ToLower(raw)); p {
	case protocolGRPC, protocolHTTPProtobuf:
		return p, nil
	case protocolHTTPJSON:
		return "", &EnvError{Name: source, Value: raw, Reason: "http/json is not supported: the official Go OTLP " +
			"exporter (otlpmetrichttp) sends only protobuf; use http/protobuf or grpc"}
	default:
		return "", &EnvError{Name: source, Value: raw, Reason: fmt.Sprintf(
			"unknown OTLP protocol %q; accepted: grpc, http/protobuf", raw)}
	}
}

// protocolFromEnv reads OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, falling back
// to OTEL_EXPORTER_OTLP_PROTOCOL and then to http/protobuf.
func protocolFromEnv() (otlpProtocol, error) {
	name, raw, ok := lookupFirst(envOTLPMetricsProtocol, envOTLPProtocol)
	if !ok {
		return defaultProtocol, nil
	}
	return parseProtocol(name, raw)
}
