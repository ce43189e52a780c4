package otelconf

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"

	conf "go.opentelemetry.io/contrib/otelconf"
	confx "go.opentelemetry.io/contrib/otelconf/x"
	yaml "go.yaml.in/yaml/v3"
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
// Two experimental entries are kept that the stable model has no field
// for, decoded with otelconf's own experimental model
// (go.opentelemetry.io/contrib/otelconf/x):
//
//   - a pull reader's exporter "prometheus/development", into
//     PullMetricExporter.AdditionalProperties as
//     map[string]any{"prometheus/development": x.ExperimentalPrometheusMetricExporter};
//   - meter_provider's "meter_configurator/development" (the stable
//     MeterProvider has no catch-all), into
//     OpenTelemetryConfiguration.AdditionalProperties as
//     map[string]any{"meter_provider.meter_configurator/development": x.ExperimentalMeterConfigurator}.
func ParseYAML(data []byte) (*conf.OpenTelemetryConfiguration, error) {
	if err := checkKeys(data); err != nil {
		return nil, err
	}
	cfg, err := conf.ParseYAML(data)
	if err != nil {
		return nil, withPathOfLine(data, err)
	}
	if err := keepExperimental(data, cfg); err != nil {
		return nil, err
	}
	keepEmptyAggregations(data, cfg)
	return cfg, nil
}

// keepEmptyAggregations restores the aggregations written with no value
// ("drop:", "sum:"), which the stable model decodes as absent (its fields
// are maps, nil for a YAML null) so that otelconf would keep the default
// aggregation: the key alone selects the aggregation.
func keepEmptyAggregations(data []byte, cfg *conf.OpenTelemetryConfiguration) {
	if cfg.MeterProvider == nil || len(cfg.MeterProvider.Views) == 0 {
		return
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return
	}
	views := lookup(doc.Content[0], "meter_provider", "views")
	if views == nil || views.Kind != yaml.SequenceNode {
		return
	}
	for i, v := range views.Content {
		agg := lookup(v, "stream", "aggregation")
		if agg == nil || i >= len(cfg.MeterProvider.Views) || cfg.MeterProvider.Views[i].Stream.Aggregation == nil {
			continue
		}
		a := cfg.MeterProvider.Views[i].Stream.Aggregation
		if lookup(agg, "drop") != nil && a.Drop == nil {
			a.Drop = conf.DropAggregation{}
		}
		if lookup(agg, "sum") != nil && a.Sum == nil {
			a.Sum = conf.SumAggregation{}
		}
		if lookup(agg, "last_value") != nil && a.LastValue == nil {
			a.LastValue = conf.LastValueAggregation{}
		}
		if lookup(agg, "default") != nil && a.Default == nil {
			a.Default = conf.DefaultAggregation{}
		}
	}
}

// lookup follows keys through nested mappings; nil if one is missing.
func lookup(node *yaml.Node, keys ...string) *yaml.Node {
	for _, key := range keys {
		for node != nil && node.Kind == yaml.AliasNode {
			node = node.Alias
		}
		if node == nil || node.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(node.Content); i += 2 {
			if node.Content[i].Value == key {
				next = node.Content[i+1]
			}
		}
		node = next
	}
	return node
}

// lineRef finds the line number yaml.v3 puts in its errors.
var lineRef = regexp.MustCompile(`line (\d+):`)

// withPathOfLine names the entry of otelconf's parse error by its path when
// the error gives a line: a value substituted from ${ENV} is only checked
// after substitution, by otelconf's parser, which reports lines.
func withPathOfLine(data []byte, err error) error {
	m := lineRef.FindStringSubmatch(err.Error())
	var doc yaml.Node
	if m == nil || yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return fmt.Errorf("otelconf: %w", err)
	}
	line, _ := strconv.Atoi(m[1])
	if path := pathAtLine(doc.Content[0], "", line); path != "" {
		return &PathError{Path: path, Err: err}
	}
	return fmt.Errorf("otelconf: %w", err)
}

// pathAtLine returns the path of the entry whose value starts on line.
func pathAtLine(node *yaml.Node, path string, line int) string {
	switch node.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(node.Content); i += 2 {
			key, value := node.Content[i], node.Content[i+1]
			at := child(path, key.Value)
			if value.Kind == yaml.ScalarNode && value.Line == line {
				return at
			}
			if found := pathAtLine(value, at, line); found != "" {
				return found
			}
		}
	case yaml.SequenceNode:
		for i, item := range node.Content {
			if item.Kind == yaml.ScalarNode && item.Line == line {
				return index(path, i)
			}
			if found := pathAtLine(item, index(path, i), line); found != "" {
				return found
			}
		}
	}
	return ""
}

// ParseFile reads and parses the configuration file at path ([ParseYAML]).
// The error names the file.
func ParseFile(path string) (*conf.OpenTelemetryConfiguration, error) {
	cfg, err := readConfigFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// readConfigFile is ParseFile without the file's name in the error, for
// callers that name it their own way.
func readConfigFile(path string) (*conf.OpenTelemetryConfiguration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("otelconf: read configuration file: %w", err)
	}
	return ParseYAML(data)
}

// keepExperimental copies the experimental entries the stable parser
// drops (see ParseYAML) from a parse with the experimental model, made only
// when the file has one.
func keepExperimental(data []byte, cfg *conf.OpenTelemetryConfiguration) error {
	if cfg.MeterProvider == nil {
		return nil
	}
	configurator, err := meterConfiguratorNode(data)
	if err != nil {
		return err
	}
	if configurator == nil && !hasPullReader(cfg.MeterProvider) {
		return nil
	}
	xcfg, err := confx.ParseYAML(data)
	if err != nil {
		return fmt.Errorf("otelconf: %w", err)
	}
	if xcfg.MeterProvider == nil {
		return nil // cannot happen: both parse the same meter_provider
	}
	if c := xcfg.MeterProvider.MeterConfiguratorDevelopment; c != nil && configurator != nil {
		extra, _ := cfg.AdditionalProperties.(map[string]any)
		if extra == nil {
			extra = map[string]any{}
		}
		extra[meterConfiguratorPath] = *c
		cfg.AdditionalProperties = extra
	}
	if len(xcfg.MeterProvider.Readers) != len(cfg.MeterProvider.Readers) {
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

// meterConfiguratorNode returns meter_provider's meter_configurator entry
// (nil if absent or null), after checking what the experimental model's
// decoding does not: every meters entry has its required, non-null config
// (a missing one would decode as the default, enabled, without a word).
func meterConfiguratorNode(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil, nil
	}
	node := lookup(doc.Content[0], "meter_provider", meterConfiguratorKey)
	for node != nil && node.Kind == yaml.AliasNode {
		node = node.Alias
	}
	if node == nil || node.Kind != yaml.MappingNode {
		return nil, nil // absent or null; any other shape failed the strict pass
	}
	meters := lookup(node, "meters")
	if meters == nil || meters.Kind != yaml.SequenceNode {
		return node, nil
	}
	var errs []error
	for i, m := range meters.Content {
		if c := lookup(m, "config"); c == nil || c.Tag == "!!null" {
			errs = append(errs, pathErrorf(child(index(child(meterConfiguratorPath, "meters"), i), "config"), "required"))
		}
	}
	return node, errors.Join(errs...)
}

func hasPullReader(mp *conf.MeterProvider) bool {
	for _, r := range mp.Readers {
		if r.Pull != nil {
			return true
		}
	}
	return false
}
