// Package otlpenv reads the OTEL_EXPORTER_OTLP_* environment variables of the
// metrics signal into one typed Config, validated: every unusable value is an
// *Error naming the variable (and never echoing a header value). It is the
// single parser behind fastmeter's native OTLP exporter (otlp.New reads the
// environment through it) and autoconfig (which validates the variables
// through it for the official exporters too), so both accept and reject the
// same values.
//
// The METRICS_ form of each variable wins over the general one, as in the
// official Go exporters (otlpmetrichttp, otlpmetricgrpc v1.47.0). The
// package uses only the standard library and the fastmeter root package
// (for the selector types), so the root module gains no dependency.
package otlpenv
