package aggregate

import (
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
)

// directOK reports whether measurements may update this sum's series
// without Measure (the add paths' direct modes, add_path.go): no attribute
// filter applies (the series' set is the measurement's), the stream never
// removes series (none can be retired under the writer), and the
// attribute layout checks passed (sameBytes is sound). The caller must
// also honour the exemplar rule (see DirectSum).
func (s *sum[N]) directOK() bool { return s.fast && kvLayoutOK }

// sameBytes reports that a and b share their attribute storage or hold the
// same attributes byte for byte, as a set built per call from the same
// strings as its series' set does; equal bytes are equal attributes (a
// KeyValue has no padding: only valid where kvLayoutOK). False means
// "compare further", not "different". Small enough to inline.
func sameBytes(a, b *attribute.Set) bool {
	la, lb := layoutOf(a), layoutOf(b)
	if la.typ != lb.typ {
		return false
	}
	// Equal type words: both nil (zero Sets, whose data is nil too) or
	// the same array type, whose size is read from it.
	return la.data == lb.data || bytesAt(la.data, arraySize(la.typ)) == bytesAt(lb.data, arraySize(la.typ))
}

// bytesAt views n bytes at p as a string, to compare them with one
// memequal. Unlike unsafe.String it adds no checks: p and n come from a
// live array and its type's size.
func bytesAt(p unsafe.Pointer, n int) string {
	type header struct {
		data unsafe.Pointer
		len  int
	}
	return *(*string)(unsafe.Pointer(&header{p, n}))
}
