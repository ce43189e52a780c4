package aggregate

import (
	"reflect"
	"slices"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
)

// Normalisation of map attribute values.
//
// attribute.Map / attribute.MapValue keep duplicate keys (the API only asks
// users to avoid them), and a SLICE value may hold such maps at any depth.
// The official SDK rewrites every map so each key appears once, keeping the
// value given last, before it aggregates a measurement or builds an
// instrumentation scope: Map("m", a=1, a=2) and Map("m", a=2) are one series.
// fastmeter does the same, but never on the hot path:
//
//   - A series table normalises only on a miss (seriesTable.acquireSlow): the
//     normalised set is what is looked up, created and exported. A set that
//     needs normalising is never stored itself, so every measurement with it
//     misses the lock-free lookup and normalises again (one allocation per
//     measurement, as in the official SDK). That is the price of a user
//     error the API documents; measurements with well-formed sets pay
//     nothing, not even a scan.
//   - Observable streams normalise when an observation finds no point.
//   - Exemplars normalise the attributes a filter dropped when they are
//     offered to a reservoir.
//
// A stream's attribute filter runs before normalisation (the official SDK
// runs it after). Key filters — views' allow/deny lists, advisory keys — give
// the same result either way, as normalising never adds or removes a
// top-level key; only a custom attribute.Filter that inspects a MAP or SLICE
// value sees it un-normalised.
//
// Reading a map's entries through the public Value.AsMap copies them, so the
// scan reads the value's immutable storage in place instead (valueLayout);
// if a future API version changes Value's layout, the scan falls back to
// AsMap/AsSlice, which is correct but allocates.

// NormalizeSet returns set with the duplicate keys of every MAP value (at
// any depth, through SLICE values too) resolved to the value given last,
// and whether anything changed. When nothing changes it returns set itself
// and allocates nothing.
func NormalizeSet(set attribute.Set) (attribute.Set, bool) {
	if norm, ok := normalizedSet(&set); ok {
		return norm, true
	}
	return set, false
}

// normalizedSet returns the normalised form of set when it differs from set;
// otherwise it reports false without allocating.
func normalizedSet(set *attribute.Set) (attribute.Set, bool) {
	n := set.Len()
	for i := range n {
		kv, _ := set.Get(i)
		v, changed := normalizedValue(kv.Value)
		if !changed {
			continue
		}
		// The first change: copy the attributes before it as they are and
		// normalise the rest.
		kvs := make([]attribute.KeyValue, n)
		for j := range i {
			kvs[j], _ = set.Get(j)
		}
		kvs[i] = attribute.KeyValue{Key: kv.Key, Value: v}
		for j := i + 1; j < n; j++ {
			kvs[j], _ = set.Get(j)
			kvs[j].Value, _ = normalizedValue(kvs[j].Value)
		}
		return attribute.NewSet(kvs...), true
	}
	return attribute.Set{}, false
}

// normalizedKVs returns kvs with their values normalised: kvs itself when
// nothing changes (no allocation), a new slice otherwise. Top-level keys are
// left as they are.
func normalizedKVs(kvs []attribute.KeyValue) []attribute.KeyValue {
	for i, kv := range kvs {
		v, changed := normalizedValue(kv.Value)
		if !changed {
			continue
		}
		out := make([]attribute.KeyValue, len(kvs))
		copy(out, kvs[:i])
		out[i] = attribute.KeyValue{Key: kv.Key, Value: v}
		for j := i + 1; j < len(kvs); j++ {
			out[j] = kvs[j]
			out[j].Value, _ = normalizedValue(kvs[j].Value)
		}
		return out
	}
	return kvs
}

// normalizedValue returns v normalised and true, or v and false when it is
// already normal. Only MAP and SLICE values can change.
func normalizedValue(v attribute.Value) (attribute.Value, bool) {
	switch v.Type() {
	case attribute.MAP:
		return normalizedMap(v)
	case attribute.SLICE:
		return normalizedSlice(v)
	default:
		return v, false
	}
}

// normalizedMap resolves the duplicate keys of a MAP value. MapValue sorts
// its entries by key with a stable sort, so the entries of one key are
// adjacent and in the order given: the last of each run is the one kept.
func normalizedMap(v attribute.Value) (attribute.Value, bool) {
	entries := mapEntries(v)
	var out []attribute.KeyValue // nil until something changes
	for i := 0; i < len(entries); {
		end := i + 1
		for end < len(entries) && entries[end].Key == entries[i].Key {
			end++
		}
		kept := entries[end-1]
		nv, nested := normalizedValue(kept.Value)
		if out == nil && (nested || end-i > 1) {
			out = make([]attribute.KeyValue, 0, len(entries)-(end-i-1))
			out = append(out, entries[:i]...) // unchanged so far
		}
		if out != nil {
			out = append(out, attribute.KeyValue{Key: kept.Key, Value: nv})
		}
		i = end
	}
	if out == nil {
		return v, false
	}
	return attribute.MapValue(out...), true
}

// normalizedSlice normalises the elements of a SLICE value.
func normalizedSlice(v attribute.Value) (attribute.Value, bool) {
	elems := sliceElems(v)
	for i, e := range elems {
		ne, changed := normalizedValue(e)
		if !changed {
			continue
		}
		out := make([]attribute.Value, len(elems))
		copy(out, elems[:i])
		out[i] = ne
		for j := i + 1; j < len(elems); j++ {
			out[j], _ = normalizedValue(elems[j])
		}
		return attribute.SliceValue(out...), true
	}
	return v, false
}

// valueLayout locates the storage of MAP and SLICE values inside
// attribute.Value: an interface field holding a [n]KeyValue or [n]Value
// array, which the API never modifies after construction. storageOffset is
// the field's offset, or -1 when the layout is not the expected one (then
// the public AsMap/AsSlice copies are used).
var storageOffset = func() uintptr {
	t := reflect.TypeFor[attribute.Value]()
	off := uintptr(0)
	found := 0
	for i := range t.NumField() {
		if f := t.Field(i); f.Type.Kind() == reflect.Interface && f.Type.NumMethod() == 0 {
			off = f.Offset
			found++
		}
	}
	if found != 1 {
		return ^uintptr(0)
	}
	// Probe: the view must see exactly what the public accessors return.
	m1 := attribute.MapValue(attribute.Int("a", 1))
	m3 := attribute.MapValue(attribute.Int("b", 2), attribute.Int("a", 1), attribute.Int("a", 3))
	s1 := attribute.SliceValue(m3)
	s2 := attribute.SliceValue(attribute.IntValue(7), m1)
	for _, m := range []attribute.Value{m1, m3} {
		if !slices.Equal(viewOf[attribute.KeyValue](&m, off), m.AsMap()) {
			return ^uintptr(0)
		}
	}
	for _, s := range []attribute.Value{s1, s2} {
		if !slices.Equal(viewOf[attribute.Value](&s, off), s.AsSlice()) {
			return ^uintptr(0)
		}
	}
	return off
}()

// viewOf returns the array stored in v's interface field at off as a
// read-only slice, or nil when the field does not hold a [n]E.
func viewOf[E any](v *attribute.Value, off uintptr) []E {
	storage := *(*any)(unsafe.Add(unsafe.Pointer(v), off))
	t := reflect.TypeOf(storage)
	if t == nil || t.Kind() != reflect.Array || t.Elem() != reflect.TypeFor[E]() || t.Len() == 0 {
		return nil
	}
	// An array type whose element is not pointer-shaped is stored behind
	// the interface's data word, which therefore points at the array.
	data := (*[2]unsafe.Pointer)(unsafe.Pointer(&storage))[1]
	return unsafe.Slice((*E)(data), t.Len())
}

// mapEntries returns the entries of a MAP value in stored (key-sorted)
// order, without copying when the layout is known. Callers must not modify
// the result.
func mapEntries(v attribute.Value) []attribute.KeyValue {
	if storageOffset != ^uintptr(0) {
		return viewOf[attribute.KeyValue](&v, storageOffset)
	}
	return v.AsMap()
}

// sliceElems returns the elements of a SLICE value, without copying when the
// layout is known. Callers must not modify the result.
func sliceElems(v attribute.Value) []attribute.Value {
	if storageOffset != ^uintptr(0) {
		return viewOf[attribute.Value](&v, storageOffset)
	}
	return v.AsSlice()
}
