package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
)

// errorLeaves counts the errors at the leaves of err's tree (through
// errors.Join and %w wrapping): an error reported once has one leaf, the
// same error joined twice two.
func errorLeaves(err error) int {
	switch u := err.(type) {
	case nil:
		return 0
	case interface{ Unwrap() []error }:
		n := 0
		for _, e := range u.Unwrap() {
			n += errorLeaves(e)
		}
		return n
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			return errorLeaves(inner)
		}
	}
	return 1
}

// errorShape is what a caller can observe of an instrument-creation error
// without reading its text.
func errorShape(err error) string {
	if err == nil {
		return "nil"
	}
	return fmt.Sprintf("error (ErrInstrumentName %v, %d leaf)", errors.Is(err, sdkmetric.ErrInstrumentName), errorLeaves(err))
}

func (h bareHarness) collectAll(t *testing.T, i int) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.collect[i](context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return rm
}

// TestInstrumentCreationErrors (issue 16 item 2): instrument-creation errors
// are returned in the same cases whatever the number of readers (none
// included), wrap the same sentinels, are not joined once per reader, are
// returned again when the same instrument is created again, and the
// instrument records the same data (invalid advisory boundaries are ignored,
// the default boundaries used).
func TestInstrumentCreationErrors(t *testing.T) {
	ctx := context.Background()
	bad := metric.WithExplicitBucketBoundaries(-1, 1, -5)
	cases := []struct {
		name   string
		create func(m metric.Meter) (first, again error, record func())
	}{
		{"invalid name", func(m metric.Meter) (error, error, func()) {
			c, err := m.Int64Counter("1bad")
			_, again := m.Int64Counter("1bad")
			return err, again, func() { c.Add(ctx, 1) }
		}},
		{"invalid observable name", func(m metric.Meter) (error, error, func()) {
			_, err := m.Float64ObservableGauge("bad name", metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
				o.Observe(2)
				return nil
			}))
			_, again := m.Float64ObservableGauge("bad name")
			return err, again, func() {}
		}},
		{"invalid advisory boundaries", func(m metric.Meter) (error, error, func()) {
			h, err := m.Int64Histogram("h", bad)
			_, again := m.Int64Histogram("h", bad)
			return err, again, func() { h.Record(ctx, 3) }
		}},
		{"invalid name and invalid boundaries", func(m metric.Meter) (error, error, func()) {
			h, err := m.Float64Histogram("2bad", bad)
			_, again := m.Float64Histogram("2bad", bad)
			return err, again, func() { h.Record(ctx, 3) }
		}},
	}
	official := map[string]string{}
	officialData := map[string]metricdata.ResourceMetrics{}
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, readers := range []int{0, 1, 2} {
			for _, tc := range cases {
				key := fmt.Sprintf("%s with %d readers", tc.name, readers)
				run(t, key, func(t *testing.T) {
					h := s.newBare(readers)
					defer func() { _ = h.shutdown(ctx) }()
					first, again, record := tc.create(h.provider.Meter("errors"))
					record()
					got := "first " + errorShape(first) + ", again " + errorShape(again)
					var rm metricdata.ResourceMetrics
					if readers > 0 {
						rm = h.collectAll(t, readers-1)
					}
					if s.name == "official" {
						official[key], officialData[key] = got, rm
						t.Logf("official: %s", got)
						return
					}
					if want := official[key]; got != want {
						t.Errorf("%s\nofficial %s\n(first error: %v)", got, want, first)
					}
					if readers > 0 {
						metricdatatest.AssertEqual(t, officialData[key], rm, metricdatatest.IgnoreTimestamp())
					}
				})
			}
		}
	})
}

// gaugeValues summarises the int64 and float64 gauges of rm as
// "name=value" lines, sorted.
func gaugeValues(rm metricdata.ResourceMetrics) string {
	var out []string
	for _, m := range flatten(rm) {
		switch d := m.Data.(type) {
		case metricdata.Gauge[int64]:
			for _, p := range d.DataPoints {
				out = append(out, fmt.Sprintf("%s=%d", m.Name, p.Value))
			}
		case metricdata.Gauge[float64]:
			for _, p := range d.DataPoints {
				out = append(out, fmt.Sprintf("%s=%g", m.Name, p.Value))
			}
		}
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// TestRegisterCallbackErrors (issue 16 item 2): RegisterCallback with an
// instrument of another meter, of another implementation, or one without
// a stream (dropped by a view) returns an error in the same cases, and the
// callback then observes the same instruments as in the official SDK. One
// difference is deliberate: where the official SDK returns a nil
// Registration (an instrument of another implementation), fastmeter
// returns one whose Unregister does nothing, so a deferred Unregister
// cannot panic.
func TestRegisterCallbackErrors(t *testing.T) {
	ctx := context.Background()
	drop := func(s sdk) sdkmetric.View {
		return s.newView(sdkmetric.Instrument{Name: "dropped"}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}})
	}
	cases := []struct {
		name     string
		register func(m, other metric.Meter) (metric.Registration, error)
	}{
		{"instrument of another meter", func(m, other metric.Meter) (metric.Registration, error) {
			mine, _ := m.Int64ObservableGauge("mine")
			theirs, _ := other.Int64ObservableGauge("theirs")
			return m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
				o.ObserveInt64(mine, 1)
				return nil
			}, mine, theirs)
		}},
		{"instrument of another implementation", func(m, _ metric.Meter) (metric.Registration, error) {
			mine, _ := m.Int64ObservableGauge("mine")
			return m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
				o.ObserveInt64(mine, 1)
				return nil
			}, mine, noop.Int64ObservableGauge{})
		}},
		{"instrument dropped by a view", func(m, _ metric.Meter) (metric.Registration, error) {
			mine, _ := m.Int64ObservableGauge("mine")
			dropped, _ := m.Int64ObservableGauge("dropped")
			return m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
				o.ObserveInt64(mine, 1)
				o.ObserveInt64(dropped, 2)
				return nil
			}, mine, dropped)
		}},
		{"only an instrument dropped by a view", func(m, _ metric.Meter) (metric.Registration, error) {
			dropped, _ := m.Int64ObservableGauge("dropped")
			return m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
				o.ObserveInt64(dropped, 2)
				return nil
			}, dropped)
		}},
	}
	official := map[string]string{}
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, tc := range cases {
			run(t, tc.name, func(t *testing.T) {
				h := s.newBare(1, drop(s))
				defer func() { _ = h.shutdown(ctx) }()
				reg, err := tc.register(h.provider.Meter("cb"), h.provider.Meter("other"))
				got := fmt.Sprintf("error %v (%d leaf), collected [%s]", err != nil, errorLeaves(err), gaugeValues(h.collectAll(t, 0)))
				if s.name == "official" {
					official[tc.name] = got
					t.Logf("official: %s", got)
					return
				}
				if want := official[tc.name]; got != want {
					t.Errorf("%s\nofficial %s\n(error: %v)", got, want, err)
				}
				if reg == nil {
					t.Fatal("nil Registration")
				}
				if err := reg.Unregister(); err != nil {
					t.Errorf("Unregister: %v", err)
				}
			})
		}
	})
}

// TestDroppedObservablesAreNotReported (issue 16 item 3): observing, in a
// RegisterCallback callback, an instrument a view dropped is silent
// whether or not the instrument was registered with the callback (it has
// nothing to record); only an instrument that has a stream and was not
// registered is reported, as an error of the global logger.
func TestDroppedObservablesAreNotReported(t *testing.T) {
	ctx := context.Background()
	forEachSDK(t, func(t *testing.T, s sdk) {
		registeredDrop, strayDrop, stray := uniqueName("dropped.registered."+s.name), uniqueName("dropped.stray."+s.name), uniqueName("kept.stray."+s.name)
		h := s.newBare(1, s.newView(sdkmetric.Instrument{Name: "dropped.*"}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}}))
		defer func() { _ = h.shutdown(ctx) }()
		m := h.provider.Meter("dropped")
		kept, _ := m.Int64ObservableGauge("kept")
		a, _ := m.Int64ObservableGauge(registeredDrop)
		b, _ := m.Int64ObservableGauge(strayDrop)
		c, _ := m.Int64ObservableGauge(stray)
		_, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
			o.ObserveInt64(kept, 1, metric.WithAttributes(attribute.Int("i", 1)))
			o.ObserveInt64(a, 2)
			o.ObserveInt64(b, 3)
			o.ObserveInt64(c, 4)
			return nil
		}, kept, a)
		if err != nil {
			t.Fatal(err)
		}
		mark := diagnosticCount()
		if got := gaugeValues(h.collectAll(t, 0)); got != "kept=1" {
			t.Errorf("collected %s, want kept=1", got)
		}
		for _, d := range diagnosticsSince(mark) {
			if strings.Contains(d.text, registeredDrop) || strings.Contains(d.text, strayDrop) {
				t.Errorf("an observation of a dropped instrument was reported: %s", d.text)
			}
		}
		var strayReports []diagnostic
		for _, d := range diagnosticsSince(mark) {
			if strings.Contains(d.text, stray) {
				strayReports = append(strayReports, d)
			}
		}
		if len(strayReports) != 1 || strayReports[0].channel != onLogger || strayReports[0].level != levelError {
			t.Errorf("the unregistered instrument with a stream: reports %+v, want one error of the global logger", strayReports)
		}
	})
}
