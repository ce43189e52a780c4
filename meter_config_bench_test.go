package fastmeter_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/x"
	"go.opentelemetry.io/otel/sdk/instrumentation"

	"github.com/fastmeter/fastmeter"
)

// BenchmarkMeterConfig measures each hot path on a meter a
// MeterConfigurator leaves enabled and on one it disabled, side by side.
// The bar: a disabled Add costs no more than an enabled Add without
// attributes (CounterAdd/NoAttributes/Enabled), and allocates nothing. The
// attribute options are passed as a premade slice (opts...), so the 16 B
// variadic slice a literal argument costs through the API interface (the
// same for every SDK, see BenchmarkCounterAdd) is not counted.
func BenchmarkMeterConfig(b *testing.B) {
	ctx := context.Background()
	set := attribute.NewSet(benchAttrs...)
	addOpts := []metric.AddOption{metric.WithAttributeSet(set)}
	recordOpts := []metric.RecordOption{metric.WithAttributeSet(set)}
	meter := func(disabled bool) metric.Meter {
		r := fastmeter.NewManualReader()
		return fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithMeterConfigurator(func(instrumentation.Scope) fastmeter.MeterConfig {
			return fastmeter.MeterConfig{Disabled: disabled}
		})).Meter("bench")
	}
	counter := func(disabled bool) metric.Int64Counter {
		c, _ := meter(disabled).Int64Counter("requests")
		return c
	}
	cases := []struct {
		name string
		op   func(disabled bool) func()
	}{
		{"CounterAdd/NoAttributes", func(d bool) func() {
			c := counter(d)
			return func() { c.Add(ctx, 1) }
		}},
		{"CounterAdd/PrecomputedSet", func(d bool) func() {
			c := counter(d)
			return func() { c.Add(ctx, 1, addOpts...) }
		}},
		{"Bind/Bound", func(d bool) func() {
			bc := fastmeter.BindAdder(counter(d), set)
			return func() { bc.Add(ctx, 1) }
		}},
		{"BindX/Bound", func(d bool) func() {
			var bound metric.Int64Counter = counter(d).(x.Int64CounterBinder).Bind(benchAttrs...)
			return func() { bound.Add(ctx, 1) }
		}},
		{"HistogramRecord/PrecomputedSet", func(d bool) func() {
			h, _ := meter(d).Float64Histogram("latency")
			return func() { h.Record(ctx, 1.5, recordOpts...) }
		}},
	}
	for _, tc := range cases {
		for _, disabled := range []bool{false, true} {
			name := tc.name + "/Enabled"
			if disabled {
				name = tc.name + "/Disabled"
			}
			b.Run(name, func(b *testing.B) {
				op := tc.op(disabled)
				b.ReportAllocs()
				for b.Loop() {
					op()
				}
			})
		}
	}
}
