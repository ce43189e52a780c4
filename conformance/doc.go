// Package conformance holds the drop-in conformance suite of fastmeter: every
// scenario runs against both the official go.opentelemetry.io/otel/sdk/metric
// and github.com/fastmeter/fastmeter in one process, and each result is
// asserted with the official metricdatatest helpers, against hand-written
// expectations or directly against the official SDK's result. The package has
// no non-test code.
//
// Run it with
//
//	go test -race ./conformance/
//
// The adapter (sdk_test.go, fastmeter_sdk_test.go) builds a MeterProvider
// with manual or periodic readers for each SDK from one configuration made of
// the official types, which fastmeter aliases. TestExportedSurface checks
// mechanically, with go/types on the compiler's export data, that every
// exported identifier of the official package exists in fastmeter with a
// compatible declaration.
//
// metric_filter_test.go is the one exception: the official SDK has no
// MetricFilter, so its tests (one per MetricFilter row of the
// specification's compliance matrix) assert the specification's behaviour
// on fastmeter alone.
//
// Where fastmeter deliberately differs (bad values dropped, units and
// descriptions validated), the expectation is per SDK and the difference is
// documented next to it and in README's "Deliberate differences from the
// official SDK" table (TestReadmeListsEveryKnownDiff keeps the two in step).
// Diagnostics are compared by channel and verbosity: TestMain records what
// the OTel global logger (errors and V(1) warnings) and the error handler
// receive. Where fastmeter differs without a decision to do
// so, the subtest is listed in fastmeterKnownDiffs and skipped; build with
//
//	go test -tags fastmeter_known_diff ./conformance/
//
// to run those too and see the failures.
package conformance
