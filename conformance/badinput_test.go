package conformance

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// badValuesKept says, per SDK, whether a bad measurement (NaN, ±Inf, a
// negative Counter increment or observation) of instrument in is aggregated
// as it is (true) or dropped (false). The official SDK does not validate
// values: it aggregates them, so one NaN turns a sum into NaN for good.
// fastmeter's policy is recorded in fastmeter_sdk_test.go. Either way the
// valid measurements must all be kept.
var badValuesKept = map[string]func(in instr, bad float64) bool{
	"official": func(instr, float64) bool { return true },
}

var (
	goodSeries = attribute.NewSet(attribute.String("series", "good"))
	badSeries  = attribute.NewSet(attribute.String("series", "bad"))
)

// pointSummary is what the bad-input checks need from one data point.
type pointSummary struct {
	value float64 // sum or gauge value; histogram sum
	count uint64  // histogram count; 1 for sums and gauges
}

func summarize(m metricdata.Metrics, attrs attribute.Set) (pointSummary, bool) {
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			if p.Attributes.Equals(&attrs) {
				return pointSummary{float64(p.Value), 1}, true
			}
		}
	case metricdata.Sum[float64]:
		for _, p := range d.DataPoints {
			if p.Attributes.Equals(&attrs) {
				return pointSummary{p.Value, 1}, true
			}
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			if p.Attributes.Equals(&attrs) {
				return pointSummary{p.Value, 1}, true
			}
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			if p.Attributes.Equals(&attrs) {
				return pointSummary{p.Sum, p.Count}, true
			}
		}
	}
	return pointSummary{}, false
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// TestBadValues: for every instrument that can receive a bad value, a
// "good" series gets only valid measurements and a "bad" series gets a valid
// measurement (1) and then the bad one. Nothing may panic, the good series
// must be exact, and the bad series must show the SDK's policy: the bad value
// aggregated (kept) or ignored (dropped), never anything else.
func TestBadValues(t *testing.T) {
	type badCase struct {
		in  instr
		bad float64
	}
	var cases []badCase
	for _, kind := range allKinds {
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			cases = append(cases, badCase{instr{kind: kind, float: true}, bad})
		}
	}
	for _, in := range []instr{
		{kind: sdkmetric.InstrumentKindCounter},
		{kind: sdkmetric.InstrumentKindCounter, float: true},
		{kind: sdkmetric.InstrumentKindObservableCounter},
		{kind: sdkmetric.InstrumentKindObservableCounter, float: true},
	} {
		cases = append(cases, badCase{in, -5})
	}

	forEachSDK(t, func(t *testing.T, s sdk) {
		keeps, ok := badValuesKept[s.name]
		if !ok {
			t.Fatalf("badValuesKept has no policy for %s", s.name)
		}
		for i, tc := range cases {
			run(t, fmt.Sprintf("%v/%v", tc.in, tc.bad), func(t *testing.T) {
				// Unique, so a report found in the shared global log is this
				// case's.
				badName := uniqueName(fmt.Sprintf("bad.%s.%d", s.name, i))
				wantKept := keeps(tc.in, tc.bad)
				h := s.manual(t, providerConfig{})
				meter := h.provider.Meter("bad")
				// Two instruments, so that each observable has its own
				// callback (a second identical registration would share the
				// first one's instrument and ignore its callback).
				good, _, err := newInstrument(meter, tc.in, "good", goodSeries, func() (float64, bool) { return 1, true })
				if err != nil {
					t.Fatal(err)
				}
				bad, _, err := newInstrument(meter, tc.in, badName, badSeries, func() (float64, bool) { return tc.bad, true })
				if err != nil {
					t.Fatal(err)
				}
				if !tc.in.observable() {
					good(1)
					bad(1)
					bad(tc.bad)
				}
				got := h.collectMetrics(t)
				goodMetric, _ := findMetric(got, "good")
				if p, ok := summarize(goodMetric, goodSeries); !ok || p != (pointSummary{1, 1}) {
					t.Errorf("valid series changed by a bad value elsewhere: got %+v (present %v), want value 1 count 1", p, ok)
				}
				badMetric, _ := findMetric(got, badName)
				p, present := summarize(badMetric, badSeries)
				var kept, dropped bool
				switch {
				case tc.in.observable():
					kept = present && sameFloat(p.value, tc.bad)
					dropped = !present
				case tc.in.kind == sdkmetric.InstrumentKindHistogram:
					kept = present && p.count == 2
					dropped = present && p.count == 1 && p.value == 1
				case tc.in.kind == sdkmetric.InstrumentKindGauge:
					kept = present && sameFloat(p.value, tc.bad)
					dropped = present && p.value == 1
				default: // sums
					kept = present && sameFloat(p.value, 1+tc.bad)
					dropped = present && p.value == 1
				}
				switch {
				case wantKept && !kept:
					t.Errorf("%s keeps bad values, but the bad series is %+v (present %v)", s.name, p, present)
				case !wantKept && !dropped:
					t.Errorf("%s drops bad values, but the bad series is %+v (present %v)", s.name, p, present)
				case !wantKept && !globalLogMentions(badName):
					t.Errorf("%s dropped a bad value of %q silently: nothing sent to otel.Handle or the global logger", s.name, badName)
				}
			})
		}
	})
}

// TestNilInputs: nil options, nil contexts, nil callbacks, nil
// ResourceMetrics. The official SDK (or the API's option helpers it calls)
// panics on some of these; the issue demands that fastmeter never panics. The
// test asserts each SDK's own behaviour: the official one must still panic
// where this table says so (so the documented difference cannot go stale),
// every other SDK must not panic anywhere.
func TestNilInputs(t *testing.T) {
	ctx := context.Background()
	apiCases := []struct {
		name          string
		officialPanic bool
		run           func(t *testing.T, h manualHarness)
	}{
		{"Meter(name, nil option)", true, func(t *testing.T, h manualHarness) { h.provider.Meter("m", nil) }},
		{"Int64Counter(name, nil option)", true, func(t *testing.T, h manualHarness) {
			_, _ = h.provider.Meter("m").Int64Counter("c", nil)
		}},
		{"Add(ctx, 1, nil option)", true, func(t *testing.T, h manualHarness) {
			c, _ := h.provider.Meter("m").Int64Counter("c")
			c.Add(ctx, 1, nil)
		}},
		{"Add with a nil context", false, func(t *testing.T, h manualHarness) {
			c, _ := h.provider.Meter("m").Int64Counter("c")
			c.Add(nil, 1) //nolint:staticcheck // nil context on purpose
			h.collectMetrics(t)
		}},
		{"nil per-instrument callback, then Collect", true, func(t *testing.T, h manualHarness) {
			_, _ = h.provider.Meter("m").Int64ObservableCounter("o", metric.WithInt64Callback(nil))
			var rm metricdata.ResourceMetrics
			_ = h.collect[0](ctx, &rm)
		}},
		{"RegisterCallback(nil)", false, func(t *testing.T, h manualHarness) {
			_, _ = h.provider.Meter("m").RegisterCallback(nil)
			h.collectMetrics(t)
		}},
		{"RegisterCallback with a nil observable", false, func(t *testing.T, h manualHarness) {
			_, err := h.provider.Meter("m").RegisterCallback(func(context.Context, metric.Observer) error { return nil }, nil)
			if err == nil {
				t.Errorf("RegisterCallback(f, nil): want an error")
			}
		}},
		{"Collect into a nil ResourceMetrics", false, func(t *testing.T, h manualHarness) {
			if err := h.collect[0](ctx, nil); err == nil {
				t.Errorf("Collect(ctx, nil): want an error")
			}
		}},
		{"Shutdown with a nil context", false, func(t *testing.T, h manualHarness) {
			_ = h.shutdown(nil) //nolint:staticcheck // nil context on purpose
		}},
	}
	// Which of the adapter's nilOptionCalls the official SDK panics on.
	officialPanicsOnOption := map[string]bool{
		"NewMeterProvider(nil)":            true,
		"NewManualReader(nil)":             true,
		"NewPeriodicReader(exporter, nil)": true,
		"WithReader(nil)":                  false,
		"WithResource(nil)":                false,
		"WithView(nil view) then record":   true,
	}
	checkPanic := func(t *testing.T, s sdk, officialPanic bool, f func()) {
		t.Helper()
		panicked, value := didPanic(f)
		switch {
		case s.name == "official" && panicked != officialPanic:
			t.Errorf("official SDK: panicked = %v (%v), this table says %v", panicked, value, officialPanic)
		case s.name != "official" && panicked:
			t.Errorf("%s panicked: %v", s.name, value)
		}
	}
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, tc := range apiCases {
			run(t, tc.name, func(t *testing.T) {
				h := s.manual(t, providerConfig{})
				checkPanic(t, s, tc.officialPanic, func() { tc.run(t, h) })
			})
		}
		for name, officialPanic := range officialPanicsOnOption {
			run(t, name, func(t *testing.T) {
				call, ok := s.nilOptionCalls[name]
				if !ok {
					t.Fatalf("adapter %s has no nilOptionCalls[%q]", s.name, name)
				}
				checkPanic(t, s, officialPanic, call)
			})
		}
	})
}

func didPanic(f func()) (panicked bool, value any) {
	defer func() {
		if r := recover(); r != nil {
			panicked, value = true, r
		}
	}()
	f()
	return false, nil
}

// TestAfterShutdown: every call after MeterProvider.Shutdown is safe;
// readers report ErrReaderShutdown (the official value, so errors.Is works
// across both SDKs).
func TestAfterShutdown(t *testing.T) {
	ctx := context.Background()
	forEachSDK(t, func(t *testing.T, s sdk) {
		h := s.manual(t, providerConfig{})
		meter := h.provider.Meter("after")
		c, _ := meter.Int64Counter("before")
		c.Add(ctx, 1)
		if err := h.shutdown(ctx); err != nil {
			t.Fatalf("first Shutdown: %v", err)
		}
		if panicked, v := didPanic(func() {
			c.Add(ctx, 1)
			late, err := h.provider.Meter("late").Int64Counter("late")
			if err != nil {
				t.Errorf("instrument created after Shutdown: error %v", err)
			}
			late.Add(ctx, 1)
			if late.Enabled(ctx) {
				t.Errorf("instrument created after Shutdown is Enabled")
			}
			if _, err := meter.Int64ObservableGauge("late.obs", metric.WithInt64Callback(
				func(_ context.Context, o metric.Int64Observer) error { o.Observe(1); return nil })); err != nil {
				t.Errorf("observable created after Shutdown: error %v", err)
			}
		}); panicked {
			t.Fatalf("panic after Shutdown: %v", v)
		}
		var rm metricdata.ResourceMetrics
		if err := h.collect[0](ctx, &rm); !errors.Is(err, sdkmetric.ErrReaderShutdown) {
			t.Errorf("Collect after Shutdown = %v, want ErrReaderShutdown", err)
		}
		if err := h.shutdown(ctx); !errors.Is(err, sdkmetric.ErrReaderShutdown) {
			t.Errorf("second Shutdown = %v, want ErrReaderShutdown", err)
		}
		if err := h.readerShutdown[0](ctx); !errors.Is(err, sdkmetric.ErrReaderShutdown) {
			t.Errorf("reader Shutdown after provider Shutdown = %v, want ErrReaderShutdown", err)
		}
		if err := h.forceFlush(ctx); err != nil {
			t.Errorf("ForceFlush after Shutdown = %v, want nil (as the official SDK)", err)
		}
	})
}
