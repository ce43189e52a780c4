package conformance

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// seriesStartTimes returns the start time of each series of m, by the value
// of its attribute "s".
func seriesStartTimes(m metricdata.Metrics) map[string]time.Time {
	out := map[string]time.Time{}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		addStarts(out, d.DataPoints, func(p metricdata.DataPoint[int64]) (attribute.Set, time.Time) { return p.Attributes, p.StartTime })
	case metricdata.Gauge[float64]:
		addStarts(out, d.DataPoints, func(p metricdata.DataPoint[float64]) (attribute.Set, time.Time) { return p.Attributes, p.StartTime })
	case metricdata.Histogram[float64]:
		addStarts(out, d.DataPoints, func(p metricdata.HistogramDataPoint[float64]) (attribute.Set, time.Time) {
			return p.Attributes, p.StartTime
		})
	}
	return out
}

// addStarts adds each point's start time to out, by its attribute "s".
func addStarts[P any](out map[string]time.Time, points []P, get func(P) (attribute.Set, time.Time)) {
	for _, p := range points {
		attrs, start := get(p)
		v, _ := attrs.Value("s")
		out[v.AsString()] = start
	}
}

// TestStartTimesSwitch (issue 14 item 4): the start times of cumulative
// synchronous series, compared with the official SDK by shape: "shared"
// (every series starts when the instrument was created, the official
// default) or "per series" (each starts at its first measurement).
// OTEL_GO_X_PER_SERIES_START_TIMESTAMPS=true and =false give the official
// SDK's shape; without the variable fastmeter keeps per-series start times
// (a deliberate difference: the specification's SHOULD) where the official
// SDK shares one.
func TestStartTimesSwitch(t *testing.T) {
	ctx := context.Background()
	for _, env := range []string{"false", "true", ""} {
		t.Run("OTEL_GO_X_PER_SERIES_START_TIMESTAMPS="+env, func(t *testing.T) {
			t.Setenv("OTEL_GO_X_PER_SERIES_START_TIMESTAMPS", env)
			shapes := map[string]string{}
			forEachSDK(t, func(t *testing.T, s sdk) {
				h := s.manual(t, providerConfig{})
				m := h.provider.Meter("start")
				beforeCreate := time.Now()
				c, _ := m.Int64Counter("counter")
				g, _ := m.Float64Gauge("gauge")
				hist, _ := m.Float64Histogram("histogram")
				afterCreate := time.Now()
				record := func(series string) {
					o := metric.WithAttributes(attribute.String("s", series))
					c.Add(ctx, 1, o)
					g.Record(ctx, 1, o)
					hist.Record(ctx, 1, o)
				}
				time.Sleep(2 * time.Millisecond)
				record("early")
				h.collectMetrics(t)
				time.Sleep(2 * time.Millisecond)
				record("late")
				var shape string
				for _, got := range h.collectMetrics(t) {
					starts := seriesStartTimes(got)
					early, late := starts["early"], starts["late"]
					var sh string
					switch {
					case early.Equal(late) && !early.Before(beforeCreate) && !early.After(afterCreate):
						sh = "shared"
					case late.After(early) && early.After(afterCreate):
						sh = "per series"
					default:
						sh = fmt.Sprintf("other (%v)", starts)
					}
					shape += got.Name + ": " + sh + "; "
				}
				shapes[s.name] = shape
				want := shapes["official"]
				switch {
				case s.name == "official":
					t.Logf("official: %s", shape)
				case env == "":
					want = "counter: per series; gauge: per series; histogram: per series; "
					fallthrough
				default:
					if shape != want {
						t.Errorf("start times %s\nwant %s", shape, want)
					}
				}
			})
		})
	}
}
