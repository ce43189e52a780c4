package selfobs

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
)

// process is the registration of the process-wide counters: once per
// global MeterProvider, so that they are reported once, not once per reader.
var process struct {
	mu  sync.Mutex
	mp  metric.MeterProvider
	reg metric.Registration
}

// ensureProcess registers the process-wide observable counters with the
// current global MeterProvider unless they already are; when the global
// provider has changed since, they move to the new one.
func ensureProcess() {
	mp := otel.GetMeterProvider()
	process.mu.Lock()
	defer process.mu.Unlock()
	if process.reg != nil && sameProvider(process.mp, mp) {
		return
	}
	if process.reg != nil {
		handle(process.reg.Unregister())
		process.reg = nil
	}
	process.mp = mp
	m := meter(Scope)
	type counter struct {
		name, unit, desc string
		read             func(Counts) int64
	}
	counters := [...]counter{
		{"fastmeter.measurement.overflow", "{measurement}",
			"The number of measurements routed to a stream's overflow series (otel.metric.overflow=true) because the stream was at its cardinality limit.",
			func(c Counts) int64 { return c.Overflowed }},
		{"fastmeter.measurement.invalid", "{measurement}",
			"The number of measurements dropped as invalid (NaN, infinite, or negative where the instrument forbids it).",
			func(c Counts) int64 { return c.Invalid }},
		{"fastmeter.callback.abandoned", "{callback}",
			"The number of callback runs abandoned because they did not return by the collection's callback deadline.",
			func(c Counts) int64 { return c.Abandoned }},
		{"fastmeter.callback.panicked", "{callback}",
			"The number of callback runs that panicked; the panic was contained and reported.",
			func(c Counts) int64 { return c.Panicked }},
	}
	insts := make([]metric.Int64ObservableCounter, 0, len(counters))
	obs := make([]metric.Observable, 0, len(counters))
	for _, c := range counters {
		inst, err := m.Int64ObservableCounter(c.name, metric.WithUnit(c.unit), metric.WithDescription(c.desc))
		if err != nil {
			handle(err)
			return
		}
		insts = append(insts, inst)
		obs = append(obs, inst)
	}
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		c := Snapshot()
		for i, inst := range insts {
			o.ObserveInt64(inst, counters[i].read(c))
		}
		return nil
	}, obs...)
	handle(err)
	process.reg = reg
}

// sameProvider compares two providers without panicking on a provider type
// that is not comparable.
func sameProvider(a, b metric.MeterProvider) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}
