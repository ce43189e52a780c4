package fastmeter

import (
	"fmt"
	"regexp"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/instrumentation"

	"github.com/fastmeter/fastmeter/internal/globallog"
)

// Per-meter configuration (the specification's MeterConfigurator and
// MeterConfig, both in Development).
//
// A meter's state is one atomic flag per synchronous instrument (and, for
// a Counter or UpDownCounter, its add path's mode), switched by the meter
// under its lock; the hot paths read it with one atomic load and never
// lock. Collections read the meter's flag once per collection and reader
// (meterGate): the same decision skips the meter's callbacks and its
// streams, so one collection never runs a callback whose streams it then
// leaves out, or reads observable streams whose callbacks it did not run.

// MeterConfig is the configuration of one Meter, computed by a
// MeterConfigurator from the Meter's instrumentation scope. The zero value
// is the specification's default: the Meter is enabled.
type MeterConfig struct {
	// Disabled makes the Meter behave as the no-op Meter: its synchronous
	// instruments record nothing and their Enabled reports false, its
	// callbacks are not run, and its streams are not exported. Instruments
	// and callbacks are still created and registered as usual (with the
	// same errors), so enabling the Meter again makes them work at once.
	Disabled bool
}

// Enabled reports whether the Meter is enabled: the specification's
// MeterConfig.enabled parameter.
func (c MeterConfig) Enabled() bool { return !c.Disabled }

// MeterConfigurator computes the MeterConfig of the Meter with the given
// instrumentation scope (name, version, schema URL and attributes). It is
// called when a Meter is first created and, for every Meter created so far,
// by each SetMeterConfigurator. Calls never overlap: they are made under the
// provider's lock, so a MeterConfigurator needs no synchronisation of its
// own, must return quickly, and must not call the provider's methods. A
// panicking MeterConfigurator is reported through otel.Handle and the Meter
// keeps its current configuration (a new Meter: enabled).
type MeterConfigurator func(instrumentation.Scope) MeterConfig

// DisableMeters returns a MeterConfigurator that disables the Meters whose
// name matches one of patterns and leaves every other Meter enabled. A
// pattern is matched against the whole name, as a View's instrument name
// is: "*" matches any run of characters, "?" any one character, anything
// else itself.
func DisableMeters(patterns ...string) MeterConfigurator {
	match := namePatterns(patterns)
	return func(s instrumentation.Scope) MeterConfig { return MeterConfig{Disabled: match(s.Name)} }
}

// EnableOnlyMeters returns a MeterConfigurator that enables only the Meters
// whose name matches one of patterns (see DisableMeters) and disables every
// other Meter.
func EnableOnlyMeters(patterns ...string) MeterConfigurator {
	match := namePatterns(patterns)
	return func(s instrumentation.Scope) MeterConfig { return MeterConfig{Disabled: !match(s.Name)} }
}

// namePatterns compiles wildcard patterns into one matcher, once.
func namePatterns(patterns []string) func(string) bool {
	res := make([]*regexp.Regexp, len(patterns))
	for i, p := range patterns {
		res[i] = wildcardPattern(p)
	}
	return func(name string) bool {
		for _, re := range res {
			if re.MatchString(name) {
				return true
			}
		}
		return false
	}
}

// WithMeterConfigurator sets the function computing each Meter's
// MeterConfig; without it (or with nil) every Meter is enabled.
// SetMeterConfigurator replaces it at run time. The official SDK v1.47.0 has
// no such option (its experimental one is proposed for sdk/metric/x).
func WithMeterConfigurator(f MeterConfigurator) Option {
	return optionFunc(func(c providerConfig) providerConfig {
		c.meterConfigurator = f
		return c
	})
}

// SetMeterConfigurator replaces the provider's MeterConfigurator (nil:
// every Meter enabled) and applies it to every Meter created so far, as the
// specification asks of a provider whose configurator can be updated. When
// it returns, every measurement made afterwards follows the new
// configuration, on instruments and bound handles created before as well;
// measurements made concurrently with the call may follow either. A Meter
// enabled again continues its cumulative streams where they were (the
// measurements made while it was disabled are not counted); see
// MeterConfig. It works on the zero MeterProvider, and after Shutdown.
func (mp *MeterProvider) SetMeterConfigurator(f MeterConfigurator) {
	mp.mu.Lock()
	defer mp.mu.Unlock()
	mp.configurator = f
	for _, m := range mp.meters {
		if cfg, ok := mp.meterConfig(m.scope); ok {
			m.setEnabled(cfg.Enabled())
		}
	}
}

// configure connects a new meter to the pipelines' gates and gives it its
// MeterConfig. mp.mu is held and m is not published yet.
func (mp *MeterProvider) configure(m *meter) {
	for _, p := range m.pipes {
		m.gates = append(m.gates, p.addMeterGate(m.scope, &m.off))
	}
	if cfg, ok := mp.meterConfig(m.scope); ok && cfg.Disabled {
		m.off.Store(true)
		globallog.Info("fastmeter: Meter disabled by the MeterConfigurator", "name", m.scope.Name, "version", m.scope.Version)
	}
}

// meterConfig calls the configurator; false if it panicked (reported).
// mp.mu is held, which serialises the calls.
func (mp *MeterProvider) meterConfig(scope instrumentation.Scope) (cfg MeterConfig, ok bool) {
	if mp.configurator == nil {
		return MeterConfig{}, true
	}
	defer func() {
		if r := recover(); r != nil {
			otel.Handle(fmt.Errorf("fastmeter: the MeterConfigurator panicked for meter %q (version %q): %v; the meter keeps its configuration", scope.Name, scope.Version, r))
			cfg, ok = MeterConfig{}, false
		}
	}()
	return mp.configurator(scope), true
}

// setEnabled switches m and every synchronous instrument it created. Under
// m.mu, so an instrument created concurrently starts in the new state.
func (m *meter) setEnabled(on bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.off.Load() == !on {
		return
	}
	m.off.Store(!on)
	for _, r := range m.instruments {
		if s, ok := r.inst.(interface{ setEnabled(bool) }); ok {
			s.setEnabled(on)
		}
	}
	state := "enabled"
	if !on {
		state = "disabled"
	}
	globallog.Info("fastmeter: Meter "+state+" by the MeterConfigurator", "name", m.scope.Name, "version", m.scope.Version)
}

// gate is m's gate in pipeline pipe (nil if it has none: never skipped).
func (m *meter) gate(pipe int) *meterGate {
	if pipe < len(m.gates) {
		return m.gates[pipe]
	}
	return nil
}

// setEnabled switches a synchronous instrument (see syncInstrument.off):
// the flag, then a Counter's add path.
func (s *syncInstrument[N]) setEnabled(on bool) {
	s.off.Store(!on)
	if s.path != nil {
		s.path.SetEnabled(on)
	}
}

// meterGate is one meter's switch as one pipeline sees it. skip is this
// collection's decision, taken once (enabledCallbacks) and used for both
// the meter's callbacks and its streams; only the collecting goroutine
// (holding the pipeline's collection slot) reads and writes it.
type meterGate struct {
	off  *atomic.Bool // the meter's
	skip bool
}

// skipped reports whether the current collection leaves the gate's meter
// out; a nil gate never does.
func (g *meterGate) skipped() bool { return g != nil && g.skip }

// addMeterGate registers the switch of the meter of scope.
func (p *pipeline) addMeterGate(scope instrumentation.Scope, off *atomic.Bool) *meterGate {
	p.mu.Lock()
	defer p.mu.Unlock()
	g := &meterGate{off: off}
	if p.gateOf == nil {
		p.gateOf = map[instrumentation.Scope]*meterGate{}
	}
	p.gateOf[scope] = g
	p.gates = append(p.gates, g)
	return g
}

// enabledCallbacks decides, for this collection, which meters are skipped,
// and returns the callbacks of the others. p.mu and the collection slot are
// held.
func (p *pipeline) enabledCallbacks() []*callbackEntry {
	for _, g := range p.gates {
		g.skip = g.off.Load()
	}
	cbs := make([]*callbackEntry, 0, len(p.callbacks)) // one allocation, as the copy it replaces
	for _, e := range p.callbacks {
		if !e.meter.skipped() {
			cbs = append(cbs, e)
		}
	}
	return cbs
}
