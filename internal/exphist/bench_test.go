package exphist

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// benchValues are latency-like measurements (log-normal, ~1 to ~10^4) so the
// histogram downscales once to its steady scale and then stays in range, as
// a real series does.
var benchValues = func() []float64 {
	rng := rand.New(rand.NewPCG(9, 10))
	v := make([]float64, 1024)
	for i := range v {
		v[i] = math.Exp(rng.NormFloat64()*1.5 + 4)
	}
	return v
}()

var benchConfig = Config{MaxSize: 160, MaxScale: 20}

func BenchmarkRecord(b *testing.B) {
	b.Run("fastmeter-lockfree/float64", func(b *testing.B) {
		h := NewLockFree[float64](benchConfig)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.Record(benchValues[i&1023])
			i++
		}
	})
	b.Run("fastmeter/float64", func(b *testing.B) {
		h := New[float64](benchConfig)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.Record(benchValues[i&1023])
			i++
		}
	})
	b.Run("fastmeter/int64", func(b *testing.B) {
		h := New[int64](benchConfig)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.Record(int64(benchValues[i&1023]))
			i++
		}
	})
	b.Run("official/float64", func(b *testing.B) {
		hist := officialHistogram(b)
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			hist(ctx, benchValues[i&1023])
			i++
		}
	})
}

func BenchmarkRecordParallel(b *testing.B) {
	b.Run("fastmeter-lockfree/float64", func(b *testing.B) {
		h := NewLockFree[float64](benchConfig)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := rand.IntN(1024)
			for pb.Next() {
				h.Record(benchValues[i&1023])
				i++
			}
		})
	})
	b.Run("fastmeter/float64", func(b *testing.B) {
		h := New[float64](benchConfig)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := rand.IntN(1024)
			for pb.Next() {
				h.Record(benchValues[i&1023])
				i++
			}
		})
	})
	b.Run("official/float64", func(b *testing.B) {
		hist := officialHistogram(b)
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := rand.IntN(1024)
			for pb.Next() {
				hist(ctx, benchValues[i&1023])
				i++
			}
		})
	})
}

// BenchmarkCollect measures recording an interval's values into one series
// and taking the delta point into a reused data point (a fresh interval goes
// through the downscales again), for short and long intervals.
func BenchmarkCollect(b *testing.B) {
	for _, perInterval := range []int{64, 1024} {
		for _, kind := range kinds {
			b.Run(fmt.Sprintf("%s/values=%d", kind, perInterval), func(b *testing.B) {
				h := newCell[float64](kind, benchConfig)
				var dp metricdata.ExponentialHistogramDataPoint[float64]
				b.ReportAllocs()
				for b.Loop() {
					for _, v := range benchValues[:perInterval] {
						h.Record(v)
					}
					h.Collect(&dp, true)
				}
			})
		}
	}
}

// BenchmarkCollectIdle measures collecting a series that recorded nothing
// since the last collection.
func BenchmarkCollectIdle(b *testing.B) {
	for _, kind := range kinds {
		b.Run(kind, func(b *testing.B) {
			h := newCell[float64](kind, benchConfig)
			var dp metricdata.ExponentialHistogramDataPoint[float64]
			h.Record(1)
			h.Collect(&dp, true)
			b.ReportAllocs()
			for b.Loop() {
				h.Collect(&dp, true)
			}
		})
	}
}

// officialHistogram returns the Record method of the official SDK's
// Float64Histogram, aggregated as a Base2 exponential histogram with the same
// configuration, with no attributes.
func officialHistogram(b *testing.B) func(context.Context, float64) {
	b.Helper()
	view := sdkmetric.NewView(sdkmetric.Instrument{Name: "*"}, sdkmetric.Stream{
		Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: benchConfig.MaxSize, MaxScale: benchConfig.MaxScale},
	})
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()), sdkmetric.WithView(view))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	hist, err := mp.Meter("bench").Float64Histogram("latency")
	if err != nil {
		b.Fatal(err)
	}
	return func(ctx context.Context, v float64) { hist.Record(ctx, v) }
}

// BenchmarkBucketIndex compares the table lookup (scales up to 10) with the
// logarithm (above) for placing a value.
func BenchmarkBucketIndex(b *testing.B) {
	for _, scale := range []int32{-2, 4, 10, 11, 20} {
		b.Run(fmt.Sprintf("scale=%d", scale), func(b *testing.B) {
			var sink int32
			i := 0
			for b.Loop() {
				sink += bucketIndex(benchValues[i&1023], scale)
				i++
			}
			_ = sink
		})
	}
}
