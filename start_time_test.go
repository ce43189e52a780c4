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

// OTEL_GO_X_PER_SERIES_START_TIMESTAMPS=false gives the official SDK's
// default: every series of a cumulative synchronous stream starts when the
// stream was created (the instrument's creation), for every aggregation;
// any other value keeps fastmeter's per-series start times. Delta streams
// are not affected (a delta point starts at the previous collection).
func TestPerSeriesStartTimesSwitch(t *testing.T) {
	for _, tc := range []struct {
		env       string
		perSeries bool
	}{{"", true}, {"true", true}, {"FALSE", false}, {"false", false}, {"no", true}} {
		t.Run("env="+tc.env, func(t *testing.T) {
			t.Setenv("OTEL_GO_X_PER_SERIES_START_TIMESTAMPS", tc.env)
			r := fastmeter.NewManualReader()
			mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithView(fastmeter.NewView(
				fastmeter.Instrument{Name: "e"}, fastmeter.Stream{Aggregation: fastmeter.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}})))
			m := mp.Meter("switch")
			beforeCreate := time.Now()
			c, _ := m.Int64Counter("c")
			h, _ := m.Float64Histogram("h")
			e, _ := m.Float64Histogram("e") // exponential through the view below
			g, _ := m.Int64Gauge("g")
			afterCreate := time.Now()
			ctx := context.Background()
			record := func(s string) {
				o := metric.WithAttributes(attribute.String("s", s))
				c.Add(ctx, 1, o)
				h.Record(ctx, 1, o)
				e.Record(ctx, 1, o)
				g.Record(ctx, 1, o)
			}
			time.Sleep(5 * time.Millisecond)
			record("early")
			time.Sleep(5 * time.Millisecond)
			record("late")
			rm := collect(t, r)
			for _, name := range []string{"c", "h", "e", "g"} {
				starts := map[string]time.Time{}
				switch d := metricNamed(t, rm, name).Data.(type) {
				case metricdata.Sum[int64]:
					startsByS(starts, d.DataPoints, func(p metricdata.DataPoint[int64]) (attribute.Set, time.Time) { return p.Attributes, p.StartTime })
				case metricdata.Histogram[float64]:
					startsByS(starts, d.DataPoints, func(p metricdata.HistogramDataPoint[float64]) (attribute.Set, time.Time) {
						return p.Attributes, p.StartTime
					})
				case metricdata.Gauge[int64]:
					startsByS(starts, d.DataPoints, func(p metricdata.DataPoint[int64]) (attribute.Set, time.Time) { return p.Attributes, p.StartTime })
				case metricdata.ExponentialHistogram[float64]:
					startsByS(starts, d.DataPoints, func(p metricdata.ExponentialHistogramDataPoint[float64]) (attribute.Set, time.Time) {
						return p.Attributes, p.StartTime
					})
				}
				early, late := starts["early"], starts["late"]
				if tc.perSeries {
					if !late.After(early) || !early.After(afterCreate) {
						t.Errorf("%s: starts %v, want each series at its first measurement", name, starts)
					}
				} else if !early.Equal(late) || early.Before(beforeCreate) || early.After(afterCreate) {
					t.Errorf("%s: starts %v, want both at the instrument's creation (within [%v, %v])", name, starts, beforeCreate, afterCreate)
				}
			}
		})
	}
}

// startsByS adds each point's start time to starts, by the value of its
// attribute "s".
func startsByS[P any](starts map[string]time.Time, points []P, get func(P) (attribute.Set, time.Time)) {
	for _, p := range points {
		attrs, start := get(p)
		v, _ := attrs.Value("s")
		starts[v.AsString()] = start
	}
}
