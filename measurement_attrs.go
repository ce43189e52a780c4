package fastmeter

import (
	"reflect"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// The OTel API passes a measurement's attributes inside options, and its only
// public way to read them back, metric.NewAddConfig and friends, costs an
// allocation and reflection per call: on a precomputed attribute set that is
// most of the official SDK's time. For the overwhelmingly common call shape,
// exactly one option made by metric.WithAttributeSet or metric.WithAttributes,
// fastmeter reads the set straight out of the option.
//
// The option's concrete type is unexported, so this relies on its layout: a
// pointer to a struct whose first field is the attribute.Set. init verifies
// that layout with reflection and a probe value, and if a future API version
// changes it the fast path switches itself off and every call takes the
// public route. Correctness never depends on the fast path.

// ifaceWords is the runtime layout of a non-empty interface value.
type ifaceWords struct {
	itab unsafe.Pointer
	data unsafe.Pointer
}

var (
	addOptionItab     unsafe.Pointer
	recordOptionItab  unsafe.Pointer
	observeOptionItab unsafe.Pointer
	// attrFastPath is true when the layout check passed.
	attrFastPath bool
)

func init() {
	probe := attribute.NewSet(attribute.String("fastmeter.probe", "layout"), attribute.Int("n", 2))
	var add metric.AddOption = metric.WithAttributeSet(probe)
	var rec metric.RecordOption = metric.WithAttributeSet(probe)
	var obs metric.ObserveOption = metric.WithAttributeSet(probe)
	var addKVs metric.AddOption = metric.WithAttributes(probe.ToSlice()...)

	t := reflect.TypeOf(add)
	layoutOK := t.Kind() == reflect.Pointer &&
		t.Elem().Kind() == reflect.Struct &&
		t.Elem().NumField() >= 1 &&
		t.Elem().Field(0).Offset == 0 &&
		t.Elem().Field(0).Type == reflect.TypeFor[attribute.Set]() &&
		reflect.TypeOf(addKVs) == t
	if !layoutOK {
		return
	}
	addOptionItab = words(unsafe.Pointer(&add)).itab
	recordOptionItab = words(unsafe.Pointer(&rec)).itab
	observeOptionItab = words(unsafe.Pointer(&obs)).itab
	got := (*attribute.Set)(words(unsafe.Pointer(&add)).data)
	gotKVs := (*attribute.Set)(words(unsafe.Pointer(&addKVs)).data)
	attrFastPath = got.Equals(&probe) && gotKVs.Equals(&probe) &&
		words(unsafe.Pointer(&addKVs)).itab == addOptionItab
}

func words(iface unsafe.Pointer) *ifaceWords { return (*ifaceWords)(iface) }

// fastAddAttributes returns the attribute set inside an Add call's single
// WithAttributeSet/WithAttributes option, without copying or allocating.
// ok is false for any other call shape; the caller then uses
// metric.NewAddConfig.
func fastAddAttributes(opts []metric.AddOption) (set *attribute.Set, ok bool) {
	if len(opts) == 1 && attrFastPath {
		if w := words(unsafe.Pointer(&opts[0])); w.itab == addOptionItab {
			return (*attribute.Set)(w.data), true
		}
	}
	return nil, false
}

// fastRecordAttributes is fastAddAttributes for Record calls.
func fastRecordAttributes(opts []metric.RecordOption) (set *attribute.Set, ok bool) {
	if len(opts) == 1 && attrFastPath {
		if w := words(unsafe.Pointer(&opts[0])); w.itab == recordOptionItab {
			return (*attribute.Set)(w.data), true
		}
	}
	return nil, false
}

// fastObserveAttributes is fastAddAttributes for Observe calls.
func fastObserveAttributes(opts []metric.ObserveOption) (set *attribute.Set, ok bool) {
	if len(opts) == 1 && attrFastPath {
		if w := words(unsafe.Pointer(&opts[0])); w.itab == observeOptionItab {
			return (*attribute.Set)(w.data), true
		}
	}
	return nil, false
}
