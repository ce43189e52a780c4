package fastmeter_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/fastmeter/fastmeter"
)

var (
	testTraceID = trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	testSpanID  = trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8}
)

func spanContext(sampled bool) context.Context {
	flags := trace.TraceFlags(0)
	if sampled {
		flags = trace.FlagsSampled
	}
	return trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: testTraceID, SpanID: testSpanID, TraceFlags: flags,
	}))
}

func exemplarsOf(t *testing.T, m metricdata.Metrics) []metricdata.Exemplar[float64] {
	t.Helper()
	var out []metricdata.Exemplar[float64]
	switch d := m.Data.(type) {
	case metricdata.Sum[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Exemplars...)
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Exemplars...)
		}
	case metricdata.ExponentialHistogram[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Exemplars...)
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Exemplars...)
		}
	default:
		t.Fatalf("unexpected data %T", m.Data)
	}
	return out
}

func TestExemplarFilters(t *testing.T) {
	view := fastmeter.NewView(fastmeter.Instrument{Name: "*"}, fastmeter.Stream{AttributeFilter: attribute.NewAllowKeysFilter("route")})
	attrs := metric.WithAttributes(attribute.String("route", "/x"), attribute.String("user", "ann"))
	cases := []struct {
		name    string
		filter  exemplar.Filter
		ctx     context.Context
		want    int
		traceID bool
	}{
		{"AlwaysOff", exemplar.AlwaysOffFilter, spanContext(true), 0, false},
		{"AlwaysOnNoSpan", exemplar.AlwaysOnFilter, context.Background(), 1, false},
		{"TraceBasedSampled", exemplar.TraceBasedFilter, spanContext(true), 1, true},
		{"TraceBasedNotSampled", exemplar.TraceBasedFilter, spanContext(false), 0, false},
		{"TraceBasedNoSpan", exemplar.TraceBasedFilter, context.Background(), 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := fastmeter.NewManualReader()
			mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithView(view), fastmeter.WithExemplarFilter(tc.filter))
			c, _ := mp.Meter("ex").Float64Counter("c")
			before := time.Now()
			c.Add(tc.ctx, 2.5, attrs)
			ex := exemplarsOf(t, metricNamed(t, collect(t, r), "c"))
			if len(ex) != tc.want {
				t.Fatalf("%d exemplars, want %d", len(ex), tc.want)
			}
			if tc.want == 0 {
				return
			}
			e := ex[0]
			if e.Value != 2.5 || e.Time.Before(before) {
				t.Errorf("exemplar value %v time %v", e.Value, e.Time)
			}
			// The attribute the view filtered out travels with the exemplar.
			if len(e.FilteredAttributes) != 1 || e.FilteredAttributes[0] != attribute.String("user", "ann") {
				t.Errorf("filtered attributes %v, want [user=ann]", e.FilteredAttributes)
			}
			if tc.traceID && (trace.TraceID(e.TraceID) != testTraceID || trace.SpanID(e.SpanID) != testSpanID) {
				t.Errorf("trace %x span %x", e.TraceID, e.SpanID)
			}
		})
	}
}

func TestExemplarFilterFromEnvironment(t *testing.T) {
	t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", "always_on")
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	c, _ := mp.Meter("ex").Float64Counter("c")
	c.Add(context.Background(), 1)
	if n := len(exemplarsOf(t, metricNamed(t, collect(t, r), "c"))); n != 1 {
		t.Fatalf("%d exemplars with OTEL_METRICS_EXEMPLAR_FILTER=always_on, want 1", n)
	}
	rec := recordDiagnostics(t)
	t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", "sometimes")
	fastmeter.NewMeterProvider()
	if !rec.contains("OTEL_METRICS_EXEMPLAR_FILTER") {
		t.Fatal("an invalid OTEL_METRICS_EXEMPLAR_FILTER was not reported")
	}
}

// Histograms keep one exemplar per bucket; exponential histograms a fixed
// reservoir of min(20, MaxSize); delta streams start afresh each interval.
func TestExemplarReservoirsPerAggregation(t *testing.T) {
	r := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(fastmeter.DeltaTemporalitySelector))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r),
		fastmeter.WithExemplarFilter(exemplar.AlwaysOnFilter),
		fastmeter.WithView(fastmeter.NewView(fastmeter.Instrument{Name: "exp"},
			fastmeter.Stream{Aggregation: fastmeter.AggregationBase2ExponentialHistogram{MaxSize: 4, MaxScale: 20}})))
	m := mp.Meter("ex")
	h, _ := m.Float64Histogram("hist", metric.WithExplicitBucketBoundaries(10, 20))
	e, _ := m.Float64Histogram("exp")
	ctx := context.Background()
	for i := 0; i < 100; i++ {
		h.Record(ctx, float64(i%30)) // three buckets used
		e.Record(ctx, float64(i+1))
	}
	rm := collect(t, r)
	if n := len(exemplarsOf(t, metricNamed(t, rm, "hist"))); n != 3 {
		t.Errorf("explicit histogram: %d exemplars, want one per used bucket (3)", n)
	}
	if n := len(exemplarsOf(t, metricNamed(t, rm, "exp"))); n != 4 {
		t.Errorf("exponential histogram with MaxSize 4: %d exemplars, want min(20, 4) = 4", n)
	}
	h.Record(ctx, 5)
	rm = collect(t, r)
	if n := len(exemplarsOf(t, metricNamed(t, rm, "hist"))); n != 1 {
		t.Errorf("next delta interval: %d exemplars, want only the new one", n)
	}
}

type panickyReservoir struct{ collectToo bool }

func (p panickyReservoir) Offer(context.Context, time.Time, exemplar.Value, []attribute.KeyValue) {
	panic("offer exploded")
}

func (p panickyReservoir) Collect(*[]exemplar.Exemplar) {
	if p.collectToo {
		panic("collect exploded")
	}
}

// A custom reservoir comes through Stream.ExemplarReservoirProviderSelector;
// one that panics loses its exemplars, never the measurement or the
// collection.
func TestCustomAndPanickingReservoir(t *testing.T) {
	rec := recordErrors(t)
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r),
		fastmeter.WithExemplarFilter(exemplar.AlwaysOnFilter),
		fastmeter.WithView(fastmeter.NewView(fastmeter.Instrument{Name: "c"}, fastmeter.Stream{
			ExemplarReservoirProviderSelector: func(fastmeter.Aggregation) exemplar.ReservoirProvider {
				return func(attribute.Set) exemplar.Reservoir { return panickyReservoir{collectToo: true} }
			},
		})))
	c, _ := mp.Meter("ex").Float64Counter("c")
	c.Add(context.Background(), 4)
	c.Add(context.Background(), 6)
	sum := metricNamed(t, collect(t, r), "c").Data.(metricdata.Sum[float64])
	if sum.DataPoints[0].Value != 10 || len(sum.DataPoints[0].Exemplars) != 0 {
		t.Fatalf("value %v exemplars %v, want 10 and none", sum.DataPoints[0].Value, sum.DataPoints[0].Exemplars)
	}
	if !rec.contains("panicked") || !strings.Contains(rec.errs[0].Error(), `"c"`) {
		t.Fatalf("the panic was not reported with the instrument name: %v", rec.errs)
	}
}

func BenchmarkExemplars(b *testing.B) {
	set := attribute.NewSet(benchAttrs...)
	opt := metric.WithAttributeSet(set)
	cases := []struct {
		name   string
		filter exemplar.Filter
		ctx    context.Context
	}{
		{"AlwaysOff", exemplar.AlwaysOffFilter, context.Background()},
		{"TraceBasedNoSpan", exemplar.TraceBasedFilter, context.Background()},
		{"TraceBasedUnsampledSpan", exemplar.TraceBasedFilter, spanContext(false)},
		{"TraceBasedSampledSpan", exemplar.TraceBasedFilter, spanContext(true)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			r := fastmeter.NewManualReader()
			mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithExemplarFilter(tc.filter))
			h, _ := mp.Meter("bench").Float64Histogram("h")
			b.ReportAllocs()
			for b.Loop() {
				h.Record(tc.ctx, 42, opt)
			}
		})
	}
}
