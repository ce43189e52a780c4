package exphist

import "math"

// log2Scaled[s] is 2^s / ln 2: multiplying a natural logarithm by it yields the
// base-2 logarithm expressed in units of scale-s buckets.
var log2Scaled = func() (f [MaxScale + 1]float64) {
	for s := range f {
		f[s] = math.Ldexp(math.Log2E, s)
	}
	return f
}()

// boundaryTolerance bounds the rounding error of math.Log(m)*log2Scaled[s] for
// m in (1, 2) and s <= MaxScale (a few ulps of a number below 2^20, about
// 1e-9). Results closer than this to an integer are re-checked against the
// bucket boundary itself.
const boundaryTolerance = 1e-7

// bucketIndex returns the index at scale of the bucket holding v, which must be
// positive and finite (subnormals included). Bucket i at scale s holds the
// values in (2^(i/2^s), 2^((i+1)/2^s)]; its upper bound is inclusive, so exact
// powers of two belong to the bucket below them.
//
// The result is exact for every float64 at every scale: powers of two are
// recognised from Frexp; up to tableMaxScale the position within the octave
// comes from precomputed boundaries, above it from the logarithm, and when
// that lands too close to a boundary to trust, the value is compared with the
// boundary computed to ~106 bits.
func bucketIndex(v float64, scale int32) int32 {
	// v = frac * 2^exp with frac in [0.5, 1); Frexp normalises subnormals too.
	frac, exp := math.Frexp(v)
	// octave is the scale-0 bucket: v lies in (2^octave, 2^(octave+1)].
	octave := int32(exp) - 1
	if frac == 0.5 {
		// v == 2^octave exactly: upper bound of the bucket below.
		octave--
		if scale <= 0 {
			return octave >> -scale
		}
		return (octave+1)<<scale - 1
	}
	if scale <= 0 {
		// Buckets at negative scales are aligned groups of 2^-scale octaves;
		// the arithmetic shift floors toward minus infinity as required.
		return octave >> -scale
	}
	// Within the octave, m = 2*frac lies strictly in (1, 2) and the sub-bucket
	// j in [0, 2^scale) satisfies 2^(j/2^scale) < m <= 2^((j+1)/2^scale).
	m := 2 * frac
	if scale <= tableMaxScale {
		return octave<<scale + tableSubBucket(m, scale)
	}
	return octave<<scale + logSubBucket(m, scale)
}

// logSubBucket returns the sub-bucket of m in (1, 2) at scale in [1, 20]
// from its logarithm, checking the boundary itself when the logarithm is too
// close to one to trust.
func logSubBucket(m float64, scale int32) int32 {
	x := math.Log(m) * log2Scaled[scale]
	k := math.Round(x)
	var sub int32
	if ki := int32(k); math.Abs(x-k) < boundaryTolerance && ki > 0 && ki < int32(1)<<scale {
		// Compare m with the boundary k, computed to about 106 bits.
		sub = ki - 1
		if aboveBoundary(m, ki, scale) {
			sub = ki
		}
	} else {
		// Near k == 0 or 2^scale the boundary is 1 or 2, which m (strictly
		// inside the octave) never equals; the clamp below settles those.
		sub = int32(math.Ceil(x)) - 1
	}
	// Keep within the octave whatever the rounding did at its ends.
	return min(max(sub, 0), int32(1)<<scale-1)
}
