package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/fastmeter/fastmeter"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// errName names err by the sentinel it wraps, so that outcomes of both SDKs
// compare with errors.Is semantics.
func errName(err error) string {
	switch {
	case err == nil:
		return "nil"
	case errors.Is(err, sdkmetric.ErrReaderShutdown):
		return "ErrReaderShutdown"
	case errors.Is(err, sdkmetric.ErrReaderNotRegistered):
		return "ErrReaderNotRegistered"
	case errors.Is(err, sdkmetric.ErrInstrumentName):
		return "ErrInstrumentName"
	case errors.Is(err, context.DeadlineExceeded):
		return "DeadlineExceeded"
	}
	return "error"
}

// guarded runs scenario, turning a panic into "panic: ...".
func guarded(scenario func() string) (out string) {
	defer func() {
		if v := recover(); v != nil {
			out = fmt.Sprintf("panic: %v", v)
		}
	}()
	return scenario()
}

type zeroProviderValue interface {
	metric.MeterProvider
	ForceFlush(context.Context) error
	Shutdown(context.Context) error
}

// zeroProvider uses a zero MeterProvider as a program would: meters per
// scope, every instrument kind, a callback, flush and shutdown.
func zeroProvider(mp zeroProviderValue) string {
	ctx := context.Background()
	x1, x2, y := mp.Meter("x"), mp.Meter("x"), mp.Meter("y")
	var errs []string
	for _, in := range allInstruments {
		record, _, err := newInstrument(x1, in, "zero."+in.String(), attribute.NewSet(attribute.String("k", "v")),
			func() (float64, bool) { return 1, true })
		errs = append(errs, errName(err))
		if record != nil {
			record(1)
		}
	}
	gauge, err := x1.Int64ObservableGauge("zero.registered")
	errs = append(errs, errName(err))
	reg, err := x1.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(gauge, 1)
		return nil
	}, gauge)
	errs = append(errs, errName(err))
	if reg != nil {
		errs = append(errs, errName(reg.Unregister()))
	}
	slices.Sort(errs)
	errs = slices.Compact(errs)
	flush := errName(mp.ForceFlush(ctx))
	shutdown, again := errName(mp.Shutdown(ctx)), errName(mp.Shutdown(ctx))
	_, afterErr := mp.Meter("x").Int64Counter("after")
	return fmt.Sprintf("same meter per scope %v, other scope other meter %v, instrument errors %v, ForceFlush %s, Shutdown %s then %s, instrument after Shutdown %s",
		x1 == x2, x1 != y, errs, flush, shutdown, again, errName(afterErr))
}

type zeroReaderValue interface {
	Collect(context.Context, *metricdata.ResourceMetrics) error
	Shutdown(context.Context) error
}

// zeroReader uses a zero reader that was never registered.
func zeroReader(r zeroReaderValue) string {
	ctx := context.Background()
	var rm metricdata.ResourceMetrics
	collect := errName(r.Collect(ctx, &rm))
	shutdown, again := errName(r.Shutdown(ctx)), errName(r.Shutdown(ctx))
	after := errName(r.Collect(ctx, &rm))
	return fmt.Sprintf("Collect %s, Shutdown %s then %s, Collect after %s", collect, shutdown, again, after)
}

// zeroReaderInProvider registers a zero reader with a provider next to a
// working ManualReader (good) of the same SDK, and records.
func zeroReaderInProvider[R any](zero, good R, goodCollect func(context.Context, *metricdata.ResourceMetrics) error,
	with func(...R) (metric.MeterProvider, func(context.Context) error)) string {
	ctx := context.Background()
	mp, shutdown := with(zero, good)
	c, err := mp.Meter("zero").Int64Counter("c")
	c.Add(ctx, 1)
	var rm metricdata.ResourceMetrics
	zeroCollect := errName(any(zero).(zeroReaderValue).Collect(ctx, &rm))
	var gotRM metricdata.ResourceMetrics
	goodErr := goodCollect(ctx, &gotRM)
	return fmt.Sprintf("instrument %s, zero reader's Collect %s (%d metrics), working reader's Collect %s (%d metrics), Shutdown %s",
		errName(err), zeroCollect, len(flatten(rm)), errName(goodErr), len(flatten(gotRM)), errName(shutdown(ctx)))
}

// fastmeterWhereOfficialPanics is what fastmeter's zero values do where the
// official SDK's panic: a zero ManualReader works with the default
// configuration; a zero PeriodicReader has no exporter, so a provider does
// not register it (reported through otel.Handle) and goes on with its
// other readers, and its Shutdown returns nil, then ErrReaderShutdown.
var fastmeterWhereOfficialPanics = map[string]string{
	"ManualReader in a provider":   "instrument nil, zero reader's Collect nil (1 metrics), working reader's Collect nil (1 metrics), Shutdown nil",
	"PeriodicReader":               "Collect ErrReaderNotRegistered, Shutdown nil then ErrReaderShutdown, Collect after ErrReaderShutdown",
	"PeriodicReader in a provider": "instrument nil, zero reader's Collect ErrReaderNotRegistered (0 metrics), working reader's Collect nil (1 metrics), Shutdown nil",
}

// TestZeroValues (issue 16 item 1): every exported struct type's zero value
// is safe to use, as in the official SDK. Where the official zero value
// works, fastmeter's gives the same result; where it panics, fastmeter's
// must not, and gives fastmeterWhereOfficialPanics.
func TestZeroValues(t *testing.T) {
	official := map[string]string{}
	forEachSDK(t, func(t *testing.T, s sdk) {
		for name, scenario := range s.zeroValues {
			run(t, name, func(t *testing.T) {
				got := guarded(scenario)
				if s.name == "official" {
					official[name] = got
					t.Logf("official: %s", got)
					return
				}
				want, ok := official[name]
				if !ok {
					t.Fatalf("no official result for %q", name)
				}
				if len(want) > 6 && want[:6] == "panic:" {
					if want = fastmeterWhereOfficialPanics[name]; want == "" {
						t.Fatalf("the official SDK panics (%s) and no fastmeter result is stated", official[name])
					}
				}
				if got != want {
					t.Errorf("%s\nwant %s", got, want)
				}
			})
		}
	})
	t.Run("fastmeter BoundAdder and BoundRecorder", func(t *testing.T) {
		got := guarded(func() string {
			ctx := context.Background()
			var a fastmeter.BoundAdder[int64]
			a.Add(ctx, 1)
			var f fastmeter.BoundAdder[float64]
			f.Add(ctx, 1)
			var r fastmeter.BoundRecorder[float64]
			r.Record(ctx, 1)
			var ri fastmeter.BoundRecorder[int64]
			ri.Record(ctx, 1)
			return "no-op"
		})
		if got != "no-op" {
			t.Errorf("zero bound handles: %s, want no-ops", got)
		}
	})
}
