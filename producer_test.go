package fastmeter_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

type staticProducer struct {
	scope string
	err   error
}

func (p staticProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	return []metricdata.ScopeMetrics{{
		Scope: instrumentation.Scope{Name: p.scope},
		Metrics: []metricdata.Metrics{{
			Name: "bridged",
			Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{{Value: 42}}},
		}},
	}}, p.err
}

// WithProducer appends an external producer's ScopeMetrics to each
// collection, after the provider's own; a failing producer's error is
// returned without losing the rest of the data.
func TestProducers(t *testing.T) {
	r := fastmeter.NewManualReader(
		fastmeter.WithProducer(staticProducer{scope: "bridge.a"}),
		fastmeter.WithProducer(staticProducer{scope: "bridge.b", err: errors.New("bridge b degraded")}),
	)
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	c, _ := mp.Meter("own").Int64Counter("c")
	c.Add(context.Background(), 1)
	var rm metricdata.ResourceMetrics
	err := r.Collect(context.Background(), &rm)
	if err == nil || !strings.Contains(err.Error(), "bridge b degraded") {
		t.Fatalf("err = %v, want the producer's error", err)
	}
	var scopes []string
	for _, sm := range rm.ScopeMetrics {
		scopes = append(scopes, sm.Scope.Name)
	}
	if strings.Join(scopes, ",") != "own,bridge.a,bridge.b" {
		t.Fatalf("scopes %v, want own then both producers", scopes)
	}
}

// recordingExporter keeps every Export call's point count.
type recordingExporter struct {
	mu      sync.Mutex
	batches []int
}

func (e *recordingExporter) Temporality(k fastmeter.InstrumentKind) metricdata.Temporality {
	return fastmeter.DefaultTemporalitySelector(k)
}

func (e *recordingExporter) Aggregation(k fastmeter.InstrumentKind) fastmeter.Aggregation {
	return fastmeter.DefaultAggregationSelector(k)
}

func (e *recordingExporter) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			n += len(m.Data.(metricdata.Sum[int64]).DataPoints)
		}
	}
	e.mu.Lock()
	e.batches = append(e.batches, n)
	e.mu.Unlock()
	return nil
}

func (e *recordingExporter) ForceFlush(context.Context) error { return nil }
func (e *recordingExporter) Shutdown(context.Context) error   { return nil }

func TestPeriodicReaderMaxExportBatchSize(t *testing.T) {
	exp := &recordingExporter{}
	r := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(time.Hour), fastmeter.WithMaxExportBatchSize(4))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	m := mp.Meter("batch")
	for _, name := range []string{"a", "b"} {
		c, _ := m.Int64Counter(name)
		for i := 0; i < 5; i++ {
			c.Add(context.Background(), 1, attrsInt("i", i))
		}
	}
	if err := mp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	exp.mu.Lock()
	defer exp.mu.Unlock()
	total := 0
	for _, n := range exp.batches {
		if n > 4 {
			t.Fatalf("a batch carried %d points, the cap is 4: %v", n, exp.batches)
		}
		total += n
	}
	if total != 10 || len(exp.batches) != 3 {
		t.Fatalf("batches %v, want 10 points in 3 batches", exp.batches)
	}
}

func TestInvalidAggregationFallsBackToDefault(t *testing.T) {
	rec := recordDiagnostics(t)
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithView(
		fastmeter.NewView(fastmeter.Instrument{Name: "unsorted"}, fastmeter.Stream{
			Aggregation: fastmeter.AggregationExplicitBucketHistogram{Boundaries: []float64{5, 1}}}),
		fastmeter.NewView(fastmeter.Instrument{Name: "tiny"}, fastmeter.Stream{
			Aggregation: fastmeter.AggregationBase2ExponentialHistogram{MaxSize: 1, MaxScale: 20}}),
		fastmeter.NewView(fastmeter.Instrument{Name: "fine"}, fastmeter.Stream{
			Aggregation: fastmeter.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 21}}),
	))
	m := mp.Meter("agg")
	for _, name := range []string{"unsorted", "tiny", "fine"} {
		h, err := m.Float64Histogram(name)
		if err == nil {
			t.Errorf("%s: no error for an invalid aggregation", name)
		}
		rec.note(err)
		h.Record(context.Background(), 3)
	}
	rm := collect(t, r)
	for _, name := range []string{"unsorted", "tiny", "fine"} {
		if _, ok := metricNamed(t, rm, name).Data.(metricdata.Histogram[float64]); !ok {
			t.Errorf("%s: not recorded with the default aggregation", name)
		}
	}
	for _, want := range []string{"strictly increasing", "MaxSize 1", "MaxScale 21"} {
		if !rec.contains(want) {
			t.Errorf("no report mentioning %q", want)
		}
	}
}
