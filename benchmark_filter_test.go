package fastmeter_test

import (
	"context"
	"strconv"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// dropAll is a MetricFilter that drops every stream.
type dropAll struct{}

func (dropAll) TestMetric(instrumentation.Scope, string, fastmeter.InstrumentKind, string) fastmeter.MetricFilterResult {
	return fastmeter.MetricFilterDrop
}

func (dropAll) TestAttributes(instrumentation.Scope, string, fastmeter.InstrumentKind, string, attribute.Set) fastmeter.AttributesFilterResult {
	return fastmeter.AttributesFilterDrop
}

// evenSeries keeps the points whose "series" attribute is even.
type evenSeries struct{}

func (evenSeries) TestMetric(instrumentation.Scope, string, fastmeter.InstrumentKind, string) fastmeter.MetricFilterResult {
	return fastmeter.MetricFilterAcceptPartial
}

func (evenSeries) TestAttributes(_ instrumentation.Scope, _ string, _ fastmeter.InstrumentKind, _ string, attrs attribute.Set) fastmeter.AttributesFilterResult {
	if v, _ := attrs.Value("series"); v.AsInt64()%2 == 0 {
		return fastmeter.AttributesFilterAccept
	}
	return fastmeter.AttributesFilterDrop
}

// BenchmarkCollectMetricFilter collects 20 counters and 20 histograms of
// 500 series each (20,000 points) and 10 observable gauges of 500 series,
// without a filter, with one that drops everything (no stream is read, no
// callback runs: the collection costs one TestMetric per stream) and with
// one that keeps half the points of every stream. Recording is the same in
// all three: the filter acts only at collection.
func BenchmarkCollectMetricFilter(b *testing.B) {
	const instruments, series = 20, 500
	filters := []struct {
		name   string
		filter fastmeter.MetricFilter
	}{{"NoFilter", nil}, {"DropAll", dropAll{}}, {"AcceptPartialHalf", evenSeries{}}}
	for _, fc := range filters {
		b.Run(fc.name, func(b *testing.B) {
			ctx := context.Background()
			var opts []fastmeter.ManualReaderOption
			if fc.filter != nil {
				opts = append(opts, fastmeter.WithMetricFilter(fc.filter))
			}
			r := fastmeter.NewManualReader(opts...)
			m := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("bench")
			sets := make([]metric.MeasurementOption, series)
			for i := range sets {
				sets[i] = metric.WithAttributeSet(attribute.NewSet(attribute.Int("series", i)))
			}
			for i := range instruments {
				c, _ := m.Int64Counter("c" + strconv.Itoa(i))
				h, _ := m.Float64Histogram("h" + strconv.Itoa(i))
				for _, s := range sets {
					c.Add(ctx, 1, s)
					h.Record(ctx, 1.5, s)
				}
			}
			for i := range instruments / 2 {
				_, _ = m.Int64ObservableGauge("g"+strconv.Itoa(i), metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
					for _, s := range sets {
						o.Observe(1, s)
					}
					return nil
				}))
			}
			var rm metricdata.ResourceMetrics
			if err := r.Collect(ctx, &rm); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := r.Collect(ctx, &rm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
