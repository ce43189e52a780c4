package metricz

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	officialsdk "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func explicitPoint(bounds []float64, counts []uint64) metricdata.HistogramDataPoint[float64] {
	var total uint64
	for _, c := range counts {
		total += c
	}
	return metricdata.HistogramDataPoint[float64]{Bounds: bounds, BucketCounts: counts, Count: total}
}

func TestHistogramQuantileUniform(t *testing.T) {
	// 100 observations in each of (0,100], (100,200], …, (900,1000]: the
	// quantiles of a uniform distribution, exactly.
	bounds := []float64{0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000}
	counts := []uint64{0, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 0}
	dp := explicitPoint(bounds, counts)
	for _, tc := range []struct{ q, want float64 }{
		{0, 0}, {0.5, 500}, {0.9, 900}, {0.99, 990}, {0.25, 250}, {1, 1000},
	} {
		got, ok := HistogramQuantile(dp, tc.q)
		if !ok || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("q=%v: got %v, %v; want %v", tc.q, got, ok, tc.want)
		}
	}
}

func TestHistogramQuantileOpenBuckets(t *testing.T) {
	bounds := []float64{0, 10}
	// Everything in the overflow bucket (10, +Inf).
	over := explicitPoint(bounds, []uint64{0, 0, 4})
	if got, ok := HistogramQuantile(over, 0.5); !ok || got != 10 {
		t.Errorf("overflow without max: got %v, %v; want the finite edge 10", got, ok)
	}
	over.Min = metricdata.NewExtrema(20.0)
	over.Max = metricdata.NewExtrema(60.0)
	if got, ok := HistogramQuantile(over, 0.5); !ok || got != 40 {
		t.Errorf("overflow with min 20, max 60: got %v, %v; want 40", got, ok)
	}
	if got, _ := HistogramQuantile(over, 1); got != 60 {
		t.Errorf("q=1 must be the max: got %v", got)
	}
	// Everything in the underflow bucket (-Inf, 0].
	under := explicitPoint(bounds, []uint64{2, 0, 0})
	if got, ok := HistogramQuantile(under, 0.5); !ok || got != 0 {
		t.Errorf("underflow without min: got %v, %v; want the finite edge 0", got, ok)
	}
	under.Min = metricdata.NewExtrema(-8.0)
	under.Max = metricdata.NewExtrema(-2.0)
	if got, _ := HistogramQuantile(under, 0); got != -8 {
		t.Errorf("q=0 must be the min: got %v", got)
	}
	if got, _ := HistogramQuantile(under, 0.5); got != -5 {
		t.Errorf("underflow with min -8, max -2: got %v; want -5", got)
	}
	// No bounds at all: one bucket, only min and max say anything.
	single := explicitPoint(nil, []uint64{10})
	single.Min, single.Max = metricdata.NewExtrema(1.0), metricdata.NewExtrema(3.0)
	if got, _ := HistogramQuantile(single, 0.5); got != 2 {
		t.Errorf("single bucket: got %v; want 2", got)
	}
}

func TestHistogramQuantileClampsToMinMax(t *testing.T) {
	// One observation of 7 in (5, 10]: interpolation alone would say 7.5 for
	// the median, min and max say 7.
	dp := explicitPoint([]float64{5, 10}, []uint64{0, 1, 0})
	dp.Min, dp.Max = metricdata.NewExtrema(7.0), metricdata.NewExtrema(7.0)
	for _, q := range []float64{0, 0.5, 0.99, 1} {
		if got, _ := HistogramQuantile(dp, q); got != 7 {
			t.Errorf("q=%v: got %v; want 7", q, got)
		}
	}
}

func TestHistogramQuantileRejects(t *testing.T) {
	ok := explicitPoint([]float64{1}, []uint64{1, 1})
	for name, tc := range map[string]struct {
		dp metricdata.HistogramDataPoint[float64]
		q  float64
	}{
		"empty":             {explicitPoint([]float64{1, 2}, []uint64{0, 0, 0}), 0.5},
		"q below 0":         {ok, -0.1},
		"q above 1":         {ok, 1.1},
		"q NaN":             {ok, math.NaN()},
		"counts mismatch":   {explicitPoint([]float64{1, 2}, []uint64{1, 1}), 0.5},
		"no buckets at all": {metricdata.HistogramDataPoint[float64]{}, 0.5},
	} {
		if got, isOK := HistogramQuantile(tc.dp, tc.q); isOK {
			t.Errorf("%s: got %v, true; want false", name, got)
		}
	}
}

func TestExponentialHistogramQuantileLayout(t *testing.T) {
	// Scale 0: base 2. Buckets (1,2] and (2,4] with one observation each,
	// (-2,-1] mirrored with one, and one zero.
	dp := metricdata.ExponentialHistogramDataPoint[float64]{
		Scale:          0,
		Count:          4,
		ZeroCount:      1,
		PositiveBucket: metricdata.ExponentialBucket{Offset: 0, Counts: []uint64{1, 1}},
		NegativeBucket: metricdata.ExponentialBucket{Offset: 0, Counts: []uint64{1}},
	}
	for _, tc := range []struct{ q, want float64 }{
		{0, -2},                 // bottom of (-2,-1]
		{0.125, -math.Sqrt2},    // half-way through (-2,-1], geometrically
		{0.25, -1},              // top of (-2,-1]
		{0.5, 0},                // the zero bucket
		{0.625, math.Sqrt2},     // half-way through (1,2]
		{0.75, 2},               // top of (1,2]
		{1, 4},                  // top of (2,4]
		{0.875, 2 * math.Sqrt2}, // half-way through (2,4]
	} {
		got, ok := ExponentialHistogramQuantile(dp, tc.q)
		if !ok || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("q=%v: got %v, %v; want %v", tc.q, got, ok, tc.want)
		}
	}
	dp.Min, dp.Max = metricdata.NewExtrema(-1.5), metricdata.NewExtrema(3.0)
	if got, _ := ExponentialHistogramQuantile(dp, 0); got != -1.5 {
		t.Errorf("q=0 with min: got %v; want -1.5", got)
	}
	if got, _ := ExponentialHistogramQuantile(dp, 1); got != 3 {
		t.Errorf("q=1 with max: got %v; want 3", got)
	}
	if _, ok := ExponentialHistogramQuantile(metricdata.ExponentialHistogramDataPoint[int64]{}, 0.5); ok {
		t.Error("an empty exponential histogram has no quantile")
	}
	if _, ok := ExponentialHistogramQuantile(dp, 2); ok {
		t.Error("q=2 must be rejected")
	}
}

func TestExponentialBucketBoundsAtScales(t *testing.T) {
	// Scale 3: base 2^(1/8); bucket 8 is (2, 2^(9/8)].
	e := expHistogram{scale: 3, posOffset: 8, posCounts: []uint64{1}}
	lo, hi, _ := e.bucket(1)
	if math.Abs(lo-2) > 1e-12 || math.Abs(hi-math.Pow(2, 9.0/8)) > 1e-12 {
		t.Errorf("scale 3 bucket 8: (%v, %v]", lo, hi)
	}
	// Negative scale -1: base 4; bucket 1 is (4, 16].
	e = expHistogram{scale: -1, posOffset: 1, posCounts: []uint64{1}}
	if lo, hi, _ := e.bucket(1); lo != 4 || hi != 16 {
		t.Errorf("scale -1 bucket 1: (%v, %v]", lo, hi)
	}
}

// exactQuantile is the sample quantile the estimates are compared with: the
// smallest value with at least q·n observations at or below it.
func exactQuantile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// TestQuantileAgainstRecordedData records a skewed (log-normal) sample
// through the SDK's own aggregations and checks that the estimates fall in
// the bucket that holds the exact sample quantile: the best any estimate
// from buckets can promise.
func TestQuantileAgainstRecordedData(t *testing.T) {
	// The reference aggregations are the official SDK's, so this test checks
	// the estimates against data shaped exactly as exporters receive it.
	bounds := []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5}
	reader := officialsdk.NewManualReader()
	mp := officialsdk.NewMeterProvider(officialsdk.WithReader(reader),
		officialsdk.WithView(officialsdk.NewView(officialsdk.Instrument{Name: "latency.explicit"},
			officialsdk.Stream{Aggregation: officialsdk.AggregationExplicitBucketHistogram{Boundaries: bounds}})),
		officialsdk.WithView(officialsdk.NewView(officialsdk.Instrument{Name: "latency.exp"},
			officialsdk.Stream{Aggregation: officialsdk.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}})),
	)
	meter := mp.Meter("quantile.test")
	explicit, _ := meter.Float64Histogram("latency.explicit")
	exp, _ := meter.Float64Histogram("latency.exp")

	rng := rand.New(rand.NewPCG(1, 2))
	values := make([]float64, 20000)
	for i := range values {
		values[i] = math.Exp(rng.NormFloat64()*1.2 - 3.5) // median ≈ 30 ms
		explicit.Record(context.Background(), values[i])
		exp.Record(context.Background(), values[i])
	}
	slices.Sort(values)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	hdp := findMetric(t, &rm, "latency.explicit").Data.(metricdata.Histogram[float64]).DataPoints[0]
	edp := findMetric(t, &rm, "latency.exp").Data.(metricdata.ExponentialHistogram[float64]).DataPoints[0]
	relWidth := math.Exp2(math.Exp2(-float64(edp.Scale))) - 1 // width of an exponential bucket relative to its lower bound

	for _, q := range []float64{0.5, 0.9, 0.99} {
		exact := exactQuantile(values, q)

		got, ok := HistogramQuantile(hdp, q)
		i, _ := slices.BinarySearch(bounds, exact)
		lo, hi := math.Inf(-1), math.Inf(1)
		if i > 0 {
			lo = bounds[i-1]
		}
		if i < len(bounds) {
			hi = bounds[i]
		}
		if !ok || got < lo || got > hi {
			t.Errorf("explicit q=%v: estimate %v outside the bucket (%v, %v] of the exact %v", q, got, lo, hi, exact)
		}

		got, ok = ExponentialHistogramQuantile(edp, q)
		if !ok || math.Abs(got-exact)/exact > relWidth*1.0001 {
			t.Errorf("exponential q=%v (scale %d): estimate %v, exact %v: relative error %.4f > bucket width %.4f",
				q, edp.Scale, got, exact, math.Abs(got-exact)/exact, relWidth)
		}
	}
}
