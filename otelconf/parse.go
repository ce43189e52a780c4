package otelconf

import (
	"fmt"
	"os"

	conf "go.opentelemetry.io/contrib/otelconf"
	confx "go.opentelemetry.io/contrib/otelconf/x"
)

// ParseYAML parses a configuration file with otelconf's own parser and
// model (go.opentelemetry.io/contrib/otelconf v0.27.0), so the file means
// exactly what it means to the official SDK: ${VAR} and ${VAR:-default}
// are replaced from the environment, and otelconf's required fields and
// bounds are checked.
//
// Unlike otelconf's parser, ParseYAML is strict: a key the schema does not
// define, or a literal of the wrong type, is an error naming its path in
// the file ([PathError]), where otelconf would drop it silently.
//
// One experimental entry is kept that the stable model has no field for:
// a pull reader's exporter "prometheus/development", decoded with
// otelconf's own experimental model (go.opentelemetry.io/contrib/otelconf/x)
// into PullMetricExporter.AdditionalProperties as
// map[string]any{"prometheus/development": x.ExperimentalPrometheusMetricExporter}.
func ParseYAML(data []byte) (*conf.OpenTelemetryConfiguration, error) {
	if err := checkKeys(data); err != nil {
		return nil, err
	}
	cfg, err := conf.ParseYAML(data)
	if err != nil {
		return nil, fmt.Errorf("otelconf: %w", err)
	}
	if err := keepPrometheusExporters(data, cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// ParseFile reads and parses the configuration file at path ([ParseYAML]).
// The error names the file.
func ParseFile(path string) (*conf.OpenTelemetryConfiguration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("otelconf: read configuration file: %w", err)
	}
	cfg, err := ParseYAML(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// keepPrometheusExporters copies the prometheus/development pull exporters,
// which the stable parser drops, from a parse with the experimental model.
func keepPrometheusExporters(data []byte, cfg *conf.OpenTelemetryConfiguration) error {
	if cfg.MeterProvider == nil || !hasPullReader(cfg.MeterProvider) {
		return nil
	}
	xcfg, err := confx.ParseYAML(data)
	if err != nil {
		return fmt.Errorf("otelconf: %w", err)
	}
	if xcfg.MeterProvider == nil || len(xcfg.MeterProvider.Readers) != len(cfg.MeterProvider.Readers) {
		return nil // cannot happen: both parse the same readers list
	}
	for i, r := range xcfg.MeterProvider.Readers {
		if r.Pull == nil || r.Pull.Exporter.PrometheusDevelopment == nil || cfg.MeterProvider.Readers[i].Pull == nil {
			continue
		}
		cfg.MeterProvider.Readers[i].Pull.Exporter.AdditionalProperties = map[string]any{
			prometheusExporterKey: *r.Pull.Exporter.PrometheusDevelopment,
		}
	}
	return nil
}

func hasPullReader(mp *conf.MeterProvider) bool {
	for _, r := range mp.Readers {
		if r.Pull != nil {
			return true
		}
	}
	return false
}
