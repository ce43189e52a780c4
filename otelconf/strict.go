package otelconf

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	conf "go.opentelemetry.io/contrib/otelconf"
	confx "go.opentelemetry.io/contrib/otelconf/x"
	yaml "go.yaml.in/yaml/v3"
)

// otelconf's parser decodes with yaml.v3 in its default, lenient mode: a
// misspelt key ("interval_ms", "otlp_gprc") is dropped without a word and
// the SDK silently runs with defaults. checkKeys is the strict pass that
// closes that hole without a schema of our own: it walks the YAML document
// against otelconf's model types by reflection (their yaml tags are the
// schema), and names the path of every key the model does not define and
// of every literal value of the wrong type.

// extensionKeys are the keys fastmeter accepts where the stable model only
// has an AdditionalProperties catch-all, with the type their value must
// decode into. The pull exporter's prometheus/development and the meter
// provider's meter_configurator/development are modelled by otelconf's own
// experimental package; the producer is an empty object.
var extensionKeys = map[reflect.Type]map[string]reflect.Type{
	reflect.TypeFor[conf.MeterProvider](): {
		meterConfiguratorKey: reflect.TypeFor[confx.ExperimentalMeterConfigurator](),
	},
	reflect.TypeFor[conf.PullMetricExporter](): {
		prometheusExporterKey: reflect.TypeFor[confx.ExperimentalPrometheusMetricExporter](),
	},
	reflect.TypeFor[conf.MetricProducer](): {
		prometheusProducerKey: reflect.TypeFor[map[string]any](),
	},
}

const (
	prometheusExporterKey = "prometheus/development"
	prometheusProducerKey = "prometheus/development"
	meterConfiguratorKey  = "meter_configurator/development"
)

// checkKeys returns every unknown key and mistyped literal in data (nil if
// none), each as a *PathError. It returns nil, not an error, when data is
// not YAML at all: otelconf's parser reports that with the line.
func checkKeys(data []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil
	}
	var errs []error
	walk(doc.Content[0], reflect.TypeFor[conf.OpenTelemetryConfiguration](), "", &errs)
	return errors.Join(errs...)
}

// walk checks node against the model type t at path, appending what is
// wrong to errs.
func walk(node *yaml.Node, t reflect.Type, path string, errs *[]error) {
	for node.Kind == yaml.AliasNode {
		node = node.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if node.Kind == yaml.ScalarNode && node.Tag == "!!null" {
		return // an absent value: the model's zero value
	}
	where := path
	if where == "" {
		where = "(document)"
	}
	switch t.Kind() {
	case reflect.Interface:
		return // free-form (an attribute's value): the builder checks it
	case reflect.Struct:
		if node.Kind != yaml.MappingNode {
			*errs = append(*errs, pathErrorf(where, "expected a mapping, got %s", describe(node)))
			return
		}
		before := len(*errs)
		walkStruct(node, t, path, errs)
		if len(*errs) == before && !mentionsEnv(node) {
			// The keys are right: let otelconf's own decoding of this entry
			// (its required fields, bounds and enums) speak, at this path.
			if err := node.Decode(reflect.New(t).Interface()); err != nil {
				*errs = append(*errs, modelError(path, err))
			}
		}
	case reflect.Map:
		if node.Kind != yaml.MappingNode {
			*errs = append(*errs, pathErrorf(where, "expected a mapping, got %s", describe(node)))
			return
		}
		if t.Elem().Kind() == reflect.Interface {
			// map[string]any is how the generator models the schema's
			// empty objects ("console: {}", "sum: {}"): no key is defined.
			for i := 0; i+1 < len(node.Content); i += 2 {
				*errs = append(*errs, pathErrorf(child(path, node.Content[i].Value), "unknown key"))
			}
		}
		// Other maps (distribution) are vendor-defined: anything goes.
	case reflect.Slice:
		if node.Kind != yaml.SequenceNode {
			*errs = append(*errs, pathErrorf(where, "expected a list, got %s", describe(node)))
			return
		}
		for i, item := range node.Content {
			walk(item, t.Elem(), index(path, i), errs)
		}
	default:
		if node.Kind != yaml.ScalarNode {
			*errs = append(*errs, pathErrorf(where, "expected a %s, got %s", t.Kind(), describe(node)))
			return
		}
		if strings.Contains(node.Value, "${") {
			return // substituted from the environment: checked after substitution
		}
		if err := node.Decode(reflect.New(t).Interface()); err != nil {
			*errs = append(*errs, pathErrorf(where, "%s", decodeReason(err)))
		}
	}
}

// walkStruct checks a mapping against a model struct: every key must be a
// field's yaml name or one of the type's extension keys.
func walkStruct(node *yaml.Node, t reflect.Type, path string, errs *[]error) {
	fields := yamlFields(t)
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := node.Content[i].Value, node.Content[i+1]
		if key == "<<" { // a YAML merge key: its mapping belongs to t too
			walk(value, t, path, errs)
			continue
		}
		if ft, ok := fields[key]; ok {
			walk(value, ft, child(path, key), errs)
			continue
		}
		if et, ok := extensionKeys[t][key]; ok {
			walk(value, et, child(path, key), errs)
			continue
		}
		if strings.HasSuffix(key, "/development") {
			// The schema's experimental entries other SDKs may read: say why
			// this one is refused rather than call it a typo.
			*errs = append(*errs, unsupported(child(path, key), "experimental entry absent from otelconf's stable model (known: %s)", knownKeys(fields, t)))
			continue
		}
		*errs = append(*errs, pathErrorf(child(path, key), "unknown key (known: %s)", knownKeys(fields, t)))
	}
}

// yamlFields maps the yaml names of t's fields to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue // AdditionalProperties: not a key of the schema
		}
		fields[name] = f.Type
	}
	return fields
}

// knownKeys lists the keys a mapping of type t accepts, for the error.
func knownKeys(fields map[string]reflect.Type, t reflect.Type) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	for name := range extensionKeys[t] {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// mentionsEnv reports whether a ${VAR} reference occurs under node: such an
// entry is only meaningful after substitution, which otelconf's parser does.
func mentionsEnv(node *yaml.Node) bool {
	if strings.Contains(node.Value, "${") {
		return true
	}
	for _, c := range node.Content {
		if mentionsEnv(c) {
			return true
		}
	}
	return node.Alias != nil && mentionsEnv(node.Alias)
}

// otelconf's validation errors name a field of the entry: "field interval:
// must be >= 0", "field endpoint in *otelconf.OTLPHttpMetricExporter:
// required".
var (
	fieldBound    = regexp.MustCompile(`^field (\S+): (.*)$`)
	fieldRequired = regexp.MustCompile(`^field (\S+) in \S+: required$`)
)

// modelError is a PathError for otelconf's rejection of the entry at path,
// moved to the field it names.
func modelError(path string, err error) error {
	msg := decodeReason(err)
	if lines := strings.Split(msg, "\n"); len(lines) > 1 && strings.HasPrefix(lines[0], "unmarshal error in ") {
		msg = lines[len(lines)-1] // errors.Join(errUnmarshal, reason): the reason
	}
	if m := fieldRequired.FindStringSubmatch(msg); m != nil {
		return pathErrorf(child(path, m[1]), "required")
	}
	if m := fieldBound.FindStringSubmatch(msg); m != nil {
		return pathErrorf(child(path, m[1]), "%s", m[2])
	}
	if path == "" {
		path = "(document)"
	}
	return pathErrorf(path, "%s", msg)
}

// describe names the kind of a YAML node for an error.
func describe(node *yaml.Node) string {
	switch node.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", node.Value)
	}
}

// decodeReason strips yaml.v3's "yaml: unmarshal errors:\n  line N: "
// preamble, which says nothing the path does not.
func decodeReason(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "line ") {
			return rest
		}
		return msg
	}
	return err.Error()
}
