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

// deepEqual is the public, attribute-by-attribute comparison, kept out of
// line so the callers stay small.
//
//go:noinline
func deepEqual(a, b *attribute.Set) bool { return a.Equals(b) }
