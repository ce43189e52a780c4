package conformance

// The MetricFilter rows of the specification's compliance matrix (Metrics
// table), checked against the MetricFilter and MetricProducer sections of
// specification/metrics/sdk.md (Development status). The official Go SDK
// v1.47.0 has no MetricFilter (its column of these rows is "-"), so unlike
// the rest of this suite these tests run on fastmeter only and assert the
// specification's behaviour directly.

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// metricFilterRows maps each matrix row to the test that covers it.
var metricFilterRows = map[string]string{
	"A metric Producer accepts an optional metric Filter":                                                                  "TestMatrixProducerAcceptsMetricFilter",
	"The metric Reader implementation supports registering metric Filter and passing them its registered metric Producers": "TestMatrixReaderRegistersAndPassesMetricFilter",
	"The metric SDK's metric Producer implementations uses the metric Filter":                                              "TestMatrixSDKProducerUsesMetricFilter",
}

// specFilter records every call; it drops the metrics named "drop*", accepts
// "partial*" partially (keeping the points with keep=true) and accepts the
// rest.
type specFilter struct {
	mu          sync.Mutex
	metricCalls []string // "scope/name kind unit"
	attrCalls   []string // "name {attrs}"
}

func (f *specFilter) TestMetric(scope instrumentation.Scope, name string, kind fastmeter.InstrumentKind, unit string) fastmeter.MetricFilterResult {
	f.mu.Lock()
	f.metricCalls = append(f.metricCalls, scope.Name+"/"+name+" "+kind.String()+" "+unit)
	f.mu.Unlock()
	switch {
	case strings.HasPrefix(name, "drop"):
		return fastmeter.MetricFilterDrop
	case strings.HasPrefix(name, "partial"):
		return fastmeter.MetricFilterAcceptPartial
	}
	return fastmeter.MetricFilterAccept
}

func (f *specFilter) TestAttributes(_ instrumentation.Scope, name string, _ fastmeter.InstrumentKind, _ string, attrs attribute.Set) fastmeter.AttributesFilterResult {
	f.mu.Lock()
	f.attrCalls = append(f.attrCalls, name+" {"+attrs.Encoded(attribute.DefaultEncoder())+"}")
	f.mu.Unlock()
	if v, ok := attrs.Value("keep"); ok && v.AsBool() {
		return fastmeter.AttributesFilterAccept
	}
	return fastmeter.AttributesFilterDrop
}

func (f *specFilter) calls() (metrics, attrs []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	metrics, attrs = slices.Clone(f.metricCalls), slices.Clone(f.attrCalls)
	slices.Sort(metrics)
	slices.Sort(attrs)
	return metrics, attrs
}

var (
	keepTrue  = attribute.NewSet(attribute.Bool("keep", true))
	keepFalse = attribute.NewSet(attribute.Bool("keep", false))
)

func twoPoints() []metricdata.DataPoint[int64] {
	return []metricdata.DataPoint[int64]{{Attributes: keepTrue, Value: 1}, {Attributes: keepFalse, Value: 2}}
}

// bridge is a third-party MetricProducer that takes the optional filter:
// it consults TestMetric before building a metric and TestAttributes
// before building a point, as the specification recommends ("as early as
// possible").
type bridge struct {
	mu      sync.Mutex
	plain   int
	filters []fastmeter.MetricFilter
}

var bridgeScope = instrumentation.Scope{Name: "bridge"}

func (b *bridge) Produce(ctx context.Context) ([]metricdata.ScopeMetrics, error) {
	b.mu.Lock()
	b.plain++
	b.mu.Unlock()
	return b.build(nil), nil
}

func (b *bridge) ProduceFiltered(_ context.Context, f fastmeter.MetricFilter) ([]metricdata.ScopeMetrics, error) {
	b.mu.Lock()
	b.filters = append(b.filters, f)
	b.mu.Unlock()
	return b.build(f), nil
}

func (b *bridge) build(f fastmeter.MetricFilter) []metricdata.ScopeMetrics {
	var metrics []metricdata.Metrics
	for _, name := range []string{"bridged", "drop.bridged", "partial.bridged"} {
		verdict := fastmeter.MetricFilterAccept
		if f != nil {
			verdict = f.TestMetric(bridgeScope, name, fastmeter.InstrumentKindGauge, "1")
		}
		if verdict == fastmeter.MetricFilterDrop {
			continue
		}
		var points []metricdata.DataPoint[int64]
		for _, p := range twoPoints() {
			if verdict == fastmeter.MetricFilterAcceptPartial &&
				f.TestAttributes(bridgeScope, name, fastmeter.InstrumentKindGauge, "1", p.Attributes) == fastmeter.AttributesFilterDrop {
				continue
			}
			points = append(points, p)
		}
		metrics = append(metrics, metricdata.Metrics{Name: name, Unit: "1", Data: metricdata.Gauge[int64]{DataPoints: points}})
	}
	return []metricdata.ScopeMetrics{{Scope: bridgeScope, Metrics: metrics}}
}

func (b *bridge) counts() (plain, filtered int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.plain, len(b.filters)
}

// collected returns "scope/name {attrs}" for every point of a collection.
func collected(rm metricdata.ResourceMetrics) []string {
	enc := attribute.DefaultEncoder()
	var out []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			add := func(s attribute.Set) { out = append(out, sm.Scope.Name+"/"+m.Name+" {"+s.Encoded(enc)+"}") }
			switch d := m.Data.(type) {
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					add(p.Attributes)
				}
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					add(p.Attributes)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					add(p.Attributes)
				}
			default:
				out = append(out, sm.Scope.Name+"/"+m.Name+" unexpected data")
			}
		}
	}
	slices.Sort(out)
	return out
}

// Row "A metric Producer accepts an optional metric Filter": Produce takes
// an optional metricFilter and its batch is filtered by it. In Go the
// optional parameter is FilteringProducer.ProduceFiltered (Produce is the
// call without a filter); the batch it returns is what the reader
// delivers, and the producer's TestMetric calls are the only ones.
func TestMatrixProducerAcceptsMetricFilter(t *testing.T) {
	ctx := context.Background()
	f := &specFilter{}
	b := &bridge{}
	r := fastmeter.NewManualReader(fastmeter.WithMetricFilter(f), fastmeter.WithProducer(b))
	_ = fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	var rm metricdata.ResourceMetrics
	if err := r.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	if plain, filtered := b.counts(); plain != 0 || filtered != 1 {
		t.Fatalf("Produce %d, ProduceFiltered %d; want the filtered Produce once", plain, filtered)
	}
	want := []string{"bridge/bridged {keep=false}", "bridge/bridged {keep=true}", "bridge/partial.bridged {keep=true}"}
	if got := collected(rm); !slices.Equal(got, want) {
		t.Errorf("collected %q, want %q", got, want)
	}
	metrics, attrs := f.calls()
	if want := []string{"bridge/bridged Gauge 1", "bridge/drop.bridged Gauge 1", "bridge/partial.bridged Gauge 1"}; !slices.Equal(metrics, want) {
		t.Errorf("TestMetric calls %q, want once per metric stream: %q", metrics, want)
	}
	if want := []string{"partial.bridged {keep=false}", "partial.bridged {keep=true}"}; !slices.Equal(attrs, want) {
		t.Errorf("TestAttributes calls %q, want only for the Accept_Partial stream: %q", attrs, want)
	}

	// The parameter is optional: a reader without a filter calls Produce.
	plainReader := fastmeter.NewManualReader(fastmeter.WithProducer(b))
	_ = fastmeter.NewMeterProvider(fastmeter.WithReader(plainReader))
	if err := plainReader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	if plain, _ := b.counts(); plain != 1 {
		t.Errorf("without a filter Produce ran %d times, want 1", plain)
	}
	if got := collected(rm); len(got) != 6 {
		t.Errorf("unfiltered: %q, want all 6 points", got)
	}
}

// Row "The metric Reader implementation supports registering metric Filter
// and passing them its registered metric Producers": both reader
// implementations register a filter and hand it to every registered
// producer; a producer written against the plain Producer interface has
// its batch filtered by the reader instead.
func TestMatrixReaderRegistersAndPassesMetricFilter(t *testing.T) {
	ctx := context.Background()
	plainBridge := plainProducer{&bridge{}}
	want := []string{
		"bridge/bridged {keep=false}", "bridge/bridged {keep=false}",
		"bridge/bridged {keep=true}", "bridge/bridged {keep=true}",
		"bridge/partial.bridged {keep=true}", "bridge/partial.bridged {keep=true}",
	}

	t.Run("ManualReader", func(t *testing.T) {
		f := &specFilter{}
		aware := &bridge{}
		r := fastmeter.NewManualReader(fastmeter.WithMetricFilter(f), fastmeter.WithProducer(aware), fastmeter.WithProducer(plainBridge))
		_ = fastmeter.NewMeterProvider(fastmeter.WithReader(r))
		var rm metricdata.ResourceMetrics
		if err := r.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		if _, filtered := aware.counts(); filtered != 1 {
			t.Errorf("the filter-aware producer got the filter %d times, want 1", filtered)
		}
		if got := collected(rm); !slices.Equal(got, want) {
			t.Errorf("collected %q, want %q", got, want)
		}
		if metrics, _ := f.calls(); len(metrics) != 6 {
			t.Errorf("TestMetric calls %q, want 3 per producer", metrics)
		}
	})

	t.Run("PeriodicReader", func(t *testing.T) {
		f := &specFilter{}
		aware := &bridge{}
		exp := &recordingExporter{exported: make(chan []exportedMetric, 4)}
		r := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(time.Hour),
			fastmeter.WithMetricFilter(f), fastmeter.WithProducer(aware), fastmeter.WithProducer(plainBridge))
		p := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
		defer p.Shutdown(ctx)
		if err := p.ForceFlush(ctx); err != nil {
			t.Fatal(err)
		}
		if _, filtered := aware.counts(); filtered != 1 {
			t.Errorf("the filter-aware producer got the filter %d times, want 1", filtered)
		}
		var got []string
		for _, m := range <-exp.exported {
			got = append(got, fmt.Sprintf("%s %d", m.name, m.points))
		}
		slices.Sort(got)
		// Each producer's bridged (both points) and partial.bridged (one).
		if want := []string{"bridged 2", "bridged 2", "partial.bridged 1", "partial.bridged 1"}; !slices.Equal(got, want) {
			t.Errorf("exported %q, want %q", got, want)
		}
	})
}

// plainProducer hides bridge's ProduceFiltered: a Producer of the official
// interface only.
type plainProducer struct{ b *bridge }

func (p plainProducer) Produce(ctx context.Context) ([]metricdata.ScopeMetrics, error) {
	return p.b.Produce(ctx)
}

// Row "The metric SDK's metric Producer implementations uses the metric
// Filter": the SDK's own in-memory state filters its streams. TestMetric is
// called once for every metric stream in each collection with its scope,
// name, kind and unit; Accept keeps the stream without TestAttributes; Drop
// removes it without TestAttributes and does not invoke its callback;
// Accept_Partial calls TestAttributes for every attribute set and keeps the
// accepted ones.
func TestMatrixSDKProducerUsesMetricFilter(t *testing.T) {
	ctx := context.Background()
	f := &specFilter{}
	r := fastmeter.NewManualReader(fastmeter.WithMetricFilter(f))
	meter := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("sdk")
	keep, drop := metric.WithAttributeSet(keepTrue), metric.WithAttributeSet(keepFalse)

	accepted, _ := meter.Int64Counter("accepted", metric.WithUnit("{req}"))
	accepted.Add(ctx, 1, keep)
	accepted.Add(ctx, 1, drop)
	partial, _ := meter.Float64Histogram("partial.latency", metric.WithUnit("s"))
	partial.Record(ctx, 0.5, keep)
	partial.Record(ctx, 0.5, drop)
	dropped, _ := meter.Int64Counter("drop.counter")
	dropped.Add(ctx, 1, keep)
	callbackRuns := 0
	_, _ = meter.Int64ObservableGauge("drop.gauge", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		callbackRuns++
		o.Observe(1, keep)
		return nil
	}))
	_, _ = meter.Int64ObservableGauge("partial.gauge", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(1, keep)
		o.Observe(2, drop)
		return nil
	}))

	for collection := 1; collection <= 2; collection++ {
		var rm metricdata.ResourceMetrics
		if err := r.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		want := []string{"sdk/accepted {keep=false}", "sdk/accepted {keep=true}", "sdk/partial.gauge {keep=true}", "sdk/partial.latency {keep=true}"}
		if got := collected(rm); !slices.Equal(got, want) {
			t.Errorf("collection %d: %q, want %q", collection, got, want)
		}
		metrics, attrs := f.calls()
		var wantMetrics, wantAttrs []string
		for range collection {
			wantMetrics = append(wantMetrics, "sdk/accepted Counter {req}", "sdk/drop.counter Counter ", "sdk/drop.gauge ObservableGauge ",
				"sdk/partial.gauge ObservableGauge ", "sdk/partial.latency Histogram s")
			wantAttrs = append(wantAttrs, "partial.gauge {keep=false}", "partial.gauge {keep=true}",
				"partial.latency {keep=false}", "partial.latency {keep=true}")
		}
		slices.Sort(wantMetrics)
		slices.Sort(wantAttrs)
		if !slices.Equal(metrics, wantMetrics) {
			t.Errorf("collection %d: TestMetric calls %q, want %q", collection, metrics, wantMetrics)
		}
		if !slices.Equal(attrs, wantAttrs) {
			t.Errorf("collection %d: TestAttributes calls %q, want %q", collection, attrs, wantAttrs)
		}
	}
	if callbackRuns != 0 {
		t.Errorf("the dropped observable gauge's callback ran %d times, want 0", callbackRuns)
	}
}

// TestReadmeListsMetricFilterRows: README names each matrix row and the test
// covering it, and each named test exists in this file.
func TestReadmeListsMetricFilterRows(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile("metric_filter_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for row, test := range metricFilterRows {
		if !strings.Contains(string(readme), row) {
			t.Errorf("README does not list the matrix row %q", row)
		}
		if !strings.Contains(string(readme), test) {
			t.Errorf("README does not name %s, which covers %q", test, row)
		}
		if !strings.Contains(string(self), "func "+test+"(t *testing.T)") {
			t.Errorf("no test %s", test)
		}
	}
}
