package fastmeter_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// A cumulative synchronous series starts at its first measurement (the
// specification's newer rule), not when the instrument was created, and keeps
// that start across collections.
func TestCumulativeSeriesStartAtFirstMeasurement(t *testing.T) {
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	c, _ := mp.Meter("start").Int64Counter("c")
	ctx := context.Background()

	early := time.Now()
	c.Add(ctx, 1, metric.WithAttributes(attribute.String("s", "early")))
	time.Sleep(20 * time.Millisecond)
	beforeLate := time.Now()
	c.Add(ctx, 1, metric.WithAttributes(attribute.String("s", "late")))

	starts := func() map[string]time.Time {
		out := map[string]time.Time{}
		for _, p := range metricNamed(t, collect(t, r), "c").Data.(metricdata.Sum[int64]).DataPoints {
			v, _ := p.Attributes.Value("s")
			out[v.AsString()] = p.StartTime
		}
		return out
	}
	first := starts()
	if first["early"].Before(early) || !first["late"].After(first["early"]) || first["late"].Before(beforeLate) {
		t.Fatalf("start times %v: want each series to start at its own first measurement", first)
	}
	c.Add(ctx, 1, metric.WithAttributes(attribute.String("s", "early")))
	if second := starts(); !second["early"].Equal(first["early"]) || !second["late"].Equal(first["late"]) {
		t.Fatalf("start times moved between collections: %v then %v", first, second)
	}
}
