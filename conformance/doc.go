// Package conformance holds the drop-in conformance suite of fastmeter: every
// scenario runs against both the official go.opentelemetry.io/otel/sdk/metric
// and github.com/fastmeter/fastmeter in one process, and each result is
// asserted with the official metricdatatest helpers. The package has no
// non-test code.
package conformance
