package otelconf

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	conf "go.opentelemetry.io/contrib/otelconf"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// TestDifferential builds testdata/differential.yaml twice, with the
// official SDK through contrib otelconf and with fastmeter through this
// package, drives the same instruments through both and requires the same
// OTLP exports at a real OTLP/HTTP receiver, timestamps aside.
func TestDifferential(t *testing.T) {
	data, err := os.ReadFile("testdata/differential.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, temporality := range []string{"cumulative", "delta"} {
		t.Run(temporality, func(t *testing.T) {
			rec, url := startHTTPReceiver(t)
			t.Setenv("OTLP_HTTP_URL", url)
			t.Setenv("TEMPORALITY", temporality)
			ctx := context.Background()

			official, fast := buildBoth(t, ctx, data)

			flushers := map[string]interface{ ForceFlush(context.Context) error }{}
			if f, ok := official.MeterProvider().(interface{ ForceFlush(context.Context) error }); ok {
				flushers["official"] = f
			} else {
				t.Fatalf("official MeterProvider %T cannot flush", official.MeterProvider())
			}
			flushers["fastmeter"] = fast.MeterProvider()
			workloads := map[string]*diffWorkload{
				"official":  newDiffWorkload(t, official.MeterProvider()),
				"fastmeter": newDiffWorkload(t, fast.MeterProvider()),
			}
			for phase := 1; phase <= 2; phase++ {
				for name, w := range workloads {
					w.record(ctx, phase)
					if err := flushers[name].ForceFlush(ctx); err != nil {
						t.Fatalf("%s ForceFlush: %v", name, err)
					}
				}
			}
			if err := official.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if err := fast.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}

			bySDK := map[string][]*metricpb.ResourceMetrics{}
			for _, req := range rec.received() {
				sdk := req.headers.Get("x-sdk")
				for _, rm := range req.body.GetResourceMetrics() {
					normalise(rm)
					bySDK[sdk] = append(bySDK[sdk], rm)
				}
			}
			want, got := bySDK["official"], bySDK["fastmeter"]
			if len(want) < 2 {
				t.Fatalf("official SDK made %d exports, want at least the two flushes", len(want))
			}
			if len(got) != len(want) {
				t.Fatalf("fastmeter made %d exports, the official SDK %d", len(got), len(want))
			}
			names := map[string]bool{}
			for _, rm := range got {
				for _, sm := range rm.GetScopeMetrics() {
					for _, m := range sm.GetMetrics() {
						names[m.GetName()] = true
					}
				}
			}
			// Every instrument but the dropped one, the renamed one by its new name.
			if len(names) != 9 || !names["diff.new_name"] || names["diff.dropped"] {
				t.Errorf("exported metrics %v, want the 9 the view leaves", names)
			}
			for i := range want {
				if !proto.Equal(want[i], got[i]) {
					t.Errorf("export %d differs:\nofficial:  %s\nfastmeter: %s", i, protojson.Format(want[i]), protojson.Format(got[i]))
				}
			}
		})
	}
}

// buildBoth builds data with contrib otelconf (the official SDK) and with
// this package, ${SDK_NAME} set to "official" and "fastmeter" in turn (the
// files send it as a header, so the receiver tells the exports apart).
func buildBoth(t *testing.T, ctx context.Context, data []byte) (conf.SDK, SDK) {
	t.Helper()
	t.Setenv("SDK_NAME", "official")
	officialCfg, err := conf.ParseYAML(data)
	if err != nil {
		t.Fatal(err)
	}
	official, err := conf.NewSDK(conf.WithContext(ctx), conf.WithOpenTelemetryConfiguration(*officialCfg))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SDK_NAME", "fastmeter")
	ours, err := ParseYAML(data)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := NewSDK(WithContext(ctx), WithOpenTelemetryConfiguration(*ours))
	if err != nil {
		t.Fatal(err)
	}
	return official, fast
}

// diffWorkload is one instrument of every kind, several attribute sets.
type diffWorkload struct {
	counter     metric.Int64Counter
	renamed     metric.Float64Counter
	dropped     metric.Int64Counter
	upDown      metric.Int64UpDownCounter
	explicit    metric.Float64Histogram
	exponential metric.Float64Histogram
	histogram   metric.Int64Histogram
	gauge       metric.Int64Gauge
	observed    int64
}

func newDiffWorkload(t *testing.T, mp metric.MeterProvider) *diffWorkload {
	meter := mp.Meter("diff", metric.WithInstrumentationVersion("0.1"))
	w := &diffWorkload{}
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	var err error
	w.counter, err = meter.Int64Counter("diff.counter", metric.WithUnit("{request}"), metric.WithDescription("limited to 3 series"))
	add(err)
	w.renamed, err = meter.Float64Counter("diff.renamed")
	add(err)
	w.dropped, err = meter.Int64Counter("diff.dropped")
	add(err)
	w.upDown, err = meter.Int64UpDownCounter("diff.updown")
	add(err)
	w.explicit, err = meter.Float64Histogram("diff.explicit", metric.WithUnit("ms"))
	add(err)
	w.exponential, err = meter.Float64Histogram("diff.exponential")
	add(err)
	w.histogram, err = meter.Int64Histogram("diff.histogram", metric.WithExplicitBucketBoundaries(2, 4, 8))
	add(err)
	w.gauge, err = meter.Int64Gauge("diff.gauge")
	add(err)
	_, err = meter.Int64ObservableCounter("diff.observable_counter", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(w.observed*10, metric.WithAttributes(attribute.String("k", "v")))
		return nil
	}))
	add(err)
	_, err = meter.Float64ObservableGauge("diff.observable_gauge", metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
		o.Observe(float64(w.observed)/2, metric.WithAttributes(attribute.String("k", "v"), attribute.Int("noise", int(w.observed))))
		return nil
	}))
	add(err)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *diffWorkload) record(ctx context.Context, phase int) {
	w.observed = int64(phase)
	for i := range 5 { // 5 sets against the counter limit of 3
		w.counter.Add(ctx, int64(i+phase), metric.WithAttributes(attribute.Int("i", i)))
	}
	w.renamed.Add(ctx, 1.5*float64(phase))
	w.dropped.Add(ctx, 9)
	w.upDown.Add(ctx, 3, metric.WithAttributes(attribute.String("keep", "a"), attribute.String("drop", "x")))
	w.upDown.Add(ctx, -1, metric.WithAttributes(attribute.String("keep", "a"), attribute.String("drop", "y")))
	for _, v := range []float64{0.5, 5, 50, 500} {
		w.explicit.Record(ctx, v*float64(phase))
		w.exponential.Record(ctx, v*float64(phase), metric.WithAttributes(attribute.Bool("odd", phase%2 == 1)))
	}
	w.histogram.Record(ctx, int64(3*phase))
	w.gauge.Record(ctx, int64(100+phase), metric.WithAttributes(attribute.String("room", "a")))
}

// normalise clears what legitimately differs between two SDKs recording at
// different instants (timestamps) and sorts what has no defined order
// (data points, attributes), so that proto.Equal compares the data.
func normalise(rm *metricpb.ResourceMetrics) {
	sortAttrs(rm.GetResource().GetAttributes())
	for _, sm := range rm.GetScopeMetrics() {
		slices.SortFunc(sm.Metrics, func(a, b *metricpb.Metric) int { return strings.Compare(a.GetName(), b.GetName()) })
		for _, m := range sm.GetMetrics() {
			switch d := m.Data.(type) {
			case *metricpb.Metric_Sum:
				normalisePoints(d.Sum.DataPoints)
			case *metricpb.Metric_Gauge:
				normalisePoints(d.Gauge.DataPoints)
			case *metricpb.Metric_Histogram:
				normalisePoints(d.Histogram.DataPoints)
			case *metricpb.Metric_ExponentialHistogram:
				normalisePoints(d.ExponentialHistogram.DataPoints)
			}
		}
	}
}

// dataPoint is what every OTLP data point type has.
type dataPoint interface {
	GetAttributes() []*commonpb.KeyValue
	*metricpb.NumberDataPoint | *metricpb.HistogramDataPoint | *metricpb.ExponentialHistogramDataPoint
}

// normalisePoints clears the points' timestamps and sorts them, and their
// attributes, by attributes.
func normalisePoints[P dataPoint](dps []P) {
	for _, dp := range dps {
		clearTimes(dp)
		sortAttrs(dp.GetAttributes())
	}
	slices.SortFunc(dps, func(a, b P) int {
		return strings.Compare(attrsString(a.GetAttributes()), attrsString(b.GetAttributes()))
	})
}

func clearTimes(dp any) {
	switch dp := dp.(type) {
	case *metricpb.NumberDataPoint:
		dp.StartTimeUnixNano, dp.TimeUnixNano = 0, 0
	case *metricpb.HistogramDataPoint:
		dp.StartTimeUnixNano, dp.TimeUnixNano = 0, 0
	case *metricpb.ExponentialHistogramDataPoint:
		dp.StartTimeUnixNano, dp.TimeUnixNano = 0, 0
	}
}

func sortAttrs(kvs []*commonpb.KeyValue) {
	slices.SortFunc(kvs, func(a, b *commonpb.KeyValue) int { return strings.Compare(a.GetKey(), b.GetKey()) })
}

func attrsString(kvs []*commonpb.KeyValue) string {
	s := ""
	for _, kv := range kvs {
		s += fmt.Sprintf("%s=%v,", kv.GetKey(), kv.GetValue())
	}
	return s
}
