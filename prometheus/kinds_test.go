package prometheus

import (
	"context"
	"math"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// recordAllKinds records one of each instrument kind on mp with known
// values, for the kind and format tests.
func recordAllKinds(t testing.TB, mp metric.MeterProvider) {
	t.Helper()
	ctx := context.Background()
	m := mp.Meter("kinds")
	get := attribute.String("method", "GET")

	ic, err := m.Int64Counter("requests", metric.WithDescription("Requests served."))
	must(t, err)
	ic.Add(ctx, 5, metric.WithAttributes(get))
	ic.Add(ctx, 2, metric.WithAttributes(get))

	fc, err := m.Float64Counter("energy", metric.WithUnit("J"))
	must(t, err)
	fc.Add(ctx, 1.25)

	ud, err := m.Int64UpDownCounter("queue.length")
	must(t, err)
	ud.Add(ctx, 3)
	ud.Add(ctx, -5)

	g, err := m.Float64Gauge("temperature", metric.WithUnit("Cel"))
	must(t, err)
	g.Record(ctx, 21.5)

	h, err := m.Float64Histogram("latency", metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(0.1, 0.5, 1))
	must(t, err)
	for _, v := range []float64{0.05, 0.2, 0.3, 0.7, 3} {
		h.Record(ctx, v)
	}

	eh, err := m.Float64Histogram("payload", metric.WithUnit("By"))
	must(t, err)
	for _, v := range []float64{1, 2, 4, 4, 100, -3, 0} {
		eh.Record(ctx, v)
	}
}

// exponentialPayload is the view that makes the "payload" histogram
// exponential (scale 20 at first, downscaled by the SDK as needed).
var exponentialPayload = sdkmetric.NewView(
	sdkmetric.Instrument{Name: "payload"},
	sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}},
)

func newKindsExporter(t testing.TB, opts ...Option) *Exporter {
	t.Helper()
	exp, err := New(append([]Option{WithoutRegistration(), WithProducer(producedExponential)}, opts...)...)
	must(t, err)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithView(exponentialPayload))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	recordAllKinds(t, mp)
	return exp
}

// checkAllKinds asserts the values recordAllKinds produced, whatever format
// they came back through. native says whether the payload histogram must
// carry native buckets (protobuf only).
func checkAllKinds(t *testing.T, families map[string]*dto.MetricFamily, native bool) {
	t.Helper()
	requests := families["requests_total"]
	if requests.GetType() != dto.MetricType_COUNTER || requests.GetHelp() != "Requests served." {
		t.Errorf("requests_total = %v", requests)
	}
	if v := findSeries(t, requests, map[string]string{"method": "GET", "otel_scope_name": "kinds"}).GetCounter().GetValue(); v != 7 {
		t.Errorf("requests_total = %v, want 7", v)
	}
	if v := families["energy_joules_total"].GetMetric()[0].GetCounter().GetValue(); v != 1.25 {
		t.Errorf("energy_joules_total = %v, want 1.25", v)
	}
	queue := families["queue_length"]
	if queue.GetType() != dto.MetricType_GAUGE || queue.GetMetric()[0].GetGauge().GetValue() != -2 {
		t.Errorf("queue_length (up-down counter) = %v, want gauge -2", queue)
	}
	temp := families["temperature_celsius"]
	if temp.GetType() != dto.MetricType_GAUGE || temp.GetMetric()[0].GetGauge().GetValue() != 21.5 {
		t.Errorf("temperature_celsius = %v, want gauge 21.5", temp)
	}

	latency := families["latency_seconds"]
	if latency.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("latency_seconds = %v", latency)
	}
	lh := latency.GetMetric()[0].GetHistogram()
	if lh.GetSampleCount() != 5 || math.Abs(lh.GetSampleSum()-4.25) > 1e-9 {
		t.Errorf("latency count/sum = %d/%v, want 5/4.25", lh.GetSampleCount(), lh.GetSampleSum())
	}
	wantBuckets := map[float64]uint64{0.1: 1, 0.5: 3, 1: 4}
	for _, b := range lh.GetBucket() {
		if want, ok := wantBuckets[b.GetUpperBound()]; ok && b.GetCumulativeCount() != want {
			t.Errorf("latency bucket le=%v = %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
		delete(wantBuckets, b.GetUpperBound())
	}
	if len(wantBuckets) != 0 {
		t.Errorf("latency buckets missing: %v", wantBuckets)
	}

	payload := families["payload_bytes"]
	if payload.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("payload_bytes = %v", payload)
	}
	ph := payload.GetMetric()[0].GetHistogram()
	if ph.GetSampleCount() != 7 || ph.GetSampleSum() != 108 {
		t.Errorf("payload count/sum = %d/%v, want 7/108", ph.GetSampleCount(), ph.GetSampleSum())
	}
	// Classic buckets: cumulative and monotonic, every recorded value at or
	// under the first bound that is ≥ it.
	checkClassicCovers(t, ph, []float64{1, 2, 4, 4, 100, -3, 0})
	// (Whether the SDK honoured the exponential view is checked by
	// TestSDKExponentialHistogramIsNative.)

	// The produced exponential histogram (scale 1: base √2).
	produced := families["produced_exp_seconds"]
	if produced.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("produced_exp_seconds = %v", produced)
	}
	eh := produced.GetMetric()[0].GetHistogram()
	if eh.GetSampleCount() != 8 || eh.GetSampleSum() != 9.5 {
		t.Errorf("produced count/sum = %d/%v, want 8/9.5", eh.GetSampleCount(), eh.GetSampleSum())
	}
	// Positive buckets at scale 1: index 0 is (1, √2], 1 is (√2, 2], 2 is
	// (2, 2√2]; negative index 1 is [-2, -√2). Cumulative classic buckets:
	wantClassic := []struct {
		le    float64
		count uint64
	}{{-math.Sqrt2, 1}, {0, 3}, {math.Sqrt2, 5}, {2, 5}, {2 * math.Sqrt2, 8}}
	var classic []*dto.Bucket
	for _, b := range eh.GetBucket() {
		if !math.IsInf(b.GetUpperBound(), 1) { // text formats add +Inf
			classic = append(classic, b)
		}
	}
	if len(classic) != len(wantClassic) {
		t.Fatalf("produced classic buckets = %v, want %v", classic, wantClassic)
	}
	for i, w := range wantClassic {
		b := classic[i]
		if math.Abs(b.GetUpperBound()-w.le) > 1e-12 || b.GetCumulativeCount() != w.count {
			t.Errorf("produced bucket %d = le %v count %d, want le %v count %d", i, b.GetUpperBound(), b.GetCumulativeCount(), w.le, w.count)
		}
	}
	if native {
		if eh.GetSchema() != 1 || eh.GetZeroCount() != 2 || nativeTotal(eh) != 8 {
			t.Errorf("produced native histogram = %v", eh)
		}
		// Prometheus index = OpenTelemetry index + 1.
		if sp := eh.GetPositiveSpan(); len(sp) != 2 || sp[0].GetOffset() != 1 || sp[0].GetLength() != 1 || sp[1].GetOffset() != 1 || sp[1].GetLength() != 1 {
			t.Errorf("produced positive spans = %v", sp)
		}
		if d := eh.GetPositiveDelta(); len(d) != 2 || d[0] != 2 || d[1] != 1 {
			t.Errorf("produced positive deltas = %v", d)
		}
		if sp := eh.GetNegativeSpan(); len(sp) != 1 || sp[0].GetOffset() != 2 || sp[0].GetLength() != 1 {
			t.Errorf("produced negative spans = %v", sp)
		}
	} else if eh.Schema != nil || len(eh.GetPositiveSpan()) != 0 {
		t.Errorf("native buckets leaked into a classic-only format: %v", eh)
	}
}

// producedExponential is an exponential histogram handed over by a
// Producer, to check the conversion independently of the SDK: scale 1,
// values 1.2, 1.3 (index 0), 2.5, 2.5, 2.6 (index 2), zero bucket 2,
// -1.6 (negative index 1); sum 9.5.
var producedExponential = producer{sms: []metricdata.ScopeMetrics{{
	Scope: instrumentation.Scope{Name: "kinds"},
	Metrics: []metricdata.Metrics{{Name: "produced.exp", Unit: "s", Data: metricdata.ExponentialHistogram[float64]{
		Temporality: metricdata.CumulativeTemporality,
		DataPoints: []metricdata.ExponentialHistogramDataPoint[float64]{{
			Count: 8, Sum: 9.5, Scale: 1, ZeroCount: 2,
			PositiveBucket: metricdata.ExponentialBucket{Offset: 0, Counts: []uint64{2, 0, 3}},
			NegativeBucket: metricdata.ExponentialBucket{Offset: 1, Counts: []uint64{1}},
		}},
	}}},
}}}

// TestSDKExponentialHistogramIsNative checks that an instrument the SDK
// aggregates as a base-2 exponential histogram is served as a native
// histogram in protobuf.
func TestSDKExponentialHistogramIsNative(t *testing.T) {
	exp := newKindsExporter(t)
	families := parse(t, scrapeHTTP(t, exp, acceptProtobuf, ""))
	ph := families["payload_bytes"].GetMetric()[0].GetHistogram()
	if ph.GetSchema() < minNativeSchema || ph.GetSchema() > maxNativeSchema {
		t.Errorf("payload schema = %d", ph.GetSchema())
	}
	if total := nativeTotal(ph); total != 7 {
		t.Errorf("native buckets hold %d observations, want 7", total)
	}
}

// checkClassicCovers checks that the cumulative buckets count, for each
// bound, exactly the values ≤ that bound (within one exponential bucket's
// width, since the bounds are the exponential boundaries).
func checkClassicCovers(t *testing.T, h *dto.Histogram, values []float64) {
	t.Helper()
	prev := uint64(0)
	prevBound := math.Inf(-1)
	for _, b := range h.GetBucket() {
		if b.GetUpperBound() <= prevBound || b.GetCumulativeCount() < prev {
			t.Fatalf("buckets not increasing: %v", h.GetBucket())
		}
		want := uint64(0)
		for _, v := range values {
			if v <= b.GetUpperBound() {
				want++
			}
		}
		if b.GetCumulativeCount() != want && !math.IsInf(b.GetUpperBound(), 1) {
			t.Errorf("bucket le=%v holds %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
		prev, prevBound = b.GetCumulativeCount(), b.GetUpperBound()
	}
}

// nativeTotal sums the observations in a native histogram's buckets.
func nativeTotal(h *dto.Histogram) uint64 {
	total := h.GetZeroCount()
	for _, deltas := range [][]int64{h.GetPositiveDelta(), h.GetNegativeDelta()} {
		count := int64(0)
		for _, d := range deltas {
			count += d
			total += uint64(count)
		}
	}
	return total
}

func TestAllKindsGathered(t *testing.T) {
	checkAllKinds(t, gather(t, newKindsExporter(t)), true)
}

// TestNativeHistogramEncoding checks spans and deltas against hand-computed
// values, including downscaling from scale 10 to schema 8 and the +1 index
// shift between OpenTelemetry (lower bound) and Prometheus (upper bound).
func TestNativeHistogramEncoding(t *testing.T) {
	dp := metricdata.ExponentialHistogramDataPoint[float64]{
		Count: 10, Sum: 42, Scale: 10, ZeroCount: 1, ZeroThreshold: 0,
		// Indexes 0..7 at scale 10 become 0,0,0,0,1,1,1,1 at scale 8.
		PositiveBucket: metricdata.ExponentialBucket{Offset: 0, Counts: []uint64{1, 1, 0, 0, 2, 0, 0, 0}},
		// Index -9 at scale 10 → -3 at scale 8; index 4 → 1.
		NegativeBucket: metricdata.ExponentialBucket{Offset: -9, Counts: append([]uint64{3}, append(make([]uint64, 12), 2)...)},
	}
	h := exponentialHistogram(dp)
	if h.GetSchema() != 8 {
		t.Fatalf("schema = %d, want 8", h.GetSchema())
	}
	spans := func(s []*dto.BucketSpan) [][2]int64 {
		var out [][2]int64
		for _, x := range s {
			out = append(out, [2]int64{int64(x.GetOffset()), int64(x.GetLength())})
		}
		return out
	}
	if got := spans(h.PositiveSpan); len(got) != 1 || got[0] != [2]int64{1, 2} {
		t.Errorf("positive spans = %v, want [[1 2]]", got)
	}
	if got := h.PositiveDelta; len(got) != 2 || got[0] != 2 || got[1] != 0 {
		t.Errorf("positive deltas = %v, want [2 0]", got)
	}
	// Negative: index -3 → prom -2 (count 3), index 1 → prom 2 (count 2):
	// spans [-2,1] then gap 3 → [3,1].
	if got := spans(h.NegativeSpan); len(got) != 2 || got[0] != [2]int64{-2, 1} || got[1] != [2]int64{3, 1} {
		t.Errorf("negative spans = %v, want [[-2 1] [3 1]]", got)
	}
	if got := h.NegativeDelta; len(got) != 2 || got[0] != 3 || got[1] != -1 {
		t.Errorf("negative deltas = %v, want [3 -1]", got)
	}
	if nativeTotal(h) != 10 {
		t.Errorf("native total = %d, want 10", nativeTotal(h))
	}

	low := exponentialHistogram(metricdata.ExponentialHistogramDataPoint[int64]{Count: 1, Sum: 5, Scale: -5,
		PositiveBucket: metricdata.ExponentialBucket{Counts: []uint64{1}}})
	if low.Schema != nil || len(low.Bucket) == 0 {
		t.Errorf("scale -5 must be served as classic buckets only: %v", low)
	}

	empty := exponentialHistogram(metricdata.ExponentialHistogramDataPoint[int64]{Scale: 3})
	if len(empty.PositiveSpan) != 1 || empty.PositiveSpan[0].GetLength() != 0 {
		t.Errorf("empty native histogram needs one empty span, got %v", empty)
	}
}

// producer hands fixed metricdata to the reader, standing in for bridges.
type producer struct{ sms []metricdata.ScopeMetrics }

func (p producer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) { return p.sms, nil }

func TestProducedSummaryAndDelta(t *testing.T) {
	errs := errorCatcher(t)
	now := time.Now()
	p := producer{sms: []metricdata.ScopeMetrics{{
		Scope: instrumentation.Scope{Name: "bridge"},
		Metrics: []metricdata.Metrics{
			{Name: "rpc.latency", Unit: "s", Data: metricdata.Summary{DataPoints: []metricdata.SummaryDataPoint{{
				StartTime: now.Add(-time.Minute), Time: now, Count: 4, Sum: 2,
				QuantileValues: []metricdata.QuantileValue{{Quantile: 0.5, Value: 0.4}, {Quantile: 0.99, Value: 0.9}},
			}}}},
			{Name: "delta.hits", Data: metricdata.Sum[int64]{Temporality: metricdata.DeltaTemporality, IsMonotonic: true,
				DataPoints: []metricdata.DataPoint[int64]{{Value: 3}}}},
		},
	}}}
	exp, _ := newTestExporter(t, WithProducer(p))
	families := gather(t, exp)
	s := families["rpc_latency_seconds"]
	if s.GetType() != dto.MetricType_SUMMARY {
		t.Fatalf("summary = %v", s)
	}
	sum := s.Metric[0].GetSummary()
	if sum.GetSampleCount() != 4 || sum.GetSampleSum() != 2 || len(sum.Quantile) != 2 || sum.Quantile[1].GetValue() != 0.9 {
		t.Errorf("summary = %v", sum)
	}
	if families["delta_hits_total"] != nil {
		t.Errorf("delta sum served as a cumulative counter")
	}
	if !anyContains(errs(), `"delta.hits"`, "delta temporality") {
		t.Errorf("delta sum not reported: %v", errs())
	}
	parse(t, scrapeHTTP(t, exp, "", ""))
}
