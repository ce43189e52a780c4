package fastmeter

import (
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
)

// Options of the experimental API package go.opentelemetry.io/otel/metric/x
// are recognised by the methods they implement, as the official SDK does, so
// fastmeter does not depend on that package (whose options may change
// between releases) and a look-alike option behaves the same.
//
//   - x.WithUnsafeAttributes (a measurement option with RawAttributes):
//     its key-values are merged into the measurement's attribute set, and
//     override the standard options' values for the same key.
//   - x.WithDefaultAttributes (an instrument option with AllowedKeys): the
//     instrument's advisory attribute keys. A stream whose view sets no
//     AttributeFilter keeps only those keys (an empty list keeps none).
//
// Both are looked for only where the OTel API's option helpers already run
// (instrument creation, and the general measurement path through
// metric.NewAddConfig and friends): a call with one WithAttributeSet or
// WithAttributes option never sees them (see measurement_attrs.go).

// rawAttributesOption is the method set of x.WithUnsafeAttributes' option.
type rawAttributesOption interface {
	RawAttributes() []attribute.KeyValue
	Experimental()
}

// allowedKeysOption is the method set of x.WithDefaultAttributes' option.
type allowedKeysOption interface {
	AllowedKeys() []attribute.Key
}

// withRawAttributes returns set merged with the key-values of every
// raw-attribute option in opts (later ones win for a duplicate key, and all
// of them win over set's). Without such an option it returns set itself and
// costs one type assertion per option. The caller's slices are never
// modified: the merge is a new slice.
func withRawAttributes[T any](instrument string, set attribute.Set, opts []T) attribute.Set {
	var merged []attribute.KeyValue
	for _, o := range opts {
		r, ok := any(o).(rawAttributesOption)
		if !ok {
			continue
		}
		kvs, ok := rawAttributes(instrument, r)
		if !ok || len(kvs) == 0 {
			continue
		}
		if merged == nil {
			merged = make([]attribute.KeyValue, 0, set.Len()+len(kvs))
			merged = append(merged, set.ToSlice()...)
		}
		merged = append(merged, kvs...)
	}
	if merged == nil {
		return set
	}
	// NewSet keeps the last value of a duplicate key: the raw key-values,
	// appended after the standard ones, override them.
	return attribute.NewSet(merged...)
}

// rawAttributes calls a raw-attribute option, which may be user code: a
// panic in it loses the option's attributes, reported, never the
// measurement.
func rawAttributes(instrument string, r rawAttributesOption) (kvs []attribute.KeyValue, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			otel.Handle(fmt.Errorf("fastmeter: instrument %q: the RawAttributes method of a measurement option (%T) panicked: %v; "+
				"its attributes are ignored, the measurement is kept", instrument, r, p))
			kvs, ok = nil, false
		}
	}()
	return r.RawAttributes(), true
}

// defaultAttributeKeys returns the advisory attribute keys that the
// instrument options set with x.WithDefaultAttributes, all of them if
// several do. nil means none does (every key is kept); an empty, non-nil
// slice means the option was given without keys (none is kept).
func defaultAttributeKeys[T any](name string, opts []T) []attribute.Key {
	var keys []attribute.Key
	found := false
	for _, o := range opts {
		a, ok := any(o).(allowedKeysOption)
		if !ok {
			continue
		}
		found = true
		keys = append(keys, allowedKeys(name, a)...)
	}
	if found && keys == nil {
		return []attribute.Key{}
	}
	return keys
}

// allowedKeys calls an advisory-keys option, turning a panic into a report
// (the instrument then keeps no attribute, which is what the option was
// meant to restrict towards).
func allowedKeys(instrument string, a allowedKeysOption) (keys []attribute.Key) {
	defer func() {
		if p := recover(); p != nil {
			otel.Handle(fmt.Errorf("fastmeter: instrument %q: the AllowedKeys method of an instrument option (%T) panicked: %v; "+
				"the instrument keeps no attribute by default", instrument, a, p))
			keys = nil
		}
	}()
	return a.AllowedKeys()
}
