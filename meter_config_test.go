package fastmeter_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/x"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// disableNames is a MeterConfigurator disabling the meters of the given
// names.
func disableNames(names ...string) fastmeter.MeterConfigurator {
	return func(s instrumentation.Scope) fastmeter.MeterConfig {
		return fastmeter.MeterConfig{Disabled: slices.Contains(names, s.Name)}
	}
}

// scopeNames lists the scopes of rm, in order.
func scopeNames(rm metricdata.ResourceMetrics) []string {
	var names []string
	for _, sm := range rm.ScopeMetrics {
		names = append(names, sm.Scope.Name)
	}
	return names
}

// sumOf is the value of the single point of the int64 sum name in scope
// (ok false when the scope or metric is absent).
func sumOf(rm metricdata.ResourceMetrics, scope, name string) (int64, bool) {
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != scope {
			continue
		}
		for _, m := range sm.Metrics {
			if m.Name == name {
				var total int64
				for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
					total += p.Value
				}
				return total, true
			}
		}
	}
	return 0, false
}

// syncInstruments are one of each synchronous kind, made by m.
type syncInstruments struct {
	ic  metric.Int64Counter
	fc  metric.Float64Counter
	iu  metric.Int64UpDownCounter
	fu  metric.Float64UpDownCounter
	ih  metric.Int64Histogram
	fh  metric.Float64Histogram
	ig  metric.Int64Gauge
	fg  metric.Float64Gauge
	err error
}

func newSyncInstruments(m metric.Meter) syncInstruments {
	var s syncInstruments
	var errs [8]error
	s.ic, errs[0] = m.Int64Counter("ic")
	s.fc, errs[1] = m.Float64Counter("fc")
	s.iu, errs[2] = m.Int64UpDownCounter("iu")
	s.fu, errs[3] = m.Float64UpDownCounter("fu")
	s.ih, errs[4] = m.Int64Histogram("ih")
	s.fh, errs[5] = m.Float64Histogram("fh")
	s.ig, errs[6] = m.Int64Gauge("ig")
	s.fg, errs[7] = m.Float64Gauge("fg")
	s.err = errors.Join(errs[:]...)
	return s
}

// record makes one measurement on every instrument, through every path:
// no attributes, a set, attributes per call, bound handles and x binders.
func (s syncInstruments) record(ctx context.Context) {
	set := attribute.NewSet(attribute.String("k", "v"))
	opt := metric.WithAttributeSet(set)
	s.ic.Add(ctx, 1)
	s.ic.Add(ctx, 1, opt)
	s.ic.Add(ctx, 1, metric.WithAttributes(attribute.Int("n", 1)), opt)
	fastmeter.BindAdder(s.ic, set).Add(ctx, 1)
	s.ic.(x.Int64CounterBinder).Bind(attribute.String("k", "v")).Add(ctx, 1)
	s.fc.Add(ctx, 1.5)
	s.fc.Add(ctx, 1.5, opt)
	fastmeter.BindAdder(s.fc, set).Add(ctx, 1.5)
	s.iu.Add(ctx, -1)
	s.iu.Add(ctx, -1, opt)
	s.fu.Add(ctx, -1.5, opt)
	s.ih.Record(ctx, 3)
	s.ih.Record(ctx, 3, opt)
	fastmeter.BindRecorder(s.ih, set).Record(ctx, 3)
	s.ih.(x.Int64HistogramBinder).Bind(attribute.String("k", "v")).Record(ctx, 3, metric.WithAttributes(attribute.Int("n", 2)))
	s.fh.Record(ctx, 3.5, opt)
	s.ig.Record(ctx, 4)
	s.fg.Record(ctx, 4.5, opt)
}

// enabled reports Enabled of each instrument and of a bound one.
func (s syncInstruments) enabled(ctx context.Context) []bool {
	return []bool{
		s.ic.Enabled(ctx), s.fc.Enabled(ctx), s.iu.Enabled(ctx), s.fu.Enabled(ctx),
		s.ih.Enabled(ctx), s.fh.Enabled(ctx), s.ig.Enabled(ctx), s.fg.Enabled(ctx),
		s.ic.(x.Int64CounterBinder).Bind().Enabled(ctx),
		s.fg.(x.Float64GaugeBinder).Bind().Enabled(ctx),
	}
}

func allAre(bs []bool, want bool) bool {
	for _, b := range bs {
		if b != want {
			return false
		}
	}
	return true
}

// A disabled meter records nothing, on every instrument kind and path, its
// instruments' Enabled is false, and no stream of its scope is exported;
// its neighbours are unaffected. Re-enabling works on the same instruments.
func TestMeterConfigDisabledMeterIsNoop(t *testing.T) {
	ctx := context.Background()
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithMeterConfigurator(disableNames("off")))
	on, off := newSyncInstruments(mp.Meter("on")), newSyncInstruments(mp.Meter("off"))
	if on.err != nil || off.err != nil {
		t.Fatal(on.err, off.err)
	}
	if !allAre(on.enabled(ctx), true) || !allAre(off.enabled(ctx), false) {
		t.Fatalf("Enabled: enabled meter %v, disabled meter %v", on.enabled(ctx), off.enabled(ctx))
	}
	on.record(ctx)
	off.record(ctx)
	for _, fin := range []x.Finisher{off.ic.(x.Finisher), off.ih.(x.Finisher)} {
		fin.Finish(ctx) // a no-op on a disabled meter
	}
	if got := scopeNames(collect(t, r)); !slices.Equal(got, []string{"on"}) {
		t.Fatalf("scopes %v, want only [on]", got)
	}

	mp.SetMeterConfigurator(nil) // every meter enabled
	if !allAre(off.enabled(ctx), true) {
		t.Fatalf("Enabled after re-enabling: %v", off.enabled(ctx))
	}
	off.record(ctx)
	rm := collect(t, r)
	if got := scopeNames(rm); !slices.Equal(got, []string{"on", "off"}) {
		t.Fatalf("scopes %v, want [on off]", got)
	}
	// Exactly one round of measurements in "off", as in "on" after its
	// one round: the disabled round left no trace.
	for _, name := range []string{"ic", "iu"} {
		onV, _ := sumOf(rm, "on", name)
		offV, ok := sumOf(rm, "off", name)
		if !ok || offV != onV {
			t.Errorf("%s: re-enabled meter has %d (present %v), want %d as the enabled meter after one round", name, offV, ok, onV)
		}
	}
}

// The configurator sees the whole scope: name, version, schema URL and
// attributes each decide.
func TestMeterConfiguratorDecidesByScope(t *testing.T) {
	r := fastmeter.NewManualReader()
	var seen []instrumentation.Scope
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithMeterConfigurator(func(s instrumentation.Scope) fastmeter.MeterConfig {
		seen = append(seen, s) // calls never overlap: no lock needed
		tier, _ := s.Attributes.Value("tier")
		return fastmeter.MeterConfig{Disabled: s.Name == "by-name" || s.Version == "v0-beta" ||
			s.SchemaURL == "https://example.com/old" || tier.AsString() == "debug"}
	}))
	meters := map[string]metric.Meter{
		"by-name":    mp.Meter("by-name"),
		"by-version": mp.Meter("by-version", metric.WithInstrumentationVersion("v0-beta")),
		"by-schema":  mp.Meter("by-schema", metric.WithSchemaURL("https://example.com/old")),
		"by-attrs":   mp.Meter("by-attrs", metric.WithInstrumentationAttributes(attribute.String("tier", "debug"))),
		"kept":       mp.Meter("kept", metric.WithInstrumentationVersion("v1"), metric.WithInstrumentationAttributes(attribute.String("tier", "prod"))),
	}
	mp.Meter("kept", metric.WithInstrumentationVersion("v1"), metric.WithInstrumentationAttributes(attribute.String("tier", "prod"))) // the same meter: not configured again
	if len(seen) != len(meters) {
		t.Fatalf("configurator called %d times, want once per meter (%d)", len(seen), len(meters))
	}
	for name, m := range meters {
		c, _ := m.Int64Counter("c")
		c.Add(context.Background(), 1)
		if want := name == "kept"; c.Enabled(context.Background()) != want {
			t.Errorf("%s: Enabled %v, want %v", name, !want, want)
		}
	}
	if got := scopeNames(collect(t, r)); !slices.Equal(got, []string{"kept"}) {
		t.Fatalf("scopes %v, want [kept]", got)
	}
}

// A disabled meter's callbacks, the instruments' own and RegisterCallback's,
// are not run; enabled again they are, and a delta observable counter
// reports the change since its last report before it was disabled.
func TestMeterConfigCallbacksNotRun(t *testing.T) {
	cum := fastmeter.NewManualReader()
	delta := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality {
		return metricdata.DeltaTemporality
	}))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(cum), fastmeter.WithReader(delta))
	m := mp.Meter("cb")
	var own, multi atomic.Int64
	var value atomic.Int64
	_, err := m.Int64ObservableCounter("own", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		own.Add(1)
		o.Observe(value.Load())
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := m.Float64ObservableGauge("multi")
	if _, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		multi.Add(1)
		o.ObserveFloat64(g, 1)
		return nil
	}, g); err != nil {
		t.Fatal(err)
	}

	value.Store(10)
	if v, _ := sumOf(collect(t, delta), "cb", "own"); v != 10 {
		t.Fatalf("first delta %d, want 10", v)
	}
	collect(t, cum)
	own.Store(0)
	multi.Store(0)

	mp.SetMeterConfigurator(disableNames("cb"))
	value.Store(25)
	for range 3 {
		for _, r := range []*fastmeter.ManualReader{cum, delta} {
			if got := scopeNames(collect(t, r)); len(got) != 0 {
				t.Fatalf("disabled meter exported %v", got)
			}
		}
	}
	if own.Load() != 0 || multi.Load() != 0 {
		t.Fatalf("callbacks of a disabled meter ran: own %d, multi %d times", own.Load(), multi.Load())
	}

	mp.SetMeterConfigurator(disableNames())
	value.Store(30)
	if v, _ := sumOf(collect(t, delta), "cb", "own"); v != 20 {
		t.Fatalf("delta after re-enabling %d, want 20 (30 - the 10 last reported)", v)
	}
	if v, _ := sumOf(collect(t, cum), "cb", "own"); v != 30 {
		t.Fatalf("cumulative after re-enabling %d, want 30", v)
	}
	if own.Load() != 2 || multi.Load() != 2 { // one collection of each reader
		t.Fatalf("callbacks after re-enabling: own %d, multi %d runs, want 2 each", own.Load(), multi.Load())
	}
}

// Meters and instruments created before and after a change follow the
// current configuration; an instrument created while its meter is disabled
// is created as usual (the same error for an invalid name) and works once
// enabled; a cumulative stream continues, keeping its start time.
func TestMeterConfigBeforeAndAfterCreation(t *testing.T) {
	ctx := context.Background()
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	early := mp.Meter("early")
	c1, _ := early.Int64Counter("c1")
	c1.Add(ctx, 5)
	// Bound handles warmed while enabled (one reader: they keep the
	// series' cell and add to it directly).
	bound := fastmeter.BindAdder(c1, *attribute.EmptySet())
	xbound := c1.(x.Int64CounterBinder).Bind()
	bound.Add(ctx, 1)
	xbound.Add(ctx, 1)
	first := collect(t, r)
	start := metricNamed(t, first, "c1").Data.(metricdata.Sum[int64]).DataPoints[0].StartTime

	mp.SetMeterConfigurator(disableNames("early", "late"))
	late := mp.Meter("late")
	c2, errDisabled := late.Int64Counter("bad name!")
	_, errEnabled := mp.Meter("other").Int64Counter("bad name!")
	if errDisabled == nil || errEnabled == nil || errDisabled.Error() != errEnabled.Error() {
		t.Fatalf("invalid name: disabled meter's error %v, enabled meter's %v: want the same", errDisabled, errEnabled)
	}
	c3, _ := early.Int64Counter("c3") // created while disabled
	for _, c := range []metric.Int64Counter{c1, c2, c3, xbound} {
		if c.Enabled(ctx) {
			t.Fatal("an instrument of a disabled meter is enabled")
		}
		c.Add(ctx, 100)
	}
	bound.Add(ctx, 100)

	mp.SetMeterConfigurator(disableNames("other"))
	for _, c := range []metric.Int64Counter{c1, c2, c3, xbound} {
		c.Add(ctx, 2)
	}
	bound.Add(ctx, 2)
	rm := collect(t, r)
	if got := scopeNames(rm); !slices.Equal(got, []string{"early", "late"}) {
		t.Fatalf("scopes %v, want [early late]", got)
	}
	for scope, want := range map[string]map[string]int64{"early": {"c1": 5 + 1 + 1 + 2 + 2 + 2, "c3": 2}, "late": {"bad name!": 2}} {
		for name, v := range want {
			if got, ok := sumOf(rm, scope, name); !ok || got != v {
				t.Errorf("%s/%s = %d (present %v), want %d", scope, name, got, ok, v)
			}
		}
	}
	if s := metricNamed(t, rm, "c1").Data.(metricdata.Sum[int64]).DataPoints[0].StartTime; !s.Equal(start) {
		t.Errorf("start time after re-enabling %v, want the original %v", s, start)
	}
}

// The zero MeterProvider accepts a configurator, before and after its
// meters exist (it has no readers, so its instruments are never enabled).
func TestMeterConfiguratorZeroValueProvider(t *testing.T) {
	var mp fastmeter.MeterProvider
	before, _ := mp.Meter("before").Int64Counter("c")
	mp.SetMeterConfigurator(disableNames("before", "after"))
	after, _ := mp.Meter("after").Int64Counter("c")
	before.Add(context.Background(), 1)
	after.Add(context.Background(), 1)
	mp.SetMeterConfigurator(nil)
	if before.Enabled(context.Background()) || after.Enabled(context.Background()) {
		t.Fatal("an instrument of a provider without readers is enabled")
	}
}

// A panicking configurator is reported and leaves the meter as it was.
func TestMeterConfiguratorPanicIsContained(t *testing.T) {
	errs := recordErrors(t)
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithMeterConfigurator(func(instrumentation.Scope) fastmeter.MeterConfig {
		panic("boom")
	}))
	c, _ := mp.Meter("m").Int64Counter("c")
	if !c.Enabled(context.Background()) || !errs.contains("MeterConfigurator panicked") {
		t.Fatal("a panicking configurator must leave a new meter enabled, reported")
	}
	mp.SetMeterConfigurator(disableNames("m"))
	mp.SetMeterConfigurator(func(instrumentation.Scope) fastmeter.MeterConfig { panic("again") })
	if c.Enabled(context.Background()) {
		t.Fatal("a panicking configurator changed the meter's configuration")
	}
}

// Flipping the configuration while 8 goroutines measure. Phases alternate
// enabled and disabled; each phase's measurements start after the switch
// and end before the next one, so the totals are exact: the enabled phases'
// measurements, counted once, on every path. Meanwhile a second meter that
// the configurator always enables, re-evaluated by every switch, must keep
// every measurement, even while the first is switched concurrently.
func TestMeterConfigSwitchWhileMeasuring(t *testing.T) {
	const goroutines, perPhase, phases = 8, 500, 10
	ctx := context.Background()
	cum := fastmeter.NewManualReader()
	delta := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality {
		return metricdata.DeltaTemporality
	}))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(cum), fastmeter.WithReader(delta))
	flip, steady := mp.Meter("flip"), mp.Meter("steady")
	set := attribute.NewSet(attribute.String("k", "v"))
	type target struct {
		c     metric.Int64Counter
		f     metric.Float64Counter
		bound *fastmeter.BoundAdder[int64]
		xb    metric.Int64Counter
	}
	newTarget := func(m metric.Meter) target {
		c, _ := m.Int64Counter("c")
		f, _ := m.Float64Counter("f")
		return target{c: c, f: f, bound: fastmeter.BindAdder(c, set), xb: c.(x.Int64CounterBinder).Bind(attribute.String("k", "x"))}
	}
	tf, ts := newTarget(flip), newTarget(steady)
	measure := func(t target) {
		t.c.Add(ctx, 1)
		t.c.Add(ctx, 1, metric.WithAttributeSet(set))
		t.bound.Add(ctx, 1)
		t.xb.Add(ctx, 1)
		t.f.Add(ctx, 1)
	}
	const perRound = 4 // int64 counter's measurements per measure call
	run := func(concurrently func()) {
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				for range perPhase {
					measure(tf)
					measure(ts)
				}
			})
		}
		if concurrently != nil {
			concurrently()
		}
		wg.Wait()
	}
	floatSum := func(rm metricdata.ResourceMetrics, scope string) float64 {
		for _, sm := range rm.ScopeMetrics {
			if sm.Scope.Name == scope {
				for _, m := range sm.Metrics {
					if m.Name == "f" {
						return m.Data.(metricdata.Sum[float64]).DataPoints[0].Value
					}
				}
			}
		}
		return -1
	}

	var enabledPhases int64
	steadyTotal := int64(0)
	for phase := range phases {
		enabled := phase%2 == 0
		if enabled {
			mp.SetMeterConfigurator(disableNames())
		} else {
			mp.SetMeterConfigurator(disableNames("flip"))
		}
		run(nil)
		steadyTotal += goroutines * perPhase * perRound
		d, c := collect(t, delta), collect(t, cum)
		phaseAdds := int64(goroutines * perPhase * perRound)
		if enabled {
			enabledPhases++
			if v, ok := sumOf(d, "flip", "c"); !ok || v != phaseAdds {
				t.Fatalf("phase %d: delta %d (present %v), want %d", phase, v, ok, phaseAdds)
			}
			if v, _ := sumOf(c, "flip", "c"); v != enabledPhases*phaseAdds {
				t.Fatalf("phase %d: cumulative %d, want %d", phase, v, enabledPhases*phaseAdds)
			}
			if v := floatSum(c, "flip"); v != float64(enabledPhases*goroutines*perPhase) {
				t.Fatalf("phase %d: float cumulative %v, want %d", phase, v, enabledPhases*goroutines*perPhase)
			}
		} else if slices.Contains(scopeNames(d), "flip") || slices.Contains(scopeNames(c), "flip") {
			t.Fatalf("phase %d: disabled meter exported", phase)
		}
		if v, _ := sumOf(c, "steady", "c"); v != steadyTotal {
			t.Fatalf("phase %d: steady meter %d, want %d", phase, v, steadyTotal)
		}
	}

	// Switching concurrently with the measurements: the flipped meter keeps
	// at most all of them; the steady one exactly all of them.
	before := enabledPhases * goroutines * perPhase * perRound // the last phase was disabled: the stream is not exported now
	// Collections and a callback of the flipped meter run meanwhile too.
	if _, err := flip.Int64ObservableGauge("g", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(1)
		return nil
	})); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var flipper sync.WaitGroup
	flipper.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			mp.SetMeterConfigurator(disableNames([]string{"flip", "none"}[i%2]))
		}
	})
	flipper.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			var rm metricdata.ResourceMetrics
			_ = delta.Collect(ctx, &rm)
			_ = cum.Collect(ctx, &rm)
		}
	})
	run(func() {})
	close(stop)
	flipper.Wait()
	mp.SetMeterConfigurator(nil)
	steadyTotal += goroutines * perPhase * perRound
	c := collect(t, cum)
	if v, _ := sumOf(c, "steady", "c"); v != steadyTotal {
		t.Fatalf("steady meter %d after concurrent switching, want %d", v, steadyTotal)
	}
	if v, _ := sumOf(c, "flip", "c"); v < before || v > before+goroutines*perPhase*perRound {
		t.Fatalf("flipped meter %d, want within [%d, %d]", v, before, before+goroutines*perPhase*perRound)
	}
	// And enabled for good: the next measurements all count.
	after, _ := sumOf(c, "flip", "c")
	measure(tf)
	if v, _ := sumOf(collect(t, cum), "flip", "c"); v != after+perRound {
		t.Fatalf("after the switching ended: %d, want %d", v, after+perRound)
	}
}

// The helpers match the whole meter name with the View wildcards.
func TestMeterConfiguratorHelpers(t *testing.T) {
	names := []string{"example.com/debug", "example.com/debug/probe", "example.com/shop", "other", "a.b"}
	for _, tc := range []struct {
		f    fastmeter.MeterConfigurator
		name string
		want []bool // disabled, per name
	}{
		{fastmeter.DisableMeters("example.com/debug*"), "DisableMeters(prefix*)", []bool{true, true, false, false, false}},
		{fastmeter.DisableMeters("example.com/debug", "a?b"), "DisableMeters(exact, ?)", []bool{true, false, false, false, true}},
		{fastmeter.DisableMeters("*"), "DisableMeters(*)", []bool{true, true, true, true, true}},
		{fastmeter.DisableMeters(), "DisableMeters()", []bool{false, false, false, false, false}},
		{fastmeter.EnableOnlyMeters("example.com/shop", "oth*"), "EnableOnlyMeters", []bool{true, true, false, false, true}},
		{fastmeter.EnableOnlyMeters(), "EnableOnlyMeters()", []bool{true, true, true, true, true}},
	} {
		for i, n := range names {
			if got := tc.f(instrumentation.Scope{Name: n}).Disabled; got != tc.want[i] {
				t.Errorf("%s(%q).Disabled = %v, want %v", tc.name, n, got, tc.want[i])
			}
		}
	}
}

// A disabled measurement allocates nothing, on every hot path.
func TestMeterConfigDisabledAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	r := fastmeter.NewManualReader()
	m := fastmeter.NewMeterProvider(fastmeter.WithReader(r), fastmeter.WithMeterConfigurator(fastmeter.DisableMeters("*"))).Meter("m")
	set := attribute.NewSet(attribute.String("k", "v"))
	addOpts := []metric.AddOption{metric.WithAttributeSet(set)}
	recOpts := []metric.RecordOption{metric.WithAttributeSet(set)}
	s := newSyncInstruments(m)
	bound := fastmeter.BindAdder(s.ic, set)
	xb := s.ic.(x.Int64CounterBinder).Bind(attribute.String("k", "v"))
	if n := testing.AllocsPerRun(100, func() {
		s.ic.Add(ctx, 1)
		s.ic.Add(ctx, 1, addOpts...)
		s.fc.Add(ctx, 1, addOpts...)
		s.iu.Add(ctx, -1, addOpts...)
		s.fh.Record(ctx, 1, recOpts...)
		s.ig.Record(ctx, 1)
		bound.Add(ctx, 1)
		xb.Add(ctx, 1)
	}); n != 0 {
		t.Fatalf("%v allocations per round of disabled measurements, want 0", n)
	}
}

// One collection decides once per meter: a switch made by a callback during
// the collection applies from the next one, so the collection never runs a
// meter's callbacks and then leaves its streams out, or the reverse.
func TestMeterConfigDecidedOncePerCollection(t *testing.T) {
	r := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality {
		return metricdata.DeltaTemporality
	}))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(r))
	var next atomic.Pointer[fastmeter.MeterConfigurator]
	// The switch runs first: its callback was registered first.
	if _, err := mp.Meter("switch").Int64ObservableGauge("s", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		if f := next.Swap(nil); f != nil {
			mp.SetMeterConfigurator(*f)
		}
		o.Observe(1)
		return nil
	})); err != nil {
		t.Fatal(err)
	}
	var runs, value atomic.Int64
	if _, err := mp.Meter("b").Int64ObservableCounter("c", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		runs.Add(1)
		o.Observe(value.Add(10))
		return nil
	})); err != nil {
		t.Fatal(err)
	}
	collectB := func() (int64, bool) { return sumOf(collect(t, r), "b", "c") }
	if v, ok := collectB(); !ok || v != 10 {
		t.Fatalf("first collection: %d (present %v), want 10", v, ok)
	}
	disable := disableNames("b")
	next.Store(&disable)
	// Disabled during this collection: b's callback already belonged to it,
	// and so do its streams.
	if v, ok := collectB(); !ok || v != 10 || runs.Load() != 2 {
		t.Fatalf("collection that disabled b: %d (present %v), %d runs: want b's delta 10 after its second run", v, ok, runs.Load())
	}
	enable := disableNames()
	next.Store(&enable)
	// Enabled during this one: b was left out at its start, callbacks and
	// streams alike.
	if _, ok := collectB(); ok || runs.Load() != 2 {
		t.Fatalf("collection that enabled b: present %v, %d runs: want b left out and not run", ok, runs.Load())
	}
	if v, ok := collectB(); !ok || v != 10 || runs.Load() != 3 {
		t.Fatalf("next collection: %d (present %v), %d runs: want 10 after the third run", v, ok, runs.Load())
	}
}
