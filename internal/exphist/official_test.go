package exphist

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestMatchesOfficialSDK records the same values into the official SDK's
// exponential histogram and into ours: as a drop-in, the points must agree
// (random values never sit within an ulp of a bucket boundary, where the
// official logarithm may be off by one).
func TestMatchesOfficialSDK(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	distributions := map[string]func() float64{
		"latency": func() float64 { return math.Exp(rng.NormFloat64()*2 + 3) },
		"signed":  func() float64 { return rng.NormFloat64() * 1000 },
		"powers":  func() float64 { return math.Ldexp(1, rng.IntN(80)-40) },
		"zeros":   func() float64 { return float64(rng.IntN(3)) },
	}
	for name, next := range distributions {
		for _, cfg := range []Config{{MaxSize: 160, MaxScale: 20}, {MaxSize: 4, MaxScale: 20}, {MaxSize: 20, MaxScale: -2}} {
			values := make([]float64, 2000)
			for i := range values {
				values[i] = next()
			}
			want := officialPoint(t, cfg, values)
			forEachKind(t, func(t *testing.T, kind string) {
				h := newCell[float64](kind, cfg)
				for _, v := range values {
					h.Record(v)
				}
				got := collect(t, h, false)
				// The official SDK sums whole and fractional parts apart
				// (Prometheus' trick), so its float rounding differs.
				if math.Abs(got.Sum-want.Sum) <= 1e-12*math.Abs(want.Sum) {
					got.Sum = want.Sum
				}
				if !equalPoints(got, want) {
					t.Fatalf("%s %+v:\n got %+v\nwant %+v", name, cfg, got, want)
				}
			})
		}
	}
}

func officialPoint(t *testing.T, cfg Config, values []float64) metricdata.ExponentialHistogramDataPoint[float64] {
	t.Helper()
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	view := sdkmetric.NewView(sdkmetric.Instrument{Name: "*"}, sdkmetric.Stream{
		Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: cfg.MaxSize, MaxScale: cfg.MaxScale},
	})
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithView(view))
	defer func() { _ = mp.Shutdown(ctx) }()
	hist, err := mp.Meter("test").Float64Histogram("h")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		hist.Record(ctx, v)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	dp := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.ExponentialHistogram[float64]).DataPoints[0]
	for _, b := range []*metricdata.ExponentialBucket{&dp.PositiveBucket, &dp.NegativeBucket} {
		if b.Counts == nil {
			b.Counts = []uint64{}
		}
		if len(b.Counts) == 0 {
			b.Offset = 0
		}
	}
	return dp
}
