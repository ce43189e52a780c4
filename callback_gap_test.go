package fastmeter_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// A delta observable counter whose callback misses collections (abandoned
// at the deadline, then skipped while it still runs, or registered with
// RegisterCallback) reports, once it observes again, its change since its
// last report, never its whole cumulative value: the deltas add up to the
// last observation exactly. Before the fix the first point after the gap
// was the whole 25, so the deltas summed to 35.
func TestDeltaObservableCounterKeepsItsBaselineThroughMissedCallbacks(t *testing.T) {
	for _, multi := range []bool{false, true} {
		name := "instrument callback"
		if multi {
			name = "RegisterCallback"
		}
		t.Run(name, func(t *testing.T) {
			_ = recordErrors(t) // the abandon and skip reports are expected
			reader := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality {
				return metricdata.DeltaTemporality
			}))
			mp := fastmeter.NewMeterProvider(fastmeter.WithReader(reader))
			release := make(chan struct{})
			t.Cleanup(func() {
				select {
				case <-release:
				default:
					close(release)
				}
				_ = mp.Shutdown(context.Background())
			})
			var runs atomic.Int32
			attrs := metric.WithAttributes(attribute.String("k", "v"))
			// Run 1 observes 10; run 2 hangs until released (its late 17
			// is dropped); run 3 observes 25.
			observe := func(o func(int64)) {
				switch runs.Add(1) {
				case 1:
					o(10)
				case 2:
					<-release
					o(17)
				default:
					o(25)
				}
			}
			m := mp.Meter("gap")
			if multi {
				counter, _ := m.Int64ObservableCounter("bytes")
				_, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
					observe(func(v int64) { o.ObserveInt64(counter, v, attrs) })
					return nil
				}, counter)
				if err != nil {
					t.Fatal(err)
				}
			} else {
				_, _ = m.Int64ObservableCounter("bytes", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
					observe(func(v int64) { o.Observe(v, attrs) })
					return nil
				}))
			}

			var points []int64
			collect := func() {
				t.Helper()
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				defer cancel()
				var rm metricdata.ResourceMetrics
				if err := returnsWithin(t, 10*time.Second, func() error { return reader.Collect(ctx, &rm) }); err != nil {
					t.Fatal(err)
				}
				if sum, ok := names(rm)["bytes"].(metricdata.Sum[int64]); ok {
					for _, dp := range sum.DataPoints {
						points = append(points, dp.Value)
					}
				}
			}
			collect() // run 1: 10
			collect() // run 2 abandoned: nothing
			collect() // skipped: nothing
			close(release)
			for deadline := time.Now().Add(10 * time.Second); runs.Load() < 3; {
				if time.Now().After(deadline) {
					t.Fatal("the callback did not run again after it returned")
				}
				collect()
				time.Sleep(time.Millisecond)
			}
			var total int64
			for _, v := range points {
				total += v
			}
			if len(points) != 2 || points[0] != 10 || total != 25 {
				t.Fatalf("delta points %v, want [10 15]: the deltas must add up to the last observation, 25", points)
			}
		})
	}
}
