package fastmeter_test

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
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
	vals := int64Points(rm, "c")
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

// A callback that outlasts the collection's callback deadline (half the
// reader's timeout) no longer costs the export: the collection goes on
// without it and exports the other streams, and every delta recorded goes
// out exactly once. (Before issue 12 such a collection read no stream and
// exported nothing; a collection whose context ends before any stream is
// read still does, see TestCancelledCollectionReadsNoStream.)
func TestSlowCallbackDoesNotCostTheExport(t *testing.T) {
	exp := &deltaCounterExporter{}
	r := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(time.Hour), fastmeter.WithTimeout(50*time.Millisecond))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	m := mp.Meter("abandoned")
	var slow sync.WaitGroup  // done when a slow callback has returned
	var slowMode atomic.Bool // the callback waits out its deadline
	_, _ = m.Int64ObservableGauge("slow", metric.WithInt64Callback(func(ctx context.Context, o metric.Int64Observer) error {
		if slowMode.Load() {
			<-ctx.Done() // the callback deadline ends the callback's wait
			slow.Done()
		}
		o.Observe(1)
		return nil
	}))
	_, _ = m.Int64ObservableGauge("after", metric.WithInt64Callback(func(context.Context, metric.Int64Observer) error {
		return nil
	}))
	c, _ := m.Int64Counter("c")

	c.Add(context.Background(), 5)
	if err := r.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Add(context.Background(), 7)
	slowMode.Store(true)
	slow.Add(1)
	if err := r.ForceFlush(context.Background()); err != nil {
		t.Fatalf("ForceFlush with a callback that outlasts its deadline: %v, want nil (the other streams are exported)", err)
	}
	slow.Wait()
	slowMode.Store(false)
	if err := r.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := exp.snapshot()
	if len(got) != 3 || len(got[0]) != 1 || got[0][0] != 5 || len(got[1]) != 1 || got[1][0] != 7 {
		t.Fatalf("exports of c: got %v, want [[5] [7] ...] (each delta once, in its own export)", got)
	}
	for _, v := range got[2] {
		if v != 0 {
			t.Fatalf("third export of c: %v, want nothing new", got[2])
		}
	}
}

// An option overrides its environment variable completely: the variable is
// not read, so an invalid value that an option replaces is not warned about;
// without the option the invalid value is reported, naming the variable, and
// the default applies.
func TestPeriodicReaderOptionsOverrideEnvironment(t *testing.T) {
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "soon")
	t.Setenv("OTEL_METRIC_EXPORT_TIMEOUT", "2000")
	rec := recordDiagnostics(t)
	settings := func(r *fastmeter.PeriodicReader) (interval, timeout time.Duration) {
		v := reflect.ValueOf(r.MarshalLog())
		return v.FieldByName("Interval").Interface().(time.Duration), v.FieldByName("Timeout").Interface().(time.Duration)
	}

	r := fastmeter.NewPeriodicReader(&deltaCounterExporter{}, fastmeter.WithInterval(3*time.Second))
	if i, to := settings(r); i != 3*time.Second || to != 2*time.Second {
		t.Errorf("with WithInterval: interval %v, timeout %v; want 3s (option) and 2s (environment)", i, to)
	}
	if rec.contains("OTEL_METRIC_EXPORT_INTERVAL") {
		t.Errorf("an overridden variable was reported: %v", rec.texts())
	}

	r = fastmeter.NewPeriodicReader(&deltaCounterExporter{})
	if i, _ := settings(r); i != time.Minute {
		t.Errorf("invalid OTEL_METRIC_EXPORT_INTERVAL: interval %v, want the 1m default", i)
	}
	if !rec.contains(`OTEL_METRIC_EXPORT_INTERVAL="soon"`) {
		t.Errorf("the invalid variable was not reported by name and value: %v", rec.texts())
	}
	rec.requireOn(t, onLogger, levelError, `OTEL_METRIC_EXPORT_INTERVAL="soon"`) // as the official SDK logs it
}
