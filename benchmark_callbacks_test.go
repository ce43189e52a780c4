package fastmeter_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// BenchmarkCollectCallbacks collects 10 observable gauges whose callbacks
// observe series sets each, with a context that never ends (callbacks run
// inline on the collecting goroutine) and with a deadline (they run on one
// helper goroutine the collection can walk away from, see runCallbacks).
// Allocations must not grow with the number of series.
func BenchmarkCollectCallbacks(b *testing.B) {
	for _, series := range []int{1, 100} {
		for _, withDeadline := range []bool{false, true} {
			name := "Background"
			if withDeadline {
				name = "Deadline"
			}
			b.Run(name+"/10x"+strconv.Itoa(series), func(b *testing.B) {
				r := fastmeter.NewManualReader()
				m := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("bench")
				opts := make([]metric.ObserveOption, series)
				for i := range opts {
					opts[i] = metric.WithAttributeSet(attribute.NewSet(attribute.Int("series", i)))
				}
				for g := 0; g < 10; g++ {
					_, _ = m.Int64ObservableGauge("g"+strconv.Itoa(g), metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
						for _, opt := range opts {
							o.Observe(1, opt)
						}
						return nil
					}))
				}
				ctx := context.Background()
				if withDeadline {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, time.Hour)
					defer cancel()
				}
				var rm metricdata.ResourceMetrics
				_ = r.Collect(ctx, &rm)
				b.ReportAllocs()
				for b.Loop() {
					_ = r.Collect(ctx, &rm)
				}
			})
		}
	}
}
