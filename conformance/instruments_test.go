package conformance

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
)

// instr names one of the 14 API instruments: a kind and a number type.
type instr struct {
	kind  sdkmetric.InstrumentKind
	float bool
}

func (in instr) String() string {
	if in.float {
		return "Float64" + in.kind.String()
	}
	return "Int64" + in.kind.String()
}

func (in instr) observable() bool {
	switch in.kind {
	case sdkmetric.InstrumentKindObservableCounter,
		sdkmetric.InstrumentKindObservableUpDownCounter,
		sdkmetric.InstrumentKindObservableGauge:
		return true
	}
	return false
}

var allKinds = []sdkmetric.InstrumentKind{
	sdkmetric.InstrumentKindCounter,
	sdkmetric.InstrumentKindUpDownCounter,
	sdkmetric.InstrumentKindHistogram,
	sdkmetric.InstrumentKindGauge,
	sdkmetric.InstrumentKindObservableCounter,
	sdkmetric.InstrumentKindObservableUpDownCounter,
	sdkmetric.InstrumentKindObservableGauge,
}

// allInstruments is the 14 instruments of go.opentelemetry.io/otel/metric.
var allInstruments = func() []instr {
	var out []instr
	for _, float := range []bool{false, true} {
		for _, k := range allKinds {
			out = append(out, instr{kind: k, float: float})
		}
	}
	return out
}()

// testAttrs is the attribute set every matrix measurement carries.
var testAttrs = attribute.NewSet(attribute.String("k", "v"))

// newInstrument creates in on m. For synchronous instruments it returns a
// function recording v with attrs. For observables the callback observes
// observe() with attrs on every collection (skipped when observe reports
// false); the returned record func is nil. The error is the one returned by
// the Meter, so callers can assert on it.
func newInstrument(
	m metric.Meter,
	in instr,
	name string,
	attrs attribute.Set,
	observe func() (float64, bool),
) (record func(v float64), enabled func() bool, err error) {
	ctx := context.Background()
	set := metric.WithAttributeSet(attrs)
	if in.float {
		cb := metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
			if v, ok := observe(); ok {
				o.Observe(v, metric.WithAttributeSet(attrs))
			}
			return nil
		})
		switch in.kind {
		case sdkmetric.InstrumentKindCounter:
			i, err := m.Float64Counter(name)
			return func(v float64) { i.Add(ctx, v, set) }, func() bool { return i.Enabled(ctx) }, err
		case sdkmetric.InstrumentKindUpDownCounter:
			i, err := m.Float64UpDownCounter(name)
			return func(v float64) { i.Add(ctx, v, set) }, func() bool { return i.Enabled(ctx) }, err
		case sdkmetric.InstrumentKindHistogram:
			i, err := m.Float64Histogram(name)
			return func(v float64) { i.Record(ctx, v, set) }, func() bool { return i.Enabled(ctx) }, err
		case sdkmetric.InstrumentKindGauge:
			i, err := m.Float64Gauge(name)
			return func(v float64) { i.Record(ctx, v, set) }, func() bool { return i.Enabled(ctx) }, err
		case sdkmetric.InstrumentKindObservableCounter:
			_, err := m.Float64ObservableCounter(name, cb)
			return nil, nil, err
		case sdkmetric.InstrumentKindObservableUpDownCounter:
			_, err := m.Float64ObservableUpDownCounter(name, cb)
			return nil, nil, err
		case sdkmetric.InstrumentKindObservableGauge:
			_, err := m.Float64ObservableGauge(name, cb)
			return nil, nil, err
		}
	}
	cb := metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		if v, ok := observe(); ok {
			o.Observe(int64(v), metric.WithAttributeSet(attrs))
		}
		return nil
	})
	switch in.kind {
	case sdkmetric.InstrumentKindCounter:
		i, err := m.Int64Counter(name)
		return func(v float64) { i.Add(ctx, int64(v), set) }, func() bool { return i.Enabled(ctx) }, err
	case sdkmetric.InstrumentKindUpDownCounter:
		i, err := m.Int64UpDownCounter(name)
		return func(v float64) { i.Add(ctx, int64(v), set) }, func() bool { return i.Enabled(ctx) }, err
	case sdkmetric.InstrumentKindHistogram:
		i, err := m.Int64Histogram(name)
		return func(v float64) { i.Record(ctx, int64(v), set) }, func() bool { return i.Enabled(ctx) }, err
	case sdkmetric.InstrumentKindGauge:
		i, err := m.Int64Gauge(name)
		return func(v float64) { i.Record(ctx, int64(v), set) }, func() bool { return i.Enabled(ctx) }, err
	case sdkmetric.InstrumentKindObservableCounter:
		_, err := m.Int64ObservableCounter(name, cb)
		return nil, nil, err
	case sdkmetric.InstrumentKindObservableUpDownCounter:
		_, err := m.Int64ObservableUpDownCounter(name, cb)
		return nil, nil, err
	case sdkmetric.InstrumentKindObservableGauge:
		_, err := m.Int64ObservableGauge(name, cb)
		return nil, nil, err
	}
	panic(fmt.Sprintf("unknown instrument %v", in))
}

// The matrix scenario: three collection intervals. Synchronous instruments
// record the listed values in each interval (nothing in the third, so delta
// streams must report nothing while cumulative ones keep their state).
// Observables report the listed value in every interval: cumulative
// observations for the counters (a delta reader must see the difference from
// the previous collection, including a 0 when unchanged) and current values
// for the gauge.
var (
	syncRecordings = map[sdkmetric.InstrumentKind][][]float64{
		sdkmetric.InstrumentKindCounter:       {{1, 2}, {4}, {}},
		sdkmetric.InstrumentKindUpDownCounter: {{5, -2}, {-4}, {}},
		sdkmetric.InstrumentKindHistogram:     {{1, 7}, {30}, {}},
		sdkmetric.InstrumentKindGauge:         {{3, 9}, {4}, {}},
	}
	observations = map[sdkmetric.InstrumentKind][]float64{
		sdkmetric.InstrumentKindObservableCounter:       {3, 7, 7},
		sdkmetric.InstrumentKindObservableUpDownCounter: {3, -1, -1},
		sdkmetric.InstrumentKindObservableGauge:         {9, 4, 4},
	}
)

// defaultBounds are the spec's default explicit bucket boundaries.
var defaultBounds = []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}

// dataPoint builds a one-point data set with testAttrs.
func sumData[N int64 | float64](temporality metricdata.Temporality, monotonic bool, v float64) metricdata.Sum[N] {
	return metricdata.Sum[N]{
		DataPoints:  []metricdata.DataPoint[N]{{Attributes: testAttrs, Value: N(v)}},
		Temporality: temporality,
		IsMonotonic: monotonic,
	}
}

func gaugeData[N int64 | float64](v float64) metricdata.Gauge[N] {
	return metricdata.Gauge[N]{DataPoints: []metricdata.DataPoint[N]{{Attributes: testAttrs, Value: N(v)}}}
}

// histPoint is the expected explicit-bucket histogram point of values:
// bucket i counts bounds[i-1] < v <= bounds[i].
func histPoint[N int64 | float64](attrs attribute.Set, bounds []float64, noMinMax bool, values ...float64) metricdata.HistogramDataPoint[N] {
	p := metricdata.HistogramDataPoint[N]{
		Attributes:   attrs,
		Bounds:       bounds,
		BucketCounts: make([]uint64, len(bounds)+1),
		Count:        uint64(len(values)),
	}
	minV, maxV := math.Inf(1), math.Inf(-1)
	var sum float64
	for _, v := range values {
		b := 0
		for b < len(bounds) && v > bounds[b] {
			b++
		}
		p.BucketCounts[b]++
		sum += v
		minV, maxV = math.Min(minV, v), math.Max(maxV, v)
	}
	p.Sum = N(sum)
	if !noMinMax {
		p.Min, p.Max = metricdata.NewExtrema(N(minV)), metricdata.NewExtrema(N(maxV))
	}
	return p
}

// expectedMatrix returns what a reader with temporality must collect at the
// end of interval (0-based) for in, or nil if the metric must be absent.
func expectedMatrix[N int64 | float64](in instr, temporality metricdata.Temporality, interval int) metricdata.Aggregation {
	if in.observable() {
		obs := observations[in.kind]
		switch in.kind {
		case sdkmetric.InstrumentKindObservableGauge:
			return gaugeData[N](obs[interval])
		default:
			monotonic := in.kind == sdkmetric.InstrumentKindObservableCounter
			v := obs[interval]
			if temporality == metricdata.DeltaTemporality && interval > 0 {
				v -= obs[interval-1]
			}
			return sumData[N](temporality, monotonic, v)
		}
	}
	// The values this collection aggregates: this interval's for delta,
	// every interval so far for cumulative.
	var values []float64
	first := 0
	if temporality == metricdata.DeltaTemporality {
		first = interval
	}
	for i := first; i <= interval; i++ {
		values = append(values, syncRecordings[in.kind][i]...)
	}
	if len(values) == 0 {
		return nil
	}
	switch in.kind {
	case sdkmetric.InstrumentKindCounter, sdkmetric.InstrumentKindUpDownCounter:
		var sum float64
		for _, v := range values {
			sum += v
		}
		return sumData[N](temporality, in.kind == sdkmetric.InstrumentKindCounter, sum)
	case sdkmetric.InstrumentKindGauge:
		return gaugeData[N](values[len(values)-1])
	case sdkmetric.InstrumentKindHistogram:
		return metricdata.Histogram[N]{
			DataPoints:  []metricdata.HistogramDataPoint[N]{histPoint[N](testAttrs, defaultBounds, false, values...)},
			Temporality: temporality,
		}
	}
	panic("unreachable")
}

func expectedFor(in instr, temporality metricdata.Temporality, interval int) metricdata.Aggregation {
	if in.float {
		return expectedMatrix[float64](in, temporality, interval)
	}
	return expectedMatrix[int64](in, temporality, interval)
}

func allDelta(sdkmetric.InstrumentKind) metricdata.Temporality { return metricdata.DeltaTemporality }

func allCumulative(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.CumulativeTemporality
}

// TestInstrumentMatrix: every instrument × default aggregation × {cumulative,
// delta} over three collections.
func TestInstrumentMatrix(t *testing.T) {
	temporalities := []struct {
		name     string
		selector sdkmetric.TemporalitySelector
		want     metricdata.Temporality
	}{
		{"cumulative", allCumulative, metricdata.CumulativeTemporality},
		{"delta", allDelta, metricdata.DeltaTemporality},
	}
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, in := range allInstruments {
			for _, temp := range temporalities {
				run(t, in.String()+"/"+temp.name, func(t *testing.T) {
					h := s.manual(t, providerConfig{readers: []readerConfig{{temporality: temp.selector}}})
					var interval atomic.Int64 // the interval observables report for
					record, _, err := newInstrument(h.provider.Meter("matrix"), in, "inst", testAttrs,
						func() (float64, bool) { return observations[in.kind][interval.Load()], true })
					if err != nil {
						t.Fatalf("creating %v: %v", in, err)
					}
					for i := range 3 {
						interval.Store(int64(i))
						if !in.observable() {
							for _, v := range syncRecordings[in.kind][i] {
								record(v)
							}
						}
						got := h.collectMetrics(t)
						want := expectedFor(in, temp.want, i)
						if want == nil {
							if len(got) != 0 {
								t.Errorf("collection %d: want no metric, got %+v", i, got)
							}
							continue
						}
						if len(got) != 1 {
							t.Fatalf("collection %d: want 1 metric, got %d: %+v", i, len(got), got)
						}
						metricdatatest.AssertEqual(t,
							metricdata.Metrics{Name: "inst", Data: want}, got[0],
							metricdatatest.IgnoreTimestamp())
					}
				})
			}
		}
	})
}

// TestDefaultTemporalitySelectors: the official selectors (shared by both
// SDKs) decide each instrument's temporality per reader.
func TestDefaultTemporalitySelectors(t *testing.T) {
	selectors := []struct {
		name     string
		selector sdkmetric.TemporalitySelector // nil = the reader's default
	}{
		{"default", nil},
		{"Cumulative", sdkmetric.CumulativeTemporalitySelector},
		{"Delta", sdkmetric.DeltaTemporalitySelector},
		{"LowMemory", sdkmetric.LowMemoryTemporalitySelector},
	}
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, sel := range selectors {
			run(t, sel.name, func(t *testing.T) {
				h := s.manual(t, providerConfig{readers: []readerConfig{{temporality: sel.selector}}})
				meter := h.provider.Meter("selectors")
				for _, in := range allInstruments {
					record, _, err := newInstrument(meter, in, in.String(), testAttrs,
						func() (float64, bool) { return 1, true })
					if err != nil {
						t.Fatal(err)
					}
					if record != nil {
						record(1)
					}
				}
				ref := sel.selector
				if ref == nil {
					ref = sdkmetric.DefaultTemporalitySelector
				}
				got := h.collectMetrics(t)
				for _, in := range allInstruments {
					m, ok := findMetric(got, in.String())
					if !ok {
						t.Errorf("%v: metric missing", in)
						continue
					}
					var gotTemp metricdata.Temporality
					switch d := m.Data.(type) {
					case metricdata.Sum[int64]:
						gotTemp = d.Temporality
					case metricdata.Sum[float64]:
						gotTemp = d.Temporality
					case metricdata.Histogram[int64]:
						gotTemp = d.Temporality
					case metricdata.Histogram[float64]:
						gotTemp = d.Temporality
					default:
						continue // gauges carry no temporality
					}
					if want := ref(in.kind); gotTemp != want {
						t.Errorf("%v: temporality %v, want %v", in, gotTemp, want)
					}
				}
			})
		}
	})
}
