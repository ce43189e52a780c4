// Package filtertest holds the MetricFilter that the tests of the readers
// in other modules (prometheus, metricz) register, so that it is written
// once. It is for tests only; no SDK package imports it.
package filtertest

import (
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// NoDebug drops every metric named debug.*, keeps of the metric named
// requests only the points whose status attribute is below 500
// (MetricFilterAcceptPartial), and accepts everything else.
type NoDebug struct{}

var _ sdkmetric.MetricFilter = NoDebug{}

// TestMetric drops debug.* and asks about each point of requests.
func (NoDebug) TestMetric(_ instrumentation.Scope, name string, _ sdkmetric.InstrumentKind, _ string) sdkmetric.MetricFilterResult {
	switch {
	case strings.HasPrefix(name, "debug."):
		return sdkmetric.MetricFilterDrop
	case name == "requests":
		return sdkmetric.MetricFilterAcceptPartial
	}
	return sdkmetric.MetricFilterAccept
}

// TestAttributes drops the points whose status is 500 or more.
func (NoDebug) TestAttributes(_ instrumentation.Scope, _ string, _ sdkmetric.InstrumentKind, _ string, attrs attribute.Set) sdkmetric.AttributesFilterResult {
	if v, _ := attrs.Value("status"); v.AsInt64() >= 500 {
		return sdkmetric.AttributesFilterDrop
	}
	return sdkmetric.AttributesFilterAccept
}
