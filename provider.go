package fastmeter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/instrumentation"

	"github.com/fastmeter/fastmeter/internal/aggregate"
	"github.com/fastmeter/fastmeter/internal/globallog"
)

// MeterProvider creates Meters and coordinates the life cycle of the
// readers: ForceFlush and Shutdown. All its meters share its resource, views
// and readers.
//
// The zero value is usable, as in the official SDK: a provider without
// readers, whose Meter returns the same working (measuring nothing) Meter for
// the same scope, and whose ForceFlush and Shutdown return nil.
type MeterProvider struct {
	embedded.MeterProvider

	cfg   providerConfig
	pipes []*pipeline

	mu     sync.Mutex
	meters map[instrumentation.Scope]*meter
	// configurator computes each meter's MeterConfig (meter_config.go);
	// nil: every meter enabled. Guarded by mu.
	configurator MeterConfigurator

	shutdown     atomic.Bool
	shutdownOnce sync.Once
	// constructed is set by NewMeterProvider. A zero MeterProvider has no
	// readers to shut down, and like the official SDK's its Shutdown returns
	// nil every time.
	constructed bool
}

var _ metric.MeterProvider = (*MeterProvider)(nil)

// NewMeterProvider returns a MeterProvider configured by options. Without
// WithReader it measures nothing; without WithResource it uses
// resource.Default().
func NewMeterProvider(options ...Option) *MeterProvider {
	mp := &MeterProvider{cfg: newProviderConfig(options), meters: map[instrumentation.Scope]*meter{}, constructed: true}
	mp.configurator = mp.cfg.meterConfigurator
	res, err := repairResource(mp.cfg.res)
	if err != nil {
		globallog.Warn(err.Error()) // repaired and kept: a warning
	}
	mp.cfg.res = res
	for _, r := range mp.cfg.readers {
		p, err := connect(r, &mp.cfg)
		switch {
		case errors.Is(err, errAlreadyRegistered):
			// The official SDK logs a reader registered with a second
			// provider as an error of the global logger; the reader goes
			// on serving its first provider.
			globallog.Error(err, "fastmeter: reader not registered")
			continue
		case err != nil:
			// A reader that cannot work at all exports nothing: an error
			// of the program, for the error handler.
			otel.Handle(err)
			continue
		}
		mp.pipes = append(mp.pipes, p)
	}
	globallog.Info("fastmeter: MeterProvider created", "readers", len(mp.pipes), "views", len(mp.cfg.views))
	return mp
}

// connect builds r's pipeline and registers it with r. A reader that is not
// usable — a zero value of a type embedding Reader, such as
// prometheus.Exporter{} rather than prometheus.New() — panics on its first
// method call; that becomes an error and the provider goes on without it.
func connect(r Reader, cfg *providerConfig) (p *pipeline, err error) {
	defer func() {
		if v := recover(); v != nil {
			p, err = nil, fmt.Errorf("fastmeter: reader %T is not usable (a zero value instead of one from its constructor?): %v; the provider goes on without it", r, v)
		}
	}()
	p = newPipeline(r, cfg)
	if err := r.register(p); err != nil {
		return nil, err
	}
	return p, nil
}

// Meter returns the Meter for the instrumentation scope name (with the
// options' version, schema URL and attributes), the same one for the same
// scope. After Shutdown it returns a Meter that does nothing.
func (mp *MeterProvider) Meter(name string, options ...metric.MeterOption) metric.Meter {
	if name == "" {
		globallog.Warn("fastmeter: Meter called with an empty name; the instrumentation scope should name the instrumenting library", "name", name)
	}
	if mp.shutdown.Load() {
		return noop.Meter{}
	}
	c := metric.NewMeterConfig(withoutNil(options)...)
	// Duplicate keys in a MAP attribute value resolve to the value given
	// last, as in the official SDK, so scopes differing only by them are one;
	// invalid UTF-8 is repaired, so scopes differing only by invalid bytes
	// are one too, as the backend would see them.
	attrs, _, attrsRepaired := aggregate.NormalizeSet(c.InstrumentationAttributes())
	scope, repaired := repairScope(instrumentation.Scope{
		Name:       name,
		Version:    c.InstrumentationVersion(),
		SchemaURL:  c.SchemaURL(),
		Attributes: attrs,
	}, attrsRepaired)
	mp.mu.Lock()
	defer mp.mu.Unlock()
	if m, ok := mp.meters[scope]; ok {
		return m
	}
	if repaired != nil {
		globallog.Warn(scopeRepairError(scope, repaired).Error()) // once, when the meter is created
	}
	globallog.Info("fastmeter: Meter created", "name", scope.Name, "version", scope.Version, "schemaURL", scope.SchemaURL)
	m := newMeter(scope, mp.pipes)
	mp.configure(m)       // its MeterConfig (meter_config.go), before it is published
	if mp.meters == nil { // a zero MeterProvider
		mp.meters = map[instrumentation.Scope]*meter{}
	}
	mp.meters[scope] = m
	return m
}

// ForceFlush flushes every reader that can flush (a PeriodicReader exports
// now), honouring ctx.
func (mp *MeterProvider) ForceFlush(ctx context.Context) error {
	var err error
	for _, p := range mp.pipes {
		if f, ok := p.reader.(interface{ ForceFlush(context.Context) error }); ok {
			err = errors.Join(err, f.ForceFlush(ctx))
		}
	}
	return err
}

// Shutdown shuts every reader down (a PeriodicReader exports one last time),
// honouring ctx. Measurements made afterwards are not exported. Only the
// first call does anything; later calls return an error wrapping
// ErrReaderShutdown (a zero MeterProvider, which has no readers, returns nil
// every time, as the official SDK's).
func (mp *MeterProvider) Shutdown(ctx context.Context) error {
	err := fmt.Errorf("fastmeter: MeterProvider already shut down: %w", ErrReaderShutdown)
	if !mp.constructed {
		err = nil // a zero MeterProvider has nothing to shut down, as in the official SDK
	}
	mp.shutdownOnce.Do(func() {
		mp.shutdown.Store(true)
		err = nil
		for _, p := range mp.pipes {
			err = errors.Join(err, p.reader.Shutdown(ctx))
		}
	})
	return err
}
