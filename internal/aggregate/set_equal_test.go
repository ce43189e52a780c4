package aggregate

import (
	"math"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// deepEqual must agree with Set.Equals on every pair: equal content in
// distinct storage, every value type, a single differing field, different
// lengths, strings equal by content but not by pointer, and the float
// corner cases (NaN, -0) that Equals decides by their bits.
func TestDeepEqualAgreesWithEquals(t *testing.T) {
	if !kvLayoutOK {
		t.Fatal("the KeyValue layout check failed: deepEqual would fall back to Set.Equals")
	}
	dyn := func(s string) string { return string([]byte(s)) } // same content, new storage
	values := []attribute.KeyValue{
		attribute.Bool("k", true), attribute.Bool("k", false),
		attribute.Int64("k", 1), attribute.Int64("k", -1), attribute.Int64("k", 0),
		attribute.Float64("k", 0.5), attribute.Float64("k", math.NaN()), attribute.Float64("k", math.Copysign(0, -1)), attribute.Float64("k", 0),
		attribute.String("k", "v"), attribute.String("k", dyn("v")), attribute.String("k", "w"), attribute.String("k", ""),
		attribute.StringSlice("k", []string{"a", "b"}), attribute.StringSlice("k", []string{"a", dyn("b")}), attribute.StringSlice("k", []string{"a"}),
		attribute.Int64Slice("k", []int64{1, 2}), attribute.Float64Slice("k", []float64{1}), attribute.BoolSlice("k", []bool{true}),
		attribute.String(dyn("k"), "v"), attribute.String("j", "v"),
	}
	sets := []attribute.Set{*attribute.EmptySet()}
	for _, v := range values {
		sets = append(sets,
			attribute.NewSet(v),
			attribute.NewSet(attribute.String("a", "x"), v),
			attribute.NewSet(attribute.String("a", dyn("x")), v, attribute.Int("z", 3)))
	}
	for i := range sets {
		for j := range sets {
			if got, want := deepEqual(&sets[i], &sets[j]), sets[i].Equals(&sets[j]); got != want {
				t.Errorf("deepEqual(%v, %v) = %v, Equals says %v", sets[i].ToSlice(), sets[j].ToSlice(), got, want)
			}
		}
	}
}
