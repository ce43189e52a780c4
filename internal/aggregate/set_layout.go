package aggregate

import (
	"hash/maphash"
	"reflect"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
)

// attribute.Set carries the 64-bit hash the API computed when it built the
// set, and its attributes behind an interface. The public API exposes the
// hash only as an opaque attribute.Distinct and equality only as Equals, a
// deep comparison. The hot path reads both directly:
//
//   - the hash, instead of hashing the Distinct again;
//   - the identity of the attribute storage: a caller that reuses one
//     precomputed set passes the very same storage every time, so a pointer
//     comparison proves equality without comparing the attributes.
//
// This depends on Set's layout ({hash uint64; data any}). init verifies it
// with reflection and a probe; if a future API version changes it, both fast
// paths switch off and the public Equivalent/Equals are used. Correctness
// never depends on them: a hash is only a probe start, and identity is only
// ever a shortcut to "equal".
type setLayout struct {
	hash uint64
	typ  unsafe.Pointer
	data unsafe.Pointer
}

var setLayoutOK = func() bool {
	t := reflect.TypeFor[attribute.Set]()
	if t.Size() != unsafe.Sizeof(setLayout{}) || t.NumField() != 2 ||
		t.Field(0).Type.Kind() != reflect.Uint64 || t.Field(0).Offset != 0 ||
		t.Field(1).Type.Kind() != reflect.Interface || t.Field(1).Offset != 8 {
		return false
	}
	a := attribute.NewSet(attribute.String("fastmeter.probe", "a"), attribute.Int("n", 1))
	b := attribute.NewSet(attribute.Int("n", 1), attribute.String("fastmeter.probe", "a"))
	c := attribute.NewSet(attribute.String("fastmeter.probe", "c"))
	la, lb, lc := layoutOf(&a), layoutOf(&b), layoutOf(&c)
	return la.hash != 0 && la.hash == lb.hash && la.hash != lc.hash &&
		la.typ == lb.typ && la.data != lb.data // equal sets, distinct storage
}()

func layoutOf(s *attribute.Set) *setLayout { return (*setLayout)(unsafe.Pointer(s)) }

// fastHash is whether setHash may read the API's hash directly; tests that
// force collisions turn it off.
var fastHash = setLayoutOK

// setHash returns the table hash of a set. Small enough to inline.
func setHash(s *attribute.Set) uint64 {
	if h := layoutOf(s).hash; fastHash && h != 0 {
		return h
	}
	return setHashSlow(s)
}

func setHashSlow(s *attribute.Set) uint64 {
	if forceCollisions {
		return 42
	}
	return maphash.Comparable(hashSeed, s.Equivalent())
}

// identical reports whether a and b share their attribute storage, which
// proves them equal. Small enough to inline.
func identical(a, b *attribute.Set) bool {
	la, lb := layoutOf(a), layoutOf(b)
	return setLayoutOK && la.data == lb.data && la.typ == lb.typ
}

// deepEqual compares two sets attribute by attribute; callers have already
// matched their hashes. Set.Equals does the same through the runtime's
// generic interface equality, which costs more than the rest of a
// measurement whenever a caller builds its set per call (its storage is then
// never identical to the series'). Here the attributes are compared as
// plain fields — strings first by length and pointer —
// with exactly Equals' result: every field of every KeyValue is compared.
// Kept out of line so the callers stay small.
//
//go:noinline
func deepEqual(a, b *attribute.Set) bool {
	if !kvLayoutOK && !kvProbing {
		return a.Equals(b)
	}
	la, lb := layoutOf(a), layoutOf(b)
	if la.typ != lb.typ { // [n]KeyValue: a different type is a different length
		return false
	}
	if la.typ == nil || la.data == lb.data {
		return true
	}
	// Sets built from the same strings (the usual per-call set: the same
	// literals or precomputed values each time) are equal byte for byte;
	// one memequal of the arrays proves it. KeyValue has no padding
	// (kvLayoutOK checks), so equal bytes are equal fields.
	size := arraySize(la.typ)
	if unsafe.String((*byte)(la.data), size) == unsafe.String((*byte)(lb.data), size) {
		return true
	}
	return fieldsEqual(la.data, lb.data, size)
}

// fieldsEqual compares two arrays of KeyValue of size bytes field by field:
// their bytes differ, but equal strings may live in distinct storage.
func fieldsEqual(a, b unsafe.Pointer, size int) bool {
	n := size / int(unsafe.Sizeof(kvLayout{}))
	x := unsafe.Slice((*kvLayout)(a), n)
	y := unsafe.Slice((*kvLayout)(b), n)
	for i := range x {
		p, q := &x[i], &y[i]
		if p.vtype != q.vtype || p.numeric != q.numeric || !sameString(p.key, q.key) || !sameString(p.stringly, q.stringly) {
			return false
		}
		// Only slice-typed values have a slice; comparing two nil
		// interfaces would still call into the runtime.
		if (p.slice != nil || q.slice != nil) && p.slice != q.slice {
			return false
		}
	}
	return true
}

// sameString is a == b, deciding without a call when the two share their
// bytes: keys and values usually come from the same literals or the same
// precomputed strings.
func sameString(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}

// arraySize is the size in bytes of the array type whose runtime type
// descriptor is typ: the descriptor starts with the type's size, as it has
// in every Go release (kvLayoutOK verifies it on probe sets).
func arraySize(typ unsafe.Pointer) int { return int(*(*uintptr)(typ)) }

// setIface is attribute.Set as setLayoutOK verified it, with its data as the
// interface it is.
type setIface struct {
	hash uint64
	data any
}

// kvLayout mirrors attribute.KeyValue: {Key string; Value{vtype Type (an
// int); numeric uint64; stringly string; slice any}}.
type kvLayout struct {
	key      string
	vtype    int
	numeric  uint64
	stringly string
	slice    any
}

// kvLayoutOK is whether deepEqual may compare attributes as memory: set by
// probeKVLayout when the layout matches kvLayout, a set's data is an array
// of KeyValue, and a probe of equal and unequal pairs agrees with
// Set.Equals. Otherwise deepEqual uses Set.Equals.
var kvLayoutOK bool

func init() { kvLayoutOK = probeKVLayout() }

// kvProbing lets deepEqual compare fields while probeKVLayout checks them.
var kvProbing bool

func probeKVLayout() bool {
	kv, val := reflect.TypeFor[attribute.KeyValue](), reflect.TypeFor[attribute.Value]()
	type field struct {
		t      reflect.Type
		i      int
		kind   reflect.Kind
		offset uintptr
	}
	for _, f := range []field{
		{kv, 0, reflect.String, 0}, {kv, 1, reflect.Struct, 16},
		{val, 0, reflect.Int, 0}, {val, 1, reflect.Uint64, 8}, {val, 2, reflect.String, 16}, {val, 3, reflect.Interface, 32},
	} {
		if f.t.NumField() <= f.i || f.t.Field(f.i).Type.Kind() != f.kind || f.t.Field(f.i).Offset != f.offset {
			return false
		}
	}
	if !setLayoutOK || kv.NumField() != 2 || val.NumField() != 4 || kv.Size() != unsafe.Sizeof(kvLayout{}) ||
		val.Size() != 48 || unsafe.Sizeof(kvLayout{}) != 64 { // no padding anywhere
		return false
	}
	for n := 1; n <= 4; n++ {
		kvs := make([]attribute.KeyValue, n)
		for i := range kvs {
			kvs[i] = attribute.Int(string(rune('a'+i)), i)
		}
		set := attribute.NewSet(kvs...)
		d := (*setIface)(unsafe.Pointer(&set)).data
		if reflect.TypeOf(d).Kind() != reflect.Array || arraySize(layoutOf(&set).typ) != n*int(kv.Size()) {
			return false
		}
	}
	build := func(last attribute.KeyValue) attribute.Set {
		return attribute.NewSet(attribute.String("a", "x"), attribute.Int("b", 2), attribute.Float64("c", 0.5),
			attribute.StringSlice("d", []string{"p", "q"}), last)
	}
	base := build(attribute.Bool("e", true))
	for _, other := range []attribute.Set{
		build(attribute.Bool("e", true)), build(attribute.Bool("e", false)), build(attribute.Int("e", 1)),
		build(attribute.String("e", "true")), build(attribute.StringSlice("e", []string{"true"})),
		build(attribute.Bool("f", true)), attribute.NewSet(attribute.String("a", "x")),
	} {
		kvProbing = true
		same := deepEqual(&base, &other)
		kvProbing = false
		if same != base.Equals(&other) {
			return false
		}
	}
	return true
}
