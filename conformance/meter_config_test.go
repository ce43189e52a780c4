package conformance

// The specification's MeterConfigurator (Development): a Meter whose
// MeterConfig is disabled "MUST behave equivalently to No-op Meter". The
// official SDK v1.47.0 has no MeterConfigurator, so the reference is a
// program that hands the official SDK's no-op Meter (metric/noop) to the
// disabled scopes: fastmeter with a configurator disabling those scopes
// must collect exactly what that program collects, on every instrument
// kind, callbacks included, with a cumulative and a delta reader.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/metric/x"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/fastmeter/fastmeter"
)

// configScopes are the workload's meters; the disabled ones are decided by
// name, version, schema URL and scope attributes.
var configScopes = []struct {
	name     string
	opts     []metric.MeterOption
	disabled bool
}{
	{"app", nil, false},
	{"noisy", nil, true},
	{"lib", []metric.MeterOption{metric.WithInstrumentationVersion("0.1-beta")}, true},
	{"lib", []metric.MeterOption{metric.WithInstrumentationVersion("1.0")}, false},
	{"legacy", []metric.MeterOption{metric.WithSchemaURL("https://example.com/schemas/0.1")}, true},
	{"tiered", []metric.MeterOption{metric.WithInstrumentationAttributes(attribute.String("tier", "debug"))}, true},
}

// disabledScope is the configurator's rule for configScopes.
func disabledScope(s instrumentation.Scope) bool {
	tier, _ := s.Attributes.Value("tier")
	return s.Name == "noisy" || s.Version == "0.1-beta" || s.SchemaURL == "https://example.com/schemas/0.1" || tier.AsString() == "debug"
}

// configWorkload creates every instrument kind (and a multi-instrument
// callback and bound instruments) on each meter, then records the same
// pseudo-random measurements for rounds rounds, collecting both readers
// after each. active(scope, round) says whether the program measures into
// a scope in that round (the reference skips measuring what a disabled
// meter would drop).
func configWorkload(t *testing.T, meters []metric.Meter, collect [2]func(context.Context, *metricdata.ResourceMetrics) error,
	rounds int, active func(scope, round int) bool) [][2]metricdata.ResourceMetrics {
	ctx := context.Background()
	round := 0
	type scopeRecorders struct {
		sync  []func(float64, attribute.Set)
		bound metric.Int64Counter
	}
	var recs []scopeRecorders
	for si, m := range meters {
		var sr scopeRecorders
		for _, in := range allInstruments {
			if in.observable() {
				observeAll := func(observe func(float64, attribute.Set)) {
					if !active(si, round) {
						return
					}
					for a, kvs := range attrPool {
						observe(float64(10*round+a)+0.25, attribute.NewSet(kvs...))
					}
				}
				if err := registerObservable(m, in, observeAll); err != nil {
					t.Fatal(err)
				}
				continue
			}
			sr.sync = append(sr.sync, syncRecorder(t, m, in))
		}
		g, err := m.Int64ObservableGauge("multi.gauge")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
			if active(si, round) {
				o.ObserveInt64(g, int64(100+round))
			}
			return nil
		}, g); err != nil {
			t.Fatal(err)
		}
		c, err := m.Int64Counter("bound.counter")
		if err != nil {
			t.Fatal(err)
		}
		if b, ok := c.(x.Int64CounterBinder); ok {
			sr.bound = b.Bind(attribute.String("bound", "yes"))
		} else { // the no-op meter's counter: what a program not using Bind would record
			sr.bound = c
		}
		recs = append(recs, sr)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var out [][2]metricdata.ResourceMetrics
	for round = 0; round < rounds; round++ {
		for range 300 {
			si := rng.IntN(len(recs))
			i := rng.IntN(len(recs[si].sync))
			v := float64(rng.IntN(400)) / 4
			set := attribute.NewSet(attrPool[rng.IntN(len(attrPool))]...)
			if !active(si, round) {
				continue
			}
			recs[si].sync[i](v, set)
			recs[si].bound.Add(ctx, 1, metric.WithAttributes(attribute.String("bound", "yes")))
		}
		var got [2]metricdata.ResourceMetrics
		for r := range 2 {
			if err := collect[r](ctx, &got[r]); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, got)
	}
	return out
}

// officialMeters builds the reference program's provider: the official SDK
// for the enabled scopes, noop.Meter for the disabled ones.
func officialMeters() ([]metric.Meter, [2]func(context.Context, *metricdata.ResourceMetrics) error) {
	cum, delta := sdkmetric.NewManualReader(), sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(allDelta))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(cum), sdkmetric.WithReader(delta))
	var meters []metric.Meter
	for _, s := range configScopes {
		if s.disabled {
			meters = append(meters, noop.Meter{})
			continue
		}
		meters = append(meters, mp.Meter(s.name, s.opts...))
	}
	return meters, [2]func(context.Context, *metricdata.ResourceMetrics) error{cum.Collect, delta.Collect}
}

func fastmeterConfigured(opts ...fastmeter.Option) (*fastmeter.MeterProvider, []metric.Meter, [2]func(context.Context, *metricdata.ResourceMetrics) error) {
	cum, delta := fastmeter.NewManualReader(), fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(allDelta))
	mp := fastmeter.NewMeterProvider(append([]fastmeter.Option{fastmeter.WithReader(cum), fastmeter.WithReader(delta)}, opts...)...)
	var meters []metric.Meter
	for _, s := range configScopes {
		meters = append(meters, mp.Meter(s.name, s.opts...))
	}
	return mp, meters, [2]func(context.Context, *metricdata.ResourceMetrics) error{cum.Collect, delta.Collect}
}

func TestMeterConfiguratorDisabledIsNoopMeter(t *testing.T) {
	const rounds = 3
	always := func(int, int) bool { return true }
	refMeters, refCollect := officialMeters()
	want := configWorkload(t, refMeters, refCollect, rounds, always)

	_, meters, fmCollect := fastmeterConfigured(fastmeter.WithMeterConfigurator(func(s instrumentation.Scope) fastmeter.MeterConfig {
		return fastmeter.MeterConfig{Disabled: disabledScope(s)}
	}))
	got := configWorkload(t, meters, fmCollect, rounds, always)
	for _, rm := range []metricdata.ResourceMetrics{want[rounds-1][0], got[rounds-1][0]} { // not vacuous
		if n := len(rm.ScopeMetrics); n != 2 || len(flatten(rm)) != 2*(len(allInstruments)+2) {
			t.Fatalf("%d scopes, %d metrics: want the 2 enabled scopes, each with every instrument", n, len(flatten(rm)))
		}
	}
	for r := range rounds {
		for reader := range 2 {
			t.Run(fmt.Sprintf("round%d/reader%d", r, reader), func(t *testing.T) {
				metricdatatest.AssertEqual(t, want[r][reader], got[r][reader], metricdatatest.IgnoreTimestamp())
			})
		}
	}
}

// Switching at run time: scope "noisy" is disabled in rounds 1 and 2 and
// enabled otherwise. The reference program measures into the official SDK
// only in the rounds the scope is enabled and leaves the scope out of the
// collections of the other rounds: a disabled period drops measurements and
// exports nothing, and re-enabling continues the streams (cumulative values
// go on from where they were; a delta point holds what was measured since
// the last export). Synchronous instruments only: the reference cannot
// reproduce a delta observable counter's baseline across the gap (the
// official SDK resets it when a callback skips a set; fastmeter keeps it,
// see the root TestMeterConfigCallbacksNotRun).
func TestMeterConfiguratorSwitchMatchesReference(t *testing.T) {
	const rounds, noisy = 5, 1
	off := func(round int) bool { return round == 1 || round == 2 }
	active := func(scope, round int) bool {
		return !configScopes[scope].disabled || (scope == noisy && !off(round))
	}
	syncOnly := func(rm metricdata.ResourceMetrics, dropNoisy bool) metricdata.ResourceMetrics {
		var out []metricdata.ScopeMetrics
		for _, sm := range rm.ScopeMetrics {
			if dropNoisy && sm.Scope.Name == "noisy" {
				continue
			}
			var ms []metricdata.Metrics
			for _, m := range sm.Metrics {
				if !slices.ContainsFunc(allInstruments, func(in instr) bool { return in.observable() && in.String() == m.Name }) && m.Name != "multi.gauge" {
					ms = append(ms, m)
				}
			}
			sm.Metrics = ms
			out = append(out, sm)
		}
		rm.ScopeMetrics = out
		return rm
	}

	// The reference: "noisy" is a real official meter.
	cum, delta := sdkmetric.NewManualReader(), sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(allDelta))
	omp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(cum), sdkmetric.WithReader(delta))
	refMeters, _ := officialMeters()
	refMeters[noisy] = omp.Meter("noisy")
	for i, s := range configScopes {
		if !s.disabled {
			refMeters[i] = omp.Meter(s.name, s.opts...)
		}
	}
	want := configWorkload(t, refMeters, [2]func(context.Context, *metricdata.ResourceMetrics) error{cum.Collect, delta.Collect}, rounds, active)

	var mp *fastmeter.MeterProvider
	configure := func(round int) {
		mp.SetMeterConfigurator(func(s instrumentation.Scope) fastmeter.MeterConfig {
			return fastmeter.MeterConfig{Disabled: disabledScope(s) && (s.Name != "noisy" || off(round))}
		})
	}
	mp, meters, fmCollect := fastmeterConfigured()
	configure(0)
	round := 0
	collectAndSwitch := [2]func(context.Context, *metricdata.ResourceMetrics) error{
		fmCollect[0],
		func(ctx context.Context, rm *metricdata.ResourceMetrics) error { // the last collection of a round: switch for the next
			err := fmCollect[1](ctx, rm)
			round++
			configure(round)
			return err
		},
	}
	got := configWorkload(t, meters, collectAndSwitch, rounds, func(int, int) bool { return true })
	for r := range rounds { // not vacuous: "noisy" is exported exactly in its enabled rounds
		exported := slices.ContainsFunc(got[r][0].ScopeMetrics, func(sm metricdata.ScopeMetrics) bool { return sm.Scope.Name == "noisy" })
		if exported == off(r) {
			t.Fatalf("round %d: noisy exported %v, want %v", r, exported, !off(r))
		}
	}
	for r := range rounds {
		for reader := range 2 {
			t.Run(fmt.Sprintf("round%d/reader%d", r, reader), func(t *testing.T) {
				metricdatatest.AssertEqual(t, syncOnly(want[r][reader], off(r)), syncOnly(got[r][reader], false), metricdatatest.IgnoreTimestamp())
			})
		}
	}
}
