package wire

import (
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
)

// sameSet reports whether a and b hold the same attributes. Comparing two
// sets' attributes (Set.Equals) walks and compares every KeyValue, which was
// most of the cost of a cache hit; but an SDK hands the exporter the very
// Set it keeps for a series, export after export, and copies of one Set
// share its immutable attribute array. So sameSet first compares the
// arrays' identity — the same array is the same attributes — and compares
// the attributes only for sets built apart.
func sameSet(a, b *attribute.Set) bool {
	if setIdentityKnown {
		ha, hb := (*setLayout)(unsafe.Pointer(a)), (*setLayout)(unsafe.Pointer(b))
		if ha.hash == hb.hash && ha.data == hb.data {
			return true
		}
	}
	return a.Equals(b)
}

// setLayout mirrors attribute.Set (v1.47.0): the hash, then the attributes
// as an interface holding a [N]attribute.KeyValue array. The interface's
// two words are read as pointers (its type and its boxed array), so two
// sets compare equal here only when they share one array; that is never
// true of different sets: the cache keeps its sets, so an array it compares
// against stays alive and its address is not reused.
type setLayout struct {
	hash uint64
	data [2]unsafe.Pointer
}

// setIdentityKnown is true when attribute.Set has the layout setLayout
// assumes, checked once on real sets; otherwise sameSet always uses Equals.
var setIdentityKnown = checkSetLayout()

func checkSetLayout() bool {
	if unsafe.Sizeof(attribute.Set{}) != unsafe.Sizeof(setLayout{}) ||
		unsafe.Sizeof(attribute.Distinct{}) != unsafe.Sizeof(uint64(0)) {
		return false
	}
	a := attribute.NewSet(attribute.String("k", "v"), attribute.Int("n", 1))
	b := attribute.NewSet(attribute.String("k", "v"), attribute.Int("n", 1))
	c := a // a copy shares a's array
	d := a.Equivalent()
	la, lb, lc := (*setLayout)(unsafe.Pointer(&a)), (*setLayout)(unsafe.Pointer(&b)), (*setLayout)(unsafe.Pointer(&c))
	if la.hash != *(*uint64)(unsafe.Pointer(&d)) || la.hash != lb.hash {
		return false
	}
	// The data words: the same type word for sets of two attributes, a
	// different array for b, the same for the copy c.
	if la.data[0] != lb.data[0] || la.data[1] == lb.data[1] || la.data != lc.data {
		return false
	}
	// The interface holds the array itself: its type word is the array type's.
	var probe any = [2]attribute.KeyValue{}
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&probe))[0] == la.data[0]
}
