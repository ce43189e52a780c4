package conformance

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// pointStartTimes returns StartTime and Time of the single data point of m
// (the matrix scenario has one series).
func pointStartTimes(m metricdata.Metrics) (start, now time.Time, ok bool) {
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		return d.DataPoints[0].StartTime, d.DataPoints[0].Time, true
	case metricdata.Sum[float64]:
		return d.DataPoints[0].StartTime, d.DataPoints[0].Time, true
	case metricdata.Gauge[int64]:
		return d.DataPoints[0].StartTime, d.DataPoints[0].Time, true
	case metricdata.Gauge[float64]:
		return d.DataPoints[0].StartTime, d.DataPoints[0].Time, true
	case metricdata.Histogram[int64]:
		return d.DataPoints[0].StartTime, d.DataPoints[0].Time, true
	case metricdata.Histogram[float64]:
		return d.DataPoints[0].StartTime, d.DataPoints[0].Time, true
	}
	return time.Time{}, time.Time{}, false
}

// TestTimestampShapes: the start time of every instrument × temporality
// over three collections, described by what it equals (never by its
// value): "zero", "first" (the stream's first start time, which must lie
// between provider creation and the first collection), "prev" (the previous
// collection's time), "now" (this collection's time). Every SDK must have
// the official SDK's shapes. This covers gauges, which TestStartTimes does
// not.
func TestTimestampShapes(t *testing.T) {
	shapes := map[string]map[string]string{} // sdk -> case -> shape
	forEachSDK(t, func(t *testing.T, s sdk) {
		shapes[s.name] = map[string]string{}
		for _, in := range allInstruments {
			for _, temp := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
				name := in.String() + "/" + temp.String()
				before := time.Now()
				h := s.manual(t, providerConfig{readers: []readerConfig{{temporality: func(sdkmetric.InstrumentKind) metricdata.Temporality { return temp }}}})
				var interval atomic.Int64
				record, _, err := newInstrument(h.provider.Meter("shapes"), in, "inst", testAttrs,
					func() (float64, bool) { return observations[in.kind][interval.Load()], true })
				if err != nil {
					t.Fatal(err)
				}
				var shape []string
				var first, prevTime time.Time
				for i := range 3 {
					interval.Store(int64(i))
					if record != nil {
						// Record in every interval so every collection has a
						// point.
						record(1)
					}
					beforeCollect := time.Now()
					got := h.collectMetrics(t)
					if len(got) != 1 {
						t.Fatalf("%s collection %d: %d metrics", name, i, len(got))
					}
					start, now, ok := pointStartTimes(got[0])
					if !ok {
						t.Fatalf("%s: unexpected data %T", name, got[0].Data)
					}
					if i == 0 {
						first = start
						if !start.IsZero() && (start.Before(before) || start.After(beforeCollect)) {
							t.Errorf("%s: first start %v outside [provider creation %v, first collection %v]", name, start, before, beforeCollect)
						}
					}
					switch {
					case start.IsZero():
						shape = append(shape, "zero")
					case i > 0 && start.Equal(prevTime):
						shape = append(shape, "prev")
					case start.Equal(first):
						shape = append(shape, "first")
					case start.Equal(now):
						shape = append(shape, "now")
					default:
						shape = append(shape, fmt.Sprintf("other(%v)", start.Sub(first)))
					}
					prevTime = now
				}
				shapes[s.name][name] = strings.Join(shape, ",")
			}
		}
		ref, ok := shapes["official"]
		if !ok || s.name == "official" {
			return
		}
		for name, want := range ref {
			run(t, name, func(t *testing.T) {
				if got := shapes[s.name][name]; got != want {
					t.Errorf("start times %s, official %s", got, want)
				}
			})
		}
	})
}

// TestDeltaStartAfterIdleInterval: a delta series idle for a whole interval
// (no point in that collection) and then used again starts at the previous
// collection's time, even though that collection had no point for it: the
// official SDK's behaviour, and what a reclaiming engine must preserve.
func TestDeltaStartAfterIdleInterval(t *testing.T) {
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, in := range []instr{
			{kind: sdkmetric.InstrumentKindCounter},
			{kind: sdkmetric.InstrumentKindHistogram, float: true},
			{kind: sdkmetric.InstrumentKindGauge},
		} {
			run(t, in.String(), func(t *testing.T) {
				h := s.manual(t, providerConfig{readers: []readerConfig{{temporality: allDelta}}})
				record, _, err := newInstrument(h.provider.Meter("idle"), in, "inst", testAttrs, nil)
				if err != nil {
					t.Fatal(err)
				}
				record(1)
				h.collectMetrics(t)
				// The idle interval: its collection has no point, and only
				// the time of the Collect call bounds it.
				beforeIdle := time.Now()
				if got := h.collectMetrics(t); len(got) != 0 {
					t.Fatalf("idle delta collection: %+v", got)
				}
				afterIdle := time.Now()
				record(2)
				got := h.collectMetrics(t)
				start, _, ok := pointStartTimes(got[0])
				if !ok {
					t.Fatalf("unexpected data %+v", got)
				}
				if start.Before(beforeIdle) || start.After(afterIdle) {
					t.Errorf("start %v, want the idle collection's time (within [%v, %v])", start, beforeIdle, afterIdle)
				}
			})
		}
	})
}
