package aggregate

import (
	"reflect"
	"slices"
	"unicode/utf8"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
)

// Normalisation of attribute sets: duplicate map keys resolved, and invalid
// UTF-8 repaired in the same pass (utf8.go says why and how).
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
//     misses the lock-free lookup; the table remembers its normal form
//     (normal_forms.go), so it is normalised once and repeated without
//     allocating. That is the price of a user error the API documents;
//     measurements with well-formed sets pay nothing, not even a scan.
//   - Observable streams normalise when an observation finds no point.
//   - Exemplars normalise the attributes a filter dropped when they are
//     offered to a reservoir.
//
// A stream's attribute filter runs before normalisation (the official SDK
// runs it after). Key filters — views' allow/deny lists, advisory keys — give
// the same result either way, as resolving map keys never adds or removes a
// top-level key; only a custom attribute.Filter that inspects a MAP or SLICE
// value, or a key or string with invalid UTF-8, sees it un-normalised.
//
// Reading a map's entries through the public Value.AsMap copies them, so the
// scan reads the value's immutable storage in place instead (valueLayout);
// if a future API version changes Value's layout, the scan falls back to
// AsMap/AsSlice, which is correct but allocates.

// fixes says what normalising changed in a set or value.
type fixes uint8

const (
	// fixedDuplicateKeys: a MAP value repeated a key.
	fixedDuplicateKeys fixes = 1 << iota
	// fixedInvalidUTF8: a key or string was not valid UTF-8 (see utf8.go).
	fixedInvalidUTF8
)

// NormalizeSet returns set with the duplicate keys of every MAP value (at
// any depth, through SLICE values too) resolved to the value given last and
// every key and string repaired to valid UTF-8 (ValidUTF8), whether
// anything changed, and whether invalid UTF-8 was repaired. When nothing
// changes it returns set itself and allocates nothing.
func NormalizeSet(set attribute.Set) (norm attribute.Set, changed, repairedUTF8 bool) {
	if n, f := normalizedSet(&set); f != 0 {
		return n, true, f&fixedInvalidUTF8 != 0
	}
	return set, false, false
}

// normalizedSet returns the normalised form of set and what changed, when
// something did; otherwise it reports no fixes without allocating. Repaired
// top-level keys may collide (two invalid keys can repair to one); the set
// keeps the attribute that sorted last among them, as attribute.NewSet does
// for duplicates, so the result depends on set alone.
func normalizedSet(set *attribute.Set) (attribute.Set, fixes) {
	n := set.Len()
	for i := range n {
		kv, _ := set.Get(i)
		nkv, f := normalizedKV(kv)
		if f == 0 {
			continue
		}
		// The first change: copy the attributes before it as they are and
		// normalise the rest.
		kvs := make([]attribute.KeyValue, n)
		for j := range i {
			kvs[j], _ = set.Get(j)
		}
		kvs[i] = nkv
		for j := i + 1; j < n; j++ {
			kv, _ := set.Get(j)
			var fj fixes
			kvs[j], fj = normalizedKV(kv)
			f |= fj
		}
		return attribute.NewSet(kvs...), f
	}
	return attribute.Set{}, 0
}

// normalizedKVs returns kvs normalised: kvs itself when nothing changes (no
// allocation), a new slice otherwise.
func normalizedKVs(kvs []attribute.KeyValue) []attribute.KeyValue {
	for i, kv := range kvs {
		nkv, f := normalizedKV(kv)
		if f == 0 {
			continue
		}
		out := make([]attribute.KeyValue, len(kvs))
		copy(out, kvs[:i])
		out[i] = nkv
		for j := i + 1; j < len(kvs); j++ {
			out[j], _ = normalizedKV(kvs[j])
		}
		return out
	}
	return kvs
}

// normalizedKV normalises one attribute: its key repaired to valid UTF-8,
// its value normalised.
func normalizedKV(kv attribute.KeyValue) (attribute.KeyValue, fixes) {
	v, f := normalizedValue(kv.Value)
	key, repaired := ValidUTF8(string(kv.Key))
	if repaired {
		f |= fixedInvalidUTF8
	}
	if f == 0 {
		return kv, 0
	}
	return attribute.KeyValue{Key: attribute.Key(key), Value: v}, f
}

// normalizedValue returns v normalised and what changed, or v and no fixes
// when it is already normal. Only STRING, STRINGSLICE, MAP and SLICE values
// can change.
func normalizedValue(v attribute.Value) (attribute.Value, fixes) {
	switch v.Type() {
	case attribute.STRING:
		if s, repaired := ValidUTF8(v.AsString()); repaired {
			return attribute.StringValue(s), fixedInvalidUTF8
		}
		return v, 0
	case attribute.STRINGSLICE:
		return normalizedStrings(v)
	case attribute.MAP:
		return normalizedMap(v)
	case attribute.SLICE:
		return normalizedSlice(v)
	default:
		return v, 0
	}
}

// normalizedStrings repairs the elements of a STRINGSLICE value.
func normalizedStrings(v attribute.Value) (attribute.Value, fixes) {
	elems := stringElems(v)
	for i, e := range elems {
		if utf8.ValidString(e) {
			continue
		}
		out := make([]string, len(elems))
		copy(out, elems[:i])
		for j := i; j < len(elems); j++ {
			out[j], _ = ValidUTF8(elems[j])
		}
		return attribute.StringSliceValue(out), fixedInvalidUTF8
	}
	return v, 0
}

// normalizedMap resolves the duplicate keys of a MAP value and repairs its
// keys and values. MapValue sorts its entries by key with a stable sort, so
// the entries of one key are adjacent and in the order given: the last of
// each run is the one kept. Repaired keys may sort elsewhere and collide, so
// a map with an invalid key is first rebuilt with repaired keys, in stored
// order, and then deduplicated: of the entries of one original key the one
// given last still wins; of different original keys that repair to one, the
// key that sorted last does (a rule of the set alone, so one invalid map is
// always the same repaired map).
func normalizedMap(v attribute.Value) (attribute.Value, fixes) {
	entries := mapEntries(v)
	var f fixes
	for _, e := range entries {
		if utf8.ValidString(string(e.Key)) {
			continue
		}
		repairedKeys := make([]attribute.KeyValue, len(entries))
		for j, e := range entries {
			k, _ := ValidUTF8(string(e.Key))
			repairedKeys[j] = attribute.KeyValue{Key: attribute.Key(k), Value: e.Value}
		}
		v = attribute.MapValue(repairedKeys...)
		entries = mapEntries(v)
		f = fixedInvalidUTF8
		break
	}
	var out []attribute.KeyValue // nil until something changes
	for i := 0; i < len(entries); {
		end := i + 1
		for end < len(entries) && entries[end].Key == entries[i].Key {
			end++
		}
		kept := entries[end-1]
		nv, nested := normalizedValue(kept.Value)
		f |= nested
		if end-i > 1 {
			f |= fixedDuplicateKeys
		}
		if out == nil && (nested != 0 || end-i > 1) {
			out = make([]attribute.KeyValue, 0, len(entries)-(end-i-1))
			out = append(out, entries[:i]...) // unchanged so far
		}
		if out != nil {
			out = append(out, attribute.KeyValue{Key: kept.Key, Value: nv})
		}
		i = end
	}
	if out == nil {
		return v, f // v is the rebuilt map when keys were repaired
	}
	return attribute.MapValue(out...), f
}

// normalizedSlice normalises the elements of a SLICE value.
func normalizedSlice(v attribute.Value) (attribute.Value, fixes) {
	elems := sliceElems(v)
	for i, e := range elems {
		ne, f := normalizedValue(e)
		if f == 0 {
			continue
		}
		out := make([]attribute.Value, len(elems))
		copy(out, elems[:i])
		out[i] = ne
		for j := i + 1; j < len(elems); j++ {
			var fj fixes
			out[j], fj = normalizedValue(elems[j])
			f |= fj
		}
		return attribute.SliceValue(out...), f
	}
	return v, 0
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
	ss := attribute.StringSliceValue([]string{"a", "b"})
	if !slices.Equal(viewOf[string](&ss, off), ss.AsStringSlice()) {
		return ^uintptr(0)
	}
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

// stringElems returns the elements of a STRINGSLICE value, without copying
// when the layout is known. Callers must not modify the result.
func stringElems(v attribute.Value) []string {
	if storageOffset != ^uintptr(0) {
		return viewOf[string](&v, storageOffset)
	}
	return v.AsStringSlice()
}

// sliceElems returns the elements of a SLICE value, without copying when the
// layout is known. Callers must not modify the result.
func sliceElems(v attribute.Value) []attribute.Value {
	if storageOffset != ^uintptr(0) {
		return viewOf[attribute.Value](&v, storageOffset)
	}
	return v.AsSlice()
}
