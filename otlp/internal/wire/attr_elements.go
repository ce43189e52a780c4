package wire

import (
	"iter"

	"go.opentelemetry.io/otel/attribute"
)

// elements yields the elements of a slice-kind attribute value (the typed
// slices and SLICE) as values, so both encoders write every kind of array
// through one loop.
func elements(v attribute.Value) iter.Seq[attribute.Value] {
	return func(yield func(attribute.Value) bool) {
		switch v.Type() {
		case attribute.BOOLSLICE:
			for _, b := range v.AsBoolSlice() {
				if !yield(attribute.BoolValue(b)) {
					return
				}
			}
		case attribute.INT64SLICE:
			for _, n := range v.AsInt64Slice() {
				if !yield(attribute.Int64Value(n)) {
					return
				}
			}
		case attribute.FLOAT64SLICE:
			for _, f := range v.AsFloat64Slice() {
				if !yield(attribute.Float64Value(f)) {
					return
				}
			}
		case attribute.STRINGSLICE:
			for _, s := range v.AsStringSlice() {
				if !yield(attribute.StringValue(s)) {
					return
				}
			}
		case attribute.SLICE:
			for _, e := range v.AsSlice() {
				if !yield(e) {
					return
				}
			}
		}
	}
}
