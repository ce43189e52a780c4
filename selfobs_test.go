package fastmeter_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"sort"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/selfobs"
)

func attrValue(set attribute.Set, key attribute.Key) string {
	v, _ := set.Value(key)
	return v.Emit()
}

// durationCounts returns collection.duration's count per otel.component.name,
// failing on a point with an unexpected attribute set.
func durationCounts(t *testing.T, rm *metricdata.ResourceMetrics) map[string]uint64 {
	t.Helper()
	m, ok := scopeMetricNamed(rm, selfobs.ReaderScope, "otel.sdk.metric_reader.collection.duration")
	if !ok {
		t.Fatalf("no otel.sdk.metric_reader.collection.duration in %+v", rm.ScopeMetrics)
	}
	if m.Unit != "s" || m.Description != "The duration of the collect operation of the metric reader." {
		t.Errorf("unit %q, description %q", m.Unit, m.Description)
	}
	out := map[string]uint64{}
	for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
		if dp.Attributes.Len() != 2 || attrValue(dp.Attributes, "otel.component.type") != selfobs.ManualReaderType {
			t.Errorf("unexpected attributes %v", dp.Attributes.ToSlice())
		}
		out[attrValue(dp.Attributes, "otel.component.name")] += dp.Count
	}
	return out
}

const recursionChild = "FASTMETER_SELFOBS_RECURSION_CHILD"

// TestSelfObservabilityObservesItself makes the observed provider the global
// one, so the self-metrics of its two readers are recorded into the streams
// being collected, while both readers collect concurrently. It runs in a
// child process: the global provider's delegation happens once per process,
// and the readers must be created before the provider they belong to is
// made global.
func TestSelfObservabilityObservesItself(t *testing.T) {
	if os.Getenv(recursionChild) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSelfObservabilityObservesItself$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), recursionChild+"=1", "OTEL_GO_X_OBSERVABILITY=true")
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("--- PASS: TestSelfObservabilityObservesItself")) {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	r1, r2 := fastmeter.NewManualReader(), fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r1), fastmeter.WithReader(r2))
	otel.SetMeterProvider(mp)
	counter, _ := mp.Meter("app").Int64Counter("requests")

	const n = 200
	var wg sync.WaitGroup
	for _, r := range []*fastmeter.ManualReader{r1, r2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rm metricdata.ResourceMetrics
			for i := range n {
				counter.Add(context.Background(), 1)
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if i%2 == 1 { // callbacks on the helper goroutine
					ctx, cancel = context.WithTimeout(ctx, time.Minute)
				}
				if err := r.Collect(ctx, &rm); err != nil {
					t.Error(err)
				}
				cancel()
			}
		}()
	}
	wg.Wait()

	var rm1, rm2 metricdata.ResourceMetrics
	if err := r1.Collect(context.Background(), &rm1); err != nil {
		t.Fatal(err)
	}
	c1 := durationCounts(t, &rm1)
	if err := r2.Collect(context.Background(), &rm2); err != nil {
		t.Fatal(err)
	}
	c2 := durationCounts(t, &rm2)
	name1 := selfobs.ComponentName(selfobs.ManualReaderType, 0)
	name2 := selfobs.ComponentName(selfobs.ManualReaderType, 1)
	if c1[name1] != n || c1[name2] != n || len(c1) != 2 {
		t.Errorf("r1 sees %v, want %d collections of each reader", c1, n)
	}
	if c2[name1] != n+1 || c2[name2] != n || len(c2) != 2 {
		t.Errorf("r2 sees %v, want %d of r1 and %d of r2", c2, n+1, n)
	}

	// The series gauge reports each reader's previous collection: r1's
	// last one held both readers' duration series and one counter series.
	if err := r1.Collect(context.Background(), &rm1); err != nil {
		t.Fatal(err)
	}
	m, ok := scopeMetricNamed(&rm1, selfobs.Scope, "fastmeter.metric_reader.stream.series")
	if !ok {
		t.Fatal("no fastmeter.metric_reader.stream.series")
	}
	got := map[string]int64{}
	for _, dp := range m.Data.(metricdata.Gauge[int64]).DataPoints {
		if attrValue(dp.Attributes, "otel.component.name") == name1 {
			got[attrValue(dp.Attributes, "otel.scope.name")+" "+attrValue(dp.Attributes, selfobs.MetricNameKey)] = dp.Value
		}
	}
	if got[selfobs.ReaderScope+" otel.sdk.metric_reader.collection.duration"] != 2 || got["app requests"] != 1 {
		t.Errorf("series of r1's streams: %v", got)
	}
	// Shutting the provider down unregisters the readers' callbacks from
	// the global provider, which is the one shutting down.
	if err := mp.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// failingExporter fails or panics on Export.
type failingExporter struct {
	sdkmetric.Exporter
	panics bool
}

func (e failingExporter) Export(context.Context, *metricdata.ResourceMetrics) error {
	if e.panics {
		panic("exporter bug")
	}
	return errExport
}

var errExport = errors.New("backend unavailable")

func (failingExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}
func (failingExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}
func (failingExporter) ForceFlush(context.Context) error { return nil }
func (failingExporter) Shutdown(context.Context) error   { return nil }

// processCounts reads the process-wide self-metrics from rm.
func processCounts(t *testing.T, rm *metricdata.ResourceMetrics) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, name := range []string{"fastmeter.measurement.overflow", "fastmeter.measurement.invalid", "fastmeter.callback.abandoned", "fastmeter.callback.panicked"} {
		m, ok := scopeMetricNamed(rm, selfobs.Scope, name)
		if !ok {
			t.Fatalf("no %s", name)
		}
		sum := m.Data.(metricdata.Sum[int64])
		if !sum.IsMonotonic || len(sum.DataPoints) != 1 {
			t.Fatalf("%s: %+v", name, sum)
		}
		out[name] = sum.DataPoints[0].Value
	}
	return out
}

// TestSelfObservabilityCounts checks every fastmeter.* metric with exact
// counts, reported to an observing provider set as the global one.
func TestSelfObservabilityCounts(t *testing.T) {
	// The observer is made before the switch is on: its own collections
	// are not observed.
	observer := fastmeter.NewManualReader()
	otel.SetMeterProvider(fastmeter.NewMeterProvider(fastmeter.WithReader(observer)))
	t.Setenv("OTEL_GO_X_OBSERVABILITY", "true")
	collect := func(r fastmeter.Reader, ctx context.Context) *metricdata.ResourceMetrics {
		t.Helper()
		var rm metricdata.ResourceMetrics
		if err := r.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		return &rm
	}
	// The first reader made registers the process totals with the global
	// provider, the observer's.
	r := fastmeter.NewManualReader()
	exp := fastmeter.NewPeriodicReader(failingExporter{}, fastmeter.WithInterval(time.Hour))
	panicking := fastmeter.NewPeriodicReader(failingExporter{panics: true}, fastmeter.WithInterval(time.Hour))
	before := processCounts(t, collect(observer, context.Background()))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithReader(exp), fastmeter.WithReader(panicking), fastmeter.WithCardinalityLimit(3))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	m := mp.Meter("app")
	ctx := context.Background()

	ints, _ := m.Int64Counter("ints")
	floats, _ := m.Float64Histogram("floats")
	ints.Add(ctx, -1)              // invalid: negative increment
	floats.Record(ctx, math.NaN()) // invalid
	floats.Record(ctx, math.Inf(1))
	for _, k := range []string{"a", "b", "c", "d", "c"} { // a and b fit; c, d, c overflow
		ints.Add(ctx, 1, metric.WithAttributes(attribute.String("k", k)))
	}
	_, err := m.Int64ObservableGauge("broken", metric.WithInt64Callback(func(context.Context, metric.Int64Observer) error { panic("callback bug") }))
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	returned := make(chan struct{})
	var once sync.Once
	_, err = m.Int64ObservableGauge("hanging", metric.WithInt64Callback(func(context.Context, metric.Int64Observer) error {
		once.Do(func() { <-release; close(returned) })
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_ = r.Collect(tctx, &metricdata.ResourceMetrics{}) // panics once, abandons "hanging" once
	cancel()
	close(release)
	<-returned
	// Panics a second time (reported as Collect's error); records r's
	// series counts.
	if err := r.Collect(ctx, &metricdata.ResourceMetrics{}); err == nil {
		t.Fatal("the panicking callback is not reported")
	}
	if err := exp.ForceFlush(ctx); !errors.Is(err, errExport) {
		t.Fatalf("ForceFlush: %v", err)
	}
	_ = panicking.ForceFlush(ctx)

	rm := collect(observer, ctx)
	after := processCounts(t, rm)
	// Each of the three readers has its own stream of "ints", where c, d
	// and c again overflow; each collection runs the panicking callback.
	want := map[string]int64{"fastmeter.measurement.overflow": 9, "fastmeter.measurement.invalid": 3, "fastmeter.callback.abandoned": 1, "fastmeter.callback.panicked": 4}
	for k, w := range want {
		if d := after[k] - before[k]; d != w {
			t.Errorf("%s grew by %d, want %d", k, d, w)
		}
	}

	failed, ok := scopeMetricNamed(rm, selfobs.Scope, "fastmeter.metric_reader.export.failed")
	if !ok {
		t.Fatal("no fastmeter.metric_reader.export.failed")
	}
	var types []string
	for _, dp := range failed.Data.(metricdata.Sum[int64]).DataPoints {
		if dp.Value != 1 || attrValue(dp.Attributes, "otel.component.type") != selfobs.PeriodicReaderType {
			t.Errorf("export.failed point %v = %d", dp.Attributes.ToSlice(), dp.Value)
		}
		types = append(types, attrValue(dp.Attributes, "error.type"))
	}
	sort.Strings(types)
	if len(types) != 2 || types[0] != "*errors.errorString" || types[1] != "panic" {
		t.Errorf("export failures by error.type: %v", types)
	}

	series, ok := scopeMetricNamed(rm, selfobs.Scope, "fastmeter.metric_reader.stream.series")
	if !ok {
		t.Fatal("no fastmeter.metric_reader.stream.series")
	}
	var intsSeries int64 = -1
	for _, dp := range series.Data.(metricdata.Gauge[int64]).DataPoints {
		if attrValue(dp.Attributes, selfobs.MetricNameKey) == "ints" && attrValue(dp.Attributes, "otel.component.type") == selfobs.ManualReaderType {
			intsSeries = dp.Value
		}
	}
	if intsSeries != 3 { // a, b and the overflow series
		t.Errorf("ints series = %d, want 3", intsSeries)
	}
}

// BenchmarkCollectSelfObservability measures what self-observability adds
// to a collection (it adds nothing to a measurement): one histogram record
// and one pass over the result counting each stream's points.
func BenchmarkCollectSelfObservability(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "Off"
		if on {
			name = "On"
		}
		b.Run(name, func(b *testing.B) {
			observer := fastmeter.NewManualReader()
			otel.SetMeterProvider(fastmeter.NewMeterProvider(fastmeter.WithReader(observer)))
			if on {
				b.Setenv("OTEL_GO_X_OBSERVABILITY", "true")
			}
			r := fastmeter.NewManualReader()
			mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
			m := mp.Meter("bench")
			for i := range 20 {
				c, _ := m.Int64Counter(fmt.Sprintf("counter.%d", i))
				for j := range 10 {
					c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("j", j)))
				}
			}
			var rm metricdata.ResourceMetrics
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := r.Collect(ctx, &rm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
