package otelconf

import (
	"context"
	"fmt"
	"strings"

	conf "go.opentelemetry.io/contrib/otelconf"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/sdk/resource"
)

// newResource builds the resource section as otelconf does (the SDK's
// default resource, which reads OTEL_RESOURCE_ATTRIBUTES and
// OTEL_SERVICE_NAME, then the file's attributes and schema_url), and also
// honours attributes_list, which otelconf v0.27.0 ignores: it is applied
// before attributes, which win on a shared key, as the schema says. The
// stable model has no detectors.
func newResource(ctx context.Context, r *conf.Resource) (*resource.Resource, error) {
	if r == nil {
		return resource.DefaultWithContext(ctx), nil
	}
	var fromList []attribute.KeyValue
	if r.AttributesList != nil && strings.TrimSpace(*r.AttributesList) != "" {
		members, err := baggage.Parse(*r.AttributesList)
		if err != nil {
			return nil, pathErrorf("resource.attributes_list", "not a list of key=value pairs: %v", err)
		}
		for _, m := range members.Members() {
			fromList = append(fromList, attribute.String(m.Key(), m.Value()))
		}
	}
	attrs := make([]attribute.KeyValue, 0, len(r.Attributes))
	for i, a := range r.Attributes {
		kv, err := attributeOf(a)
		if err != nil {
			return nil, &PathError{Path: index("resource.attributes", i), Err: err}
		}
		attrs = append(attrs, kv)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(resource.DefaultWithContext(ctx).Attributes()...),
		resource.WithAttributes(fromList...),
		resource.WithAttributes(attrs...),
		resource.WithSchemaURL(deref(r.SchemaUrl)),
	)
	if err != nil {
		return nil, &PathError{Path: "resource", Err: err}
	}
	return res, nil
}

// attributeOf converts one resource attribute, its value checked against
// its type (string when the type is omitted).
func attributeOf(a conf.AttributeNameValue) (attribute.KeyValue, error) {
	if a.Name == "" {
		return attribute.KeyValue{}, fmt.Errorf("name: empty")
	}
	typ := conf.AttributeTypeString
	if a.Type != nil {
		typ = *a.Type
	}
	bad := func() (attribute.KeyValue, error) {
		return attribute.KeyValue{}, fmt.Errorf("value: %v (%T) is not of type %s", a.Value, a.Value, typ)
	}
	switch typ {
	case conf.AttributeTypeString:
		if v, ok := a.Value.(string); ok {
			return attribute.String(a.Name, v), nil
		}
	case conf.AttributeTypeBool:
		if v, ok := a.Value.(bool); ok {
			return attribute.Bool(a.Name, v), nil
		}
	case conf.AttributeTypeInt:
		if v, ok := a.Value.(int); ok {
			return attribute.Int(a.Name, v), nil
		}
	case conf.AttributeTypeDouble:
		if v, ok := number(a.Value); ok {
			return attribute.Float64(a.Name, v), nil
		}
	case conf.AttributeTypeStringArray:
		if vs, ok := arrayOf(a.Value, func(v any) (string, bool) { s, ok := v.(string); return s, ok }); ok {
			return attribute.StringSlice(a.Name, vs), nil
		}
	case conf.AttributeTypeBoolArray:
		if vs, ok := arrayOf(a.Value, func(v any) (bool, bool) { b, ok := v.(bool); return b, ok }); ok {
			return attribute.BoolSlice(a.Name, vs), nil
		}
	case conf.AttributeTypeIntArray:
		if vs, ok := arrayOf(a.Value, func(v any) (int, bool) { n, ok := v.(int); return n, ok }); ok {
			return attribute.IntSlice(a.Name, vs), nil
		}
	case conf.AttributeTypeDoubleArray:
		if vs, ok := arrayOf(a.Value, number); ok {
			return attribute.Float64Slice(a.Name, vs), nil
		}
	default:
		return attribute.KeyValue{}, fmt.Errorf("type: unknown value %q", typ)
	}
	return bad()
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

func arrayOf[T any](v any, elem func(any) (T, bool)) ([]T, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]T, 0, len(list))
	for _, item := range list {
		e, ok := elem(item)
		if !ok {
			return nil, false
		}
		out = append(out, e)
	}
	return out, true
}
