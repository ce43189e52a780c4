package otelconf

import (
	"errors"

	confx "go.opentelemetry.io/contrib/otelconf/x"
	"go.opentelemetry.io/otel/sdk/instrumentation"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// meter_provider.meter_configurator/development (in Development in the
// schema, absent from otelconf's stable model) maps onto fastmeter's
// MeterConfigurator. The schema says when one entry of meters applies to a
// meter (its name equals the entry's name, or matches it as a wildcard
// pattern: '?' any one character, '*' any run, case-sensitive) and that
// default_config is used when none applies; it says nothing of several
// entries applying. fastmeter takes the first in the list, as the Java SDK
// (the implementation the schema's documentation lists as supporting the
// entry) evaluates its conditions in order, so a file lists its exceptions
// before the patterns they are exceptions to. Contrib otelconf v0.27.0's
// experimental package parses the entry but applies none of it, so the
// differential test's reference is the official SDK handing out the no-op
// meter for the scopes the file disables.

// meterConfiguratorPath is the entry's path in the file, and its key in
// OpenTelemetryConfiguration.AdditionalProperties (see ParseYAML).
const meterConfiguratorPath = "meter_provider." + meterConfiguratorKey

// meterRule is one entry of meters: a matcher and the config it gives.
type meterRule struct {
	matches func(instrumentation.Scope) bool
	cfg     sdkmetric.MeterConfig
}

// meterConfigurator builds the MeterConfigurator of the configuration's
// meter_configurator entry; nil (every meter enabled) without one.
func meterConfigurator(additional any) (sdkmetric.MeterConfigurator, error) {
	extra, _ := additional.(map[string]any)
	v, ok := extra[meterConfiguratorPath]
	if !ok {
		return nil, nil
	}
	var c confx.ExperimentalMeterConfigurator
	switch v := v.(type) {
	case confx.ExperimentalMeterConfigurator:
		c = v
	case *confx.ExperimentalMeterConfigurator:
		if v == nil {
			return nil, nil
		}
		c = *v
	case nil:
		return nil, nil
	default:
		return nil, pathErrorf(meterConfiguratorPath, "holds a %T, want x.ExperimentalMeterConfigurator", v)
	}
	var def sdkmetric.MeterConfig
	if c.DefaultConfig != nil {
		def = meterConfig(*c.DefaultConfig)
	}
	rules := make([]meterRule, len(c.Meters))
	var errs []error
	for i, m := range c.Meters {
		if m.Name == "" {
			errs = append(errs, pathErrorf(child(index(child(meterConfiguratorPath, "meters"), i), "name"), "required: a meter name or a pattern with * and ?"))
			continue
		}
		rules[i] = meterRule{matches: nameMatcher(m.Name), cfg: meterConfig(m.Config)}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return func(s instrumentation.Scope) sdkmetric.MeterConfig {
		for _, r := range rules {
			if r.matches(s) {
				return r.cfg
			}
		}
		return def
	}, nil
}

// nameMatcher matches a meter's name against pattern with the wildcards of
// fastmeter's own DisableMeters (which are a View's): that shorthand
// disables exactly the meters the pattern matches, so its answer is the
// match, and both spell a pattern the same way.
func nameMatcher(pattern string) func(instrumentation.Scope) bool {
	disables := sdkmetric.DisableMeters(pattern)
	return func(s instrumentation.Scope) bool { return disables(s).Disabled }
}

// meterConfig maps one config entry; disabled defaults to false.
func meterConfig(c confx.ExperimentalMeterConfig) sdkmetric.MeterConfig {
	return sdkmetric.MeterConfig{Disabled: c.Disabled != nil && *c.Disabled}
}
