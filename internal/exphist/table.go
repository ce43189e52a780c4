package exphist

import (
	"math"
	"sync/atomic"
)

// tableMaxScale is the highest scale indexed by table lookup instead of a
// logarithm. Tables for scales 1..10 take about 40 KiB in all, built on first
// use of each scale; real series mostly settle at scales well below 10.
const tableMaxScale = 10

// scaleTable locates m in (1, 2) among the 2^scale sub-buckets of an octave.
// The octave is cut into 2^(scale+1) equal slices by the leading mantissa
// bits; neighbouring boundaries are at least ln2/2^scale apart, more than a
// slice (1/2^(scale+1)), so a slice holds at most one boundary and one
// comparison settles the sub-bucket.
type scaleTable struct {
	// first[p] is the sub-bucket holding the lower end of slice p.
	first []uint16
	// bound[j] is the boundary 2^(j/2^scale), j in [0, 2^scale].
	bound []doubleDouble
}

var scaleTables [tableMaxScale + 1]atomic.Pointer[scaleTable]

// tableSubBucket returns the sub-bucket of m in (1, 2) at scale in
// [1, tableMaxScale].
func tableSubBucket(m float64, scale int32) int32 {
	t := scaleTables[scale].Load()
	if t == nil {
		t = buildScaleTable(scale)
		scaleTables[scale].CompareAndSwap(nil, t) // a racing builder made the same
	}
	slice := (math.Float64bits(m) & (1<<52 - 1)) >> (52 - (scale + 1))
	j := int32(t.first[slice])
	if above(m, t.bound[j+1]) {
		j++
	}
	return j
}

// above reports whether m > b exactly, for m and b.hi in [1, 2].
func above(m float64, b doubleDouble) bool {
	// m-b.hi is exact (Sterbenz), so this compares m with hi+lo exactly.
	return m-b.hi > b.lo
}

func buildScaleTable(scale int32) *scaleTable {
	n := int32(1) << scale
	t := &scaleTable{first: make([]uint16, 2*n), bound: make([]doubleDouble, n+1)}
	for j := range n + 1 {
		t.bound[j] = boundary(j, scale)
	}
	j := int32(0)
	for p := range 2 * n {
		lower := 1 + math.Ldexp(float64(p), -int(scale+1)) // exact
		for j+1 < n && above(lower, t.bound[j+1]) {
			j++
		}
		t.first[p] = uint16(j)
	}
	return t
}
