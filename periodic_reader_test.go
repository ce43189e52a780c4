package fastmeter_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// deltaCounterExporter records, export by export, the points of the int64
// sum named "c", asking for delta temporality.
type deltaCounterExporter struct {
	mu      sync.Mutex
	exports [][]int64
}

func (e *deltaCounterExporter) Temporality(fastmeter.InstrumentKind) metricdata.Temporality {
	return metricdata.DeltaTemporality
}

func (e *deltaCounterExporter) Aggregation(k fastmeter.InstrumentKind) fastmeter.Aggregation {
	return fastmeter.DefaultAggregationSelector(k)
}

func (e *deltaCounterExporter) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	var vals []int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "c" {
				for _, p := range s.DataPoints {
					vals = append(vals, p.Value)
				}
			}
		}
	}
	e.mu.Lock()
	e.exports = append(e.exports, vals)
	e.mu.Unlock()
	return nil
}

func (e *deltaCounterExporter) ForceFlush(context.Context) error { return nil }
func (e *deltaCounterExporter) Shutdown(context.Context) error   { return nil }

func (e *deltaCounterExporter) snapshot() [][]int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([][]int64(nil), e.exports...)
}

// A collection that the reader's timeout cuts short while callbacks run
// reads no stream, so it must export nothing: before this was fixed the
// reader re-exported the previous collection's delta (a double count), and
// the data recorded meanwhile must reach the next export exactly once.
func TestAbandonedCollectionExportsNothing(t *testing.T) {
	exp := &deltaCounterExporter{}
	r := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(time.Hour), fastmeter.WithTimeout(50*time.Millisecond))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	m := mp.Meter("abandoned")
	var slow sync.WaitGroup // done when a slow callback has returned
	var slowMode bool       // the first callback waits out the reader's timeout
	var modeMu sync.Mutex
	_, _ = m.Int64ObservableGauge("slow", metric.WithInt64Callback(func(ctx context.Context, o metric.Int64Observer) error {
		modeMu.Lock()
		s := slowMode
		modeMu.Unlock()
		if s {
			<-ctx.Done() // the reader's timeout ends the callback's wait
			slow.Done()
		}
		o.Observe(1)
		return nil
	}))
	// A second callback, so that the reader checks its deadline between the
	// two and abandons the collection before reading any stream.
	_, _ = m.Int64ObservableGauge("after", metric.WithInt64Callback(func(context.Context, metric.Int64Observer) error {
		return nil
	}))
	c, _ := m.Int64Counter("c")

	c.Add(context.Background(), 5)
	if err := r.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Add(context.Background(), 7)
	modeMu.Lock()
	slowMode = true
	modeMu.Unlock()
	slow.Add(1)
	err := r.ForceFlush(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ForceFlush past the timeout: got %v, want a deadline error", err)
	}
	slow.Wait()
	modeMu.Lock()
	slowMode = false
	modeMu.Unlock()
	if err := r.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := exp.snapshot()
	want := [][]int64{{5}, {7}}
	if len(got) != len(want) || len(got[0]) != 1 || got[0][0] != 5 || len(got[1]) != 1 || got[1][0] != 7 {
		t.Fatalf("exports of c: got %v, want %v (the abandoned collection exports nothing; its data goes out once, next)", got, want)
	}
}

// An option overrides its environment variable completely: the variable is
// not read, so an invalid value that an option replaces is not warned about;
// without the option the invalid value is reported, naming the variable, and
// the default applies.
func TestPeriodicReaderOptionsOverrideEnvironment(t *testing.T) {
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "soon")
	t.Setenv("OTEL_METRIC_EXPORT_TIMEOUT", "2000")
	rec := recordErrors(t)
	settings := func(r *fastmeter.PeriodicReader) (interval, timeout time.Duration) {
		v := reflect.ValueOf(r.MarshalLog())
		return v.FieldByName("Interval").Interface().(time.Duration), v.FieldByName("Timeout").Interface().(time.Duration)
	}

	r := fastmeter.NewPeriodicReader(&deltaCounterExporter{}, fastmeter.WithInterval(3*time.Second))
	if i, to := settings(r); i != 3*time.Second || to != 2*time.Second {
		t.Errorf("with WithInterval: interval %v, timeout %v; want 3s (option) and 2s (environment)", i, to)
	}
	if rec.contains("OTEL_METRIC_EXPORT_INTERVAL") {
		t.Errorf("an overridden variable was reported: %v", rec.errs)
	}

	r = fastmeter.NewPeriodicReader(&deltaCounterExporter{})
	if i, _ := settings(r); i != time.Minute {
		t.Errorf("invalid OTEL_METRIC_EXPORT_INTERVAL: interval %v, want the 1m default", i)
	}
	if !rec.contains(`OTEL_METRIC_EXPORT_INTERVAL="soon"`) {
		t.Errorf("the invalid variable was not reported by name and value: %v", rec.errs)
	}
}
