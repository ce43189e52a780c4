package fastmeter_test

import (
	"context"
	"runtime"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"

	"github.com/fastmeter/fastmeter"
)

// Sums and gauges keep GOMAXPROCS exemplars, as the official SDK's default
// selector gives them, whether the stream leaves the selector unset or a
// view names either SDK's default selector explicitly (both get fastmeter's
// own implementation of the default reservoirs); a custom selector's
// reservoir is used as given.
func TestDefaultReservoirSizes(t *testing.T) {
	want := max(runtime.GOMAXPROCS(0), 1)
	selectors := map[string]fastmeter.ExemplarReservoirProviderSelector{
		"unset":     nil,
		"fastmeter": fastmeter.DefaultExemplarReservoirProviderSelector,
		"official":  sdkmetric.DefaultExemplarReservoirProviderSelector,
		"custom": func(fastmeter.Aggregation) exemplar.ReservoirProvider {
			return exemplar.FixedSizeReservoirProvider(want + 1)
		},
	}
	for name, sel := range selectors {
		t.Run(name, func(t *testing.T) {
			r := fastmeter.NewManualReader()
			mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r),
				fastmeter.WithExemplarFilter(exemplar.AlwaysOnFilter),
				fastmeter.WithView(fastmeter.NewView(fastmeter.Instrument{Name: "*"}, fastmeter.Stream{ExemplarReservoirProviderSelector: sel})))
			m := mp.Meter("ex")
			c, _ := m.Float64Counter("c")
			g, _ := m.Float64Gauge("g")
			for i := range 100 {
				c.Add(context.Background(), float64(i))
				g.Record(context.Background(), float64(i))
			}
			rm := collect(t, r)
			w := want
			if name == "custom" {
				w = want + 1
			}
			for _, inst := range []string{"c", "g"} {
				if n := len(exemplarsOf(t, metricNamed(t, rm, inst))); n != w {
					t.Errorf("%s: %d exemplars, want %d", inst, n, w)
				}
			}
		})
	}
}
