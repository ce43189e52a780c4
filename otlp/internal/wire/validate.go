package wire

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// ErrUnknownAggregation is reported for a metric whose Data is not one of
// metricdata's aggregations; the metric is left out of the request.
var ErrUnknownAggregation = errors.New("unknown aggregation")

// ErrUnknownTemporality is reported for a sum or histogram whose Temporality
// is neither delta nor cumulative; the metric is left out of the request.
var ErrUnknownTemporality = errors.New("unknown temporality")

// temporality maps metricdata's temporality to the OTLP enum value
// (AGGREGATION_TEMPORALITY_DELTA = 1, _CUMULATIVE = 2).
func temporality(t metricdata.Temporality) (uint64, bool) {
	switch t {
	case metricdata.DeltaTemporality:
		return 1, true
	case metricdata.CumulativeTemporality:
		return 2, true
	}
	return 0, false
}

// check says why a metric cannot be encoded, or nil when it can. It runs
// before anything of the metric is written, so a bad metric leaves no bytes.
func check(m *metricdata.Metrics) error {
	var t metricdata.Temporality
	switch a := m.Data.(type) {
	case metricdata.Gauge[int64], metricdata.Gauge[float64], metricdata.Summary:
		return nil
	case metricdata.Sum[int64]:
		t = a.Temporality
	case metricdata.Sum[float64]:
		t = a.Temporality
	case metricdata.Histogram[int64]:
		t = a.Temporality
	case metricdata.Histogram[float64]:
		t = a.Temporality
	case metricdata.ExponentialHistogram[int64]:
		t = a.Temporality
	case metricdata.ExponentialHistogram[float64]:
		t = a.Temporality
	default:
		return fmt.Errorf("metric %q: %w: %T", m.Name, ErrUnknownAggregation, m.Data)
	}
	if _, ok := temporality(t); !ok {
		return fmt.Errorf("metric %q: %w: %s", m.Name, ErrUnknownTemporality, t)
	}
	return nil
}

// unixNano is t in nanoseconds since the epoch, 0 for times before it (the
// zero time.Time among them), as OTLP's fixed64 timestamps require.
func unixNano(t time.Time) uint64 {
	return uint64(max(0, t.UnixNano())) //nolint:gosec // negative clamped
}
