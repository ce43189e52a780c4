package fastmeter_test

import (
	"context"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// A zero MeterProvider hands out one meter per scope also when many
// goroutines ask at once (its meter map is created on first use, under its
// lock), and those meters' instruments work.
func TestZeroMeterProviderConcurrentMeters(t *testing.T) {
	var mp fastmeter.MeterProvider
	const goroutines = 8
	meters := make([]metric.Meter, goroutines)
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Go(func() {
			meters[i] = mp.Meter("x")
			c, err := meters[i].Int64Counter("c")
			if err != nil {
				t.Error(err)
			}
			c.Add(context.Background(), 1)
		})
	}
	wg.Wait()
	for i, m := range meters {
		if m != meters[0] {
			t.Fatalf("goroutine %d got another meter for the same scope", i)
		}
	}
	if err := mp.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := mp.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v, want nil as the official SDK's zero provider", err)
	}
}

// A zero ManualReader registered with a provider works with the default
// selectors (cumulative, default aggregations).
func TestZeroManualReaderInAProvider(t *testing.T) {
	r := &fastmeter.ManualReader{}
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	c, _ := mp.Meter("zero").Int64Counter("c")
	c.Add(context.Background(), 2)
	sum, ok := metricNamed(t, collect(t, r), "c").Data.(metricdata.Sum[int64])
	if !ok || sum.Temporality != metricdata.CumulativeTemporality || sum.DataPoints[0].Value != 2 {
		t.Fatalf("collected %+v, want a cumulative sum of 2", sum)
	}
}
