package otelconf

import (
	"context"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	conf "go.opentelemetry.io/contrib/otelconf"
	confx "go.opentelemetry.io/contrib/otelconf/x"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// meterOutcome is what one collection shows of a meter: whether its
// counter's sum and its observable counter were exported, how often its
// callback ran, and what its counter's Enabled said.
type meterOutcome struct {
	exported  bool
	callbacks int
	enabled   bool
}

// meterWorkload is one counter and one observable counter on each of
// several meters of a provider built from a file.
type meterWorkload struct {
	reader   *sdkmetric.ManualReader // added in code: the file's console reader writes to io.Discard
	counters map[string]metric.Int64Counter
	calls    map[string]*int // callback runs since the last collect
}

func newMeterWorkload(t *testing.T, sdk SDK, reader *sdkmetric.ManualReader, names ...string) *meterWorkload {
	t.Helper()
	w := &meterWorkload{reader: reader, counters: map[string]metric.Int64Counter{}, calls: map[string]*int{}}
	for _, name := range names {
		m := sdk.MeterProvider().Meter(name)
		c, err := m.Int64Counter("requests")
		if err != nil {
			t.Fatal(err)
		}
		n := new(int)
		if _, err := m.Int64ObservableCounter("observed", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			*n++
			o.Observe(7)
			return nil
		})); err != nil {
			t.Fatal(err)
		}
		w.counters[name], w.calls[name] = c, n
	}
	return w
}

// collect records once on every counter and collects once.
func (w *meterWorkload) collect(t *testing.T) map[string]meterOutcome {
	t.Helper()
	ctx := context.Background()
	out := map[string]meterOutcome{}
	for name, c := range w.counters {
		c.Add(ctx, 1)
		out[name] = meterOutcome{enabled: c.Enabled(ctx)}
		*w.calls[name] = 0
	}
	var rm metricdata.ResourceMetrics
	if err := w.reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		o, ok := out[sm.Scope.Name]
		if !ok {
			t.Errorf("unexpected scope %q", sm.Scope.Name)
			continue
		}
		if len(sm.Metrics) != 2 {
			t.Errorf("scope %q exported %d metrics, want requests and observed", sm.Scope.Name, len(sm.Metrics))
		}
		o.exported = true
		out[sm.Scope.Name] = o
	}
	for name, n := range w.calls {
		o := out[name]
		o.callbacks = *n
		out[name] = o
	}
	return out
}

// checkOutcomes requires the meters of enabled, and only them, to be
// exported, report Enabled and have run their callback once.
func checkOutcomes(t *testing.T, got map[string]meterOutcome, enabled map[string]bool) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(got)) {
		o, on := got[name], enabled[name]
		want := meterOutcome{exported: on, enabled: on}
		if on {
			want.callbacks = 1
		}
		if o != want {
			t.Errorf("meter %q: got %+v, want %+v", name, o, want)
		}
	}
}

// TestMeterConfiguratorFile: meters disabled by exact name and by wildcard
// ('*' any run, '?' one character) export nothing, report their
// instruments disabled and run no callback; an exception listed before the
// wildcard entry it is an exception to wins (first match), and a name the
// patterns do not match whole stays enabled.
func TestMeterConfiguratorFile(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	sdk, err := newSDKFromFile(t, "testdata/meter_configurator.yaml", WithConsoleWriter(io.Discard), WithMeterProviderOptions(sdkmetric.WithReader(reader)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sdk.Shutdown(context.Background()) }()
	got := newMeterWorkload(t, sdk, reader, "app", "app.debug", "app.debug.extra", "lib", "lib.keep", "lib.other", "lib.", "v1", "v12", "V").collect(t)
	checkOutcomes(t, got, map[string]bool{
		"app":             true,
		"app.debug.extra": true, // an exact name matches the whole name only
		"lib":             true, // "lib.*" needs the dot
		"lib.keep":        true, // listed before lib.*
		"v12":             true, // '?' is exactly one character
		"V":               true, // matching is case-sensitive
	})
}

// TestMeterConfiguratorDefaultDisabled: default_config disables every
// meter no entry matches; the entry enabling a pattern is the exception.
func TestMeterConfiguratorDefaultDisabled(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	sdk, err := newSDKFromFile(t, "testdata/meter_configurator_default_disabled.yaml", WithConsoleWriter(io.Discard), WithMeterProviderOptions(sdkmetric.WithReader(reader)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sdk.Shutdown(context.Background()) }()
	got := newMeterWorkload(t, sdk, reader, "app", "io.opentelemetry.contrib", "io.opentelemetry.contrib.a", "io.opentelemetry.contrib.b.c").collect(t)
	checkOutcomes(t, got, map[string]bool{
		"io.opentelemetry.contrib.a":   true,
		"io.opentelemetry.contrib.b.c": true,
	})
}

// TestMeterConfiguratorFileWins: the file's configurator replaces one given
// with WithMeterProviderOptions (the file's settings come after the
// user's), and SetMeterConfigurator still switches meters at run time.
func TestMeterConfiguratorFileWins(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	sdk, err := newSDKFromFile(t, "testdata/meter_configurator.yaml", WithConsoleWriter(io.Discard),
		WithMeterProviderOptions(sdkmetric.WithReader(reader), sdkmetric.WithMeterConfigurator(sdkmetric.DisableMeters("app"))))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sdk.Shutdown(context.Background()) }()
	w := newMeterWorkload(t, sdk, reader, "app", "app.debug")
	checkOutcomes(t, w.collect(t), map[string]bool{"app": true})
	sdk.MeterProvider().SetMeterConfigurator(nil)
	checkOutcomes(t, w.collect(t), map[string]bool{"app": true, "app.debug": true})
}

// TestMeterConfiguratorInCode: a configuration written with otelconf's
// models carries the configurator the way ParseYAML keeps it, as value or
// pointer; anything else there is an error naming the entry.
func TestMeterConfiguratorInCode(t *testing.T) {
	disabled := true
	c := confx.ExperimentalMeterConfigurator{Meters: []confx.ExperimentalMeterMatcherAndConfig{
		{Name: "off.*", Config: confx.ExperimentalMeterConfig{Disabled: &disabled}},
	}}
	for name, v := range map[string]any{"value": c, "pointer": &c, "wrong": "off.*"} {
		t.Run(name, func(t *testing.T) {
			reader := sdkmetric.NewManualReader()
			cfg := conf.OpenTelemetryConfiguration{
				FileFormat:           "1.0",
				MeterProvider:        &conf.MeterProvider{},
				AdditionalProperties: map[string]any{"meter_provider.meter_configurator/development": v},
			}
			sdk, err := NewSDK(WithOpenTelemetryConfiguration(cfg), WithMeterProviderOptions(sdkmetric.WithReader(reader)))
			if name == "wrong" {
				var pe *PathError
				if !errors.As(err, &pe) || pe.Path != "meter_provider.meter_configurator/development" || !strings.Contains(err.Error(), "holds a string") {
					t.Fatalf("error %v, want a PathError naming the entry", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = sdk.Shutdown(context.Background()) }()
			checkOutcomes(t, newMeterWorkload(t, sdk, reader, "on", "off.a").collect(t), map[string]bool{"on": true})
		})
	}
}
