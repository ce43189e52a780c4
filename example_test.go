package fastmeter_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// A provider with a ManualReader: record, then collect on demand.
func ExampleNewMeterProvider() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(ctx)

	orders, _ := provider.Meter("shop").Int64Counter("orders", metric.WithUnit("{order}"))
	nl := metric.WithAttributeSet(attribute.NewSet(attribute.String("country", "NL")))
	orders.Add(ctx, 2, nl)
	orders.Add(ctx, 3, nl)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	sum := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64])
	fmt.Println(rm.ScopeMetrics[0].Metrics[0].Name, sum.DataPoints[0].Value)
	// Output: orders 5
}

// A PeriodicReader collects every interval and pushes the result to an
// Exporter: any official one (otlpmetrichttp, otlpmetricgrpc, stdoutmetric)
// or, as here, an in-process exporter that prints what it receives. The hour
// long interval never elapses in this example: ForceFlush and Shutdown
// collect and export at once.
func ExampleNewPeriodicReader() {
	ctx := context.Background()
	reader := sdkmetric.NewPeriodicReader(&printExporter{}, sdkmetric.WithInterval(time.Hour))
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	requests, _ := provider.Meter("server").Int64Counter("http.server.requests")
	requests.Add(ctx, 1)
	if err := provider.ForceFlush(ctx); err != nil {
		panic(err)
	}
	requests.Add(ctx, 2)
	// Shutdown exports a final collection, then shuts the exporter down.
	if err := provider.Shutdown(ctx); err != nil {
		panic(err)
	}
	// Output:
	// export: http.server.requests{} 1
	// export: http.server.requests{} 3
	// exporter shut down
}

// printExporter is an in-process Exporter that prints the int64 sums it
// receives (each metric's points sorted by attributes, so the output does not
// depend on the order of series), or with pointsOnly just the number of data
// points in each Export call.
type printExporter struct {
	pointsOnly bool
}

func (e *printExporter) Temporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.CumulativeTemporality
}

func (e *printExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (e *printExporter) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	var lines []string
	points := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok {
				continue
			}
			points += len(sum.DataPoints)
			for _, p := range sum.DataPoints {
				lines = append(lines, fmt.Sprintf("%s{%s} %d", m.Name, p.Attributes.Encoded(attribute.DefaultEncoder()), p.Value))
			}
		}
	}
	if e.pointsOnly {
		fmt.Printf("export: %d point(s)\n", points)
		return nil
	}
	sort.Strings(lines)
	fmt.Println("export:", strings.Join(lines, ", "))
	return nil
}

func (e *printExporter) ForceFlush(context.Context) error { return nil }

func (e *printExporter) Shutdown(context.Context) error {
	fmt.Println("exporter shut down")
	return nil
}

// collectSums collects reader once and returns the int64 sum points of the
// named metric as "attributes=value" strings, sorted (the order of series
// in a collection is not specified).
func collectSums(reader *sdkmetric.ManualReader, name string) []string {
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	var out []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == name {
				for _, p := range sum.DataPoints {
					out = append(out, fmt.Sprintf("{%s}=%d", p.Attributes.Encoded(attribute.DefaultEncoder()), p.Value))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// BindAdder fixes a Counter's attribute set once: the handle's Add skips
// attribute processing and the series lookup. It updates the same series as
// an unbound Add with that set.
func ExampleBindAdder() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(ctx)

	requests, _ := provider.Meter("server").Int64Counter("http.server.requests")
	okGET := attribute.NewSet(attribute.String("method", "GET"), attribute.Int("status", 200))
	bound := sdkmetric.BindAdder(requests, okGET)
	for i := 0; i < 3; i++ {
		bound.Add(ctx, 1) // the hot path: no attribute handling per call
	}
	requests.Add(ctx, 2, metric.WithAttributeSet(okGET))

	fmt.Println(collectSums(reader, "http.server.requests"))
	// Output: [{method=GET,status=200}=5]
}

// BindRecorder does the same for a Histogram or a Gauge.
func ExampleBindRecorder() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(ctx)

	latency, _ := provider.Meter("server").Float64Histogram("http.server.duration", metric.WithUnit("s"))
	home := sdkmetric.BindRecorder(latency, attribute.NewSet(attribute.String("route", "/")))
	home.Record(ctx, 0.25)
	home.Record(ctx, 0.5)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	p := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Histogram[float64]).DataPoints[0]
	maxV, _ := p.Max.Value()
	fmt.Println(p.Attributes.Encoded(attribute.DefaultEncoder()), p.Count, p.Sum, maxV)
	// Output: route=/ 2 0.75 0.5
}

// A view's own cardinality limit: the stream keeps at most three series, the
// overflow series included, so logins of any user after the first two are
// counted in the otel.metric.overflow=true series; no measurement is lost.
func ExampleWithViewCardinalityLimit() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(reader),
		sdkmetric.WithViewCardinalityLimit(3, sdkmetric.NewView(
			sdkmetric.Instrument{Name: "logins"}, sdkmetric.Stream{})),
	)
	defer provider.Shutdown(ctx)

	logins, _ := provider.Meter("auth").Int64Counter("logins")
	for _, user := range []string{"ann", "bob", "cay", "dan", "ann"} {
		logins.Add(ctx, 1, metric.WithAttributes(attribute.String("user", user)))
	}
	for _, p := range collectSums(reader, "logins") {
		fmt.Println(p)
	}
	// Output:
	// {otel.metric.overflow=true}=2
	// {user=ann}=2
	// {user=bob}=1
}

// WithForgetIdleSeries lets a cumulative stream drop a series that received
// nothing for a number of collections, so memory follows the attribute sets
// in use. The collection that forgets a series still reports it; if it is
// measured again it starts over from zero (with a new start time).
func ExampleWithForgetIdleSeries() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithForgetIdleSeries(1))
	defer provider.Shutdown(ctx)

	jobs, _ := provider.Meter("worker").Int64Counter("jobs")
	nightly := metric.WithAttributes(attribute.String("job", "nightly"))
	jobs.Add(ctx, 5, nightly)
	fmt.Println("measured:", collectSums(reader, "jobs"))
	fmt.Println("idle once, forgotten:", collectSums(reader, "jobs"))
	fmt.Println("gone:", collectSums(reader, "jobs"))
	jobs.Add(ctx, 2, nightly)
	fmt.Println("measured again:", collectSums(reader, "jobs"))
	// Output:
	// measured: [{job=nightly}=5]
	// idle once, forgotten: [{job=nightly}=5]
	// gone: []
	// measured again: [{job=nightly}=2]
}

// WithMaxExportBatchSize splits a large collection into several Export
// calls, one after the other, none carrying more than the given number of
// data points: here five series go out as 2 + 2 + 1 when Shutdown exports
// its final collection (ForceFlush and every interval's export do the same).
func ExampleWithMaxExportBatchSize() {
	ctx := context.Background()
	reader := sdkmetric.NewPeriodicReader(&printExporter{pointsOnly: true},
		sdkmetric.WithInterval(time.Hour), sdkmetric.WithMaxExportBatchSize(2))
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	hits, _ := provider.Meter("cache").Int64Counter("hits")
	for shard := 0; shard < 5; shard++ {
		hits.Add(ctx, 1, metric.WithAttributes(attribute.Int("shard", shard)))
	}
	if err := provider.Shutdown(ctx); err != nil {
		panic(err)
	}
	// Output:
	// export: 2 point(s)
	// export: 2 point(s)
	// export: 1 point(s)
	// exporter shut down
}

// Views rename streams and choose their aggregation; here an exponential
// histogram for every instrument whose name ends in ".duration".
func ExampleNewView() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(reader),
		sdkmetric.WithView(sdkmetric.NewView(
			sdkmetric.Instrument{Name: "*.duration"},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}},
		)),
	)
	latency, _ := provider.Meter("server").Float64Histogram("http.server.duration", metric.WithUnit("s"))
	latency.Record(ctx, 0.25)
	latency.Record(ctx, 0.5)

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	h := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.ExponentialHistogram[float64])
	fmt.Println(h.DataPoints[0].Count, h.DataPoints[0].Sum)
	// Output: 2 0.75
}

// Delta temporality: each collection reports what happened since the
// previous one.
func ExampleWithTemporalitySelector() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(sdkmetric.DeltaTemporalitySelector))
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	hits, _ := provider.Meter("cache").Int64Counter("hits")

	var rm metricdata.ResourceMetrics
	for _, n := range []int64{4, 6} {
		hits.Add(ctx, n)
		_ = reader.Collect(ctx, &rm)
		fmt.Println(rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64]).DataPoints[0].Value)
	}
	// Output:
	// 4
	// 6
}
