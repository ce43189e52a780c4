package otlpenv

import (
	"fmt"
	"strings"
)

// Protocol is an OTLP transport as the variables spell it.
type Protocol string

// The protocols of the specification.
const (
	ProtocolGRPC         Protocol = "grpc"
	ProtocolHTTPProtobuf Protocol = "http/protobuf"
	ProtocolHTTPJSON     Protocol = "http/json"
)

// DefaultProtocol follows the specification's recommendation for SDKs.
const DefaultProtocol = ProtocolHTTPProtobuf

// ParseProtocol validates one protocol value (case-insensitive); source
// names where it came from (a variable or an option) for the error.
func ParseProtocol(source, raw string) (Protocol, *Error) {
	switch p := Protocol(strings.ToLower(raw)); p {
	case ProtocolGRPC, ProtocolHTTPProtobuf, ProtocolHTTPJSON:
		return p, nil
	}
	return "", &Error{Name: source, Value: raw, Setting: SettingProtocol, Reason: fmt.Sprintf(
		"unknown OTLP protocol %q; accepted: grpc, http/protobuf, http/json", raw)}
}

// ProtocolFromEnv reads OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, falling back to
// OTEL_EXPORTER_OTLP_PROTOCOL and then to http/protobuf. name is the
// variable the protocol came from ("" for the default).
func ProtocolFromEnv() (p Protocol, name string, err *Error) {
	name, raw, ok := LookupFirst(EnvMetricsProtocol, EnvProtocol)
	if !ok {
		return DefaultProtocol, "", nil
	}
	p, err = ParseProtocol(name, raw)
	return p, name, err
}
