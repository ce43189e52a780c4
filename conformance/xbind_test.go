package conformance

// The experimental Bind and Finish interfaces of go.opentelemetry.io/otel/metric/x.
// The official SDK v1.47.0's instruments implement none of them, so no
// scenario can compare what they do; what both SDKs must agree on is the
// program the x package documents for an optional interface: bind when the
// instrument is a binder, else pass the set as an option. On the official SDK
// that program takes the fallback, on fastmeter the bound path, and the data
// must be the same.

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/x"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestXInterfacesSupport records which SDK implements the x interfaces: if
// the official SDK gains them, this fails, and the scenarios below should
// then compare Bind and Finish themselves.
func TestXInterfacesSupport(t *testing.T) {
	for _, p := range xProviders(t, xConfig{}) {
		m := p.mp.Meter("x")
		ic, _ := m.Int64Counter("ic")
		fc, _ := m.Float64Counter("fc")
		iu, _ := m.Int64UpDownCounter("iu")
		fu, _ := m.Float64UpDownCounter("fu")
		ih, _ := m.Int64Histogram("ih")
		fh, _ := m.Float64Histogram("fh")
		ig, _ := m.Int64Gauge("ig")
		fg, _ := m.Float64Gauge("fg")
		supports := map[string]bool{}
		_, supports["Int64CounterBinder"] = ic.(x.Int64CounterBinder)
		_, supports["Float64CounterBinder"] = fc.(x.Float64CounterBinder)
		_, supports["Int64UpDownCounterBinder"] = iu.(x.Int64UpDownCounterBinder)
		_, supports["Float64UpDownCounterBinder"] = fu.(x.Float64UpDownCounterBinder)
		_, supports["Int64HistogramBinder"] = ih.(x.Int64HistogramBinder)
		_, supports["Float64HistogramBinder"] = fh.(x.Float64HistogramBinder)
		_, supports["Int64GaugeBinder"] = ig.(x.Int64GaugeBinder)
		_, supports["Float64GaugeBinder"] = fg.(x.Float64GaugeBinder)
		for _, inst := range []any{ic, fc, iu, fu, ih, fh, ig, fg} {
			_, ok := inst.(x.Finisher)
			supports["Finisher"] = supports["Finisher"] || ok
		}
		want := p.name == "fastmeter"
		for iface, got := range supports {
			if got != want {
				t.Errorf("%s: implements x.%s = %v, want %v", p.name, iface, got, want)
			}
		}
	}
}

// bindOrOption is the x package's documented pattern for an optional
// binder: the bound counter, or the instrument itself with a premade option.
func bindOrOption(c metric.Int64Counter, attrs ...attribute.KeyValue) (metric.Int64Counter, []metric.AddOption) {
	if b, ok := c.(x.Int64CounterBinder); ok {
		return b.Bind(attrs...), nil
	}
	return c, []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attrs...))}
}

func TestXBindPatternSameData(t *testing.T) {
	attrs := []attribute.KeyValue{attribute.String("handler", "orders"), attribute.Int("shard", 3)}
	runXScenarios(t, []xScenario{{
		name: "counter-bound-or-option",
		cfg: xConfig{readers: []sdkmetric.TemporalitySelector{
			sdkmetric.DefaultTemporalitySelector,
			func(sdkmetric.InstrumentKind) metricdata.Temporality { return metricdata.DeltaTemporality },
		}},
		cycles: 3,
		setup: func(t *testing.T, m metric.Meter) func(int) {
			c, _ := m.Int64Counter("requests")
			bound, opts := bindOrOption(c, attrs...)
			h, _ := m.Float64Histogram("latency")
			var hb metric.Float64Histogram = h
			var hopts []metric.RecordOption
			if b, ok := h.(x.Float64HistogramBinder); ok {
				hb = b.Bind(attrs...)
			} else {
				hopts = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attrs...))}
			}
			return func(cycle int) {
				ctx := context.Background()
				for i := 0; i <= cycle; i++ {
					bound.Add(ctx, int64(i+1), opts...)
					hb.Record(ctx, float64(10*i), hopts...)
				}
				// Record-time attributes on a bound instrument add to its set.
				bound.Add(ctx, 1, append(opts, metric.WithAttributes(attribute.String("route", "/x")))...)
			}
		},
		check: func(t *testing.T, got [][]metricdata.ResourceMetrics) {
			if len(got[0][0].ScopeMetrics) == 0 {
				t.Fatal("the official SDK reported nothing")
			}
		},
	}})
}
