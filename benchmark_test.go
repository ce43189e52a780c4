package fastmeter_test

import (
	"context"
	"strconv"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// These benchmarks measure fastmeter alone; benchmarks/ runs the same
// workloads side by side with the official SDK and client_golang.

var benchAttrs = []attribute.KeyValue{
	attribute.String("http.method", "GET"),
	attribute.String("http.route", "/api/v1/items"),
	attribute.Int("http.status_code", 200),
}

func benchMeter(opts ...fastmeter.ManualReaderOption) (metric.Meter, *fastmeter.ManualReader) {
	r := fastmeter.NewManualReader(opts...)
	return fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("bench"), r
}

func BenchmarkCounterAdd(b *testing.B) {
	ctx := context.Background()
	set := attribute.NewSet(benchAttrs...)
	cases := []struct {
		name string
		add  func(metric.Int64Counter)
	}{
		{"NoAttributes", func(c metric.Int64Counter) { c.Add(ctx, 1) }},
		{"PrecomputedSet", func() func(metric.Int64Counter) {
			opt := metric.WithAttributeSet(set)
			return func(c metric.Int64Counter) { c.Add(ctx, 1, opt) }
		}()},
		{"WithAttributesPerCall", func(c metric.Int64Counter) { c.Add(ctx, 1, metric.WithAttributes(benchAttrs...)) }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			m, _ := benchMeter()
			c, _ := m.Int64Counter("requests")
			b.ReportAllocs()
			for b.Loop() {
				tc.add(c)
			}
		})
		b.Run(tc.name+"/Parallel", func(b *testing.B) {
			m, _ := benchMeter()
			c, _ := m.Int64Counter("requests")
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tc.add(c)
				}
			})
		})
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	ctx := context.Background()
	set := attribute.NewSet(benchAttrs...)
	opt := metric.WithAttributeSet(set)
	for _, parallel := range []bool{false, true} {
		name := "PrecomputedSet"
		if parallel {
			name += "/Parallel"
		}
		b.Run(name, func(b *testing.B) {
			m, _ := benchMeter()
			h, _ := m.Float64Histogram("latency")
			b.ReportAllocs()
			if !parallel {
				v := 0.0
				for b.Loop() {
					v += 1.5
					h.Record(ctx, v, opt)
				}
				return
			}
			b.RunParallel(func(pb *testing.PB) {
				v := 0.0
				for pb.Next() {
					v += 1.5
					h.Record(ctx, v, opt)
				}
			})
		})
	}
}

// BenchmarkCollect measures one collection of n series. The default
// trace-based exemplar filter with context.Background() stores no exemplars;
// the .../1000/AlwaysOnExemplars cases record the same histogram series with
// the AlwaysOn filter, so every series' reservoir holds exemplars (one per
// used bucket, two per series here) that each collection copies out.
func BenchmarkCollect(b *testing.B) {
	for _, kind := range []string{"Counter", "Histogram"} {
		for _, temporality := range []string{"Cumulative", "Delta"} {
			for _, n := range []int{1, 1000} {
				b.Run(kind+"/"+temporality+"/"+strconv.Itoa(n), func(b *testing.B) {
					benchmarkCollect(b, kind, temporality, n, false)
				})
				if kind == "Histogram" && n == 1000 {
					b.Run(kind+"/"+temporality+"/"+strconv.Itoa(n)+"/AlwaysOnExemplars", func(b *testing.B) {
						benchmarkCollect(b, kind, temporality, n, true)
					})
				}
			}
		}
	}
}

func benchmarkCollect(b *testing.B, kind, temporality string, n int, exemplars bool) {
	var readerOpts []fastmeter.ManualReaderOption
	if temporality == "Delta" {
		readerOpts = append(readerOpts, fastmeter.WithTemporalitySelector(fastmeter.DeltaTemporalitySelector))
	}
	r := fastmeter.NewManualReader(readerOpts...)
	providerOpts := []fastmeter.Option{fastmeter.WithReader(r)}
	if exemplars {
		providerOpts = append(providerOpts, fastmeter.WithExemplarFilter(exemplar.AlwaysOnFilter))
	}
	m := fastmeter.NewMeterProvider(providerOpts...).Meter("bench")
	opts := make([]metric.MeasurementOption, n)
	for i := range opts {
		opts[i] = metric.WithAttributeSet(attribute.NewSet(attribute.Int("series", i)))
	}
	ctx := context.Background()
	c, _ := m.Int64Counter("c")
	h, _ := m.Float64Histogram("h")
	record := func() {
		for _, o := range opts {
			if kind == "Counter" {
				c.Add(ctx, 1, o)
			} else {
				h.Record(ctx, 42, o)
				if exemplars {
					h.Record(ctx, 420, o) // a second bucket: a second exemplar
				}
			}
		}
	}
	record()
	var rm metricdata.ResourceMetrics
	_ = r.Collect(ctx, &rm)
	if exemplars {
		got := 0
		for _, sm := range rm.ScopeMetrics {
			for _, md := range sm.Metrics {
				if hd, ok := md.Data.(metricdata.Histogram[float64]); ok {
					for _, p := range hd.DataPoints {
						got += len(p.Exemplars)
					}
				}
			}
		}
		if got != 2*n {
			b.Fatalf("%d exemplars collected, want %d: the reservoirs must hold exemplars", got, 2*n)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if temporality == "Delta" {
			b.StopTimer()
			record()
			b.StartTimer()
		}
		_ = r.Collect(ctx, &rm)
	}
}
