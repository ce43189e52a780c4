package exphist

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// floorDiv is integer division rounding toward minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// oracleIndex computes the bucket index of v > 0 at scale without math.Frexp
// or logarithms: with P = v^(2^scale) computed exactly in big.Float (scale >= 0),
// the index i satisfies 2^i < P <= 2^(i+1). Negative scales group scale-0
// buckets. Only usable for scale <= 5 (the exact power needs 53*2^scale bits).
func oracleIndex(t testing.TB, v float64, scale int32) int64 {
	t.Helper()
	if scale > 5 {
		t.Fatalf("oracle limited to scale <= 5, got %d", scale)
	}
	p := new(big.Float).SetPrec(4096).SetFloat64(v)
	for s := int32(0); s < scale; s++ {
		p.Mul(p, p)
	}
	if p.Acc() != big.Exact {
		t.Fatalf("inexact power for %g", v)
	}
	mant := new(big.Float)
	e := int64(p.MantExp(mant)) // p = mant * 2^e, mant in [0.5, 1)
	i := e - 1                  // p in [2^(e-1), 2^e)
	if mant.Cmp(big.NewFloat(0.5)) == 0 {
		i = e - 2 // p == 2^(e-1): upper bound of the bucket below
	}
	if scale < 0 {
		i = floorDiv(i, int64(1)<<-scale)
	}
	return i
}

func TestBucketIndexPowersOfTwo(t *testing.T) {
	for scale := MinScale; scale <= MaxScale; scale++ {
		for p := int64(-1074); p <= 1023; p++ {
			v := math.Ldexp(1, int(p))
			// 2^p is the inclusive upper bound of bucket i where
			// (i+1)/2^scale == p, i.e. of the bucket below the boundary.
			var want int64
			if scale >= 0 {
				want = p<<scale - 1
			} else {
				want = floorDiv(p-1, int64(1)<<-scale)
			}
			if got := bucketIndex(v, scale); int64(got) != want {
				t.Fatalf("scale %d, 2^%d: index %d, want %d", scale, p, got, want)
			}
		}
	}
}

func TestBucketIndexAgainstOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var values []float64
	for range 2000 {
		// Uniform over the bit patterns of positive finite float64s, so every
		// exponent, subnormals included, is exercised.
		bits := rng.Uint64N(math.Float64bits(math.MaxFloat64)) + 1
		values = append(values, math.Float64frombits(bits))
	}
	values = append(values, math.SmallestNonzeroFloat64, math.MaxFloat64,
		0x1p-1022, math.Nextafter(0x1p-1022, 0), 1, math.Nextafter(1, 2), math.Nextafter(1, 0))
	for scale := MinScale; scale <= 5; scale++ {
		for _, v := range values {
			if got, want := int64(bucketIndex(v, scale)), oracleIndex(t, v, scale); got != want {
				t.Errorf("scale %d, %g (%x): index %d, want %d", scale, v, math.Float64bits(v), got, want)
			}
		}
	}
}

// TestBucketIndexNearBoundaries checks the floats on both sides of the
// irrational boundaries 2^(k/2^scale), where the logarithm rounds worst.
func TestBucketIndexNearBoundaries(t *testing.T) {
	for scale := int32(1); scale <= 5; scale++ {
		for _, octave := range []int{-1074 + 60, -1022, -1, 0, 1, 100, 1022} {
			for k := 1; k < 1<<scale; k++ {
				b := math.Ldexp(math.Exp2(float64(k)/float64(int(1)<<scale)), octave)
				for _, v := range []float64{
					math.Nextafter(b, 0), b, math.Nextafter(b, math.Inf(1)),
					math.Nextafter(math.Nextafter(b, 0), 0),
					math.Nextafter(math.Nextafter(b, math.Inf(1)), math.Inf(1)),
				} {
					if got, want := int64(bucketIndex(v, scale)), oracleIndex(t, v, scale); got != want {
						t.Errorf("scale %d, %v: index %d, want %d", scale, v, got, want)
					}
				}
			}
		}
	}
}

// TestBucketIndexHighScales covers scales beyond the exact oracle: bucket
// midpoints must land in their bucket, and an index at scale s must nest in
// the index at scale s-1 (buckets at s-1 are pairs of buckets at s).
func TestBucketIndexHighScales(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for scale := int32(6); scale <= MaxScale; scale++ {
		per := int64(1) << scale
		for range 2000 {
			octave := rng.Int64N(2046) - 1022
			j := rng.Int64N(per)
			v := math.Ldexp(math.Exp2((float64(j)+0.5)/float64(per)), int(octave))
			if got, want := int64(bucketIndex(v, scale)), octave*per+j; got != want {
				t.Fatalf("scale %d, midpoint of bucket %d (%v): index %d", scale, want, v, got)
			}
		}
		for range 2000 {
			bits := rng.Uint64N(math.Float64bits(math.MaxFloat64)) + 1
			v := math.Float64frombits(bits)
			if fine, coarse := bucketIndex(v, scale), bucketIndex(v, scale-1); fine>>1 != coarse {
				t.Fatalf("scale %d, %v: index %d does not nest in %d at scale %d", scale, v, fine, coarse, scale-1)
			}
		}
	}
}

func TestBucketIndexExtremes(t *testing.T) {
	// Every scale must represent the extreme magnitudes without overflow.
	for scale := MinScale; scale <= MaxScale; scale++ {
		lo := bucketIndex(math.SmallestNonzeroFloat64, scale)
		hi := bucketIndex(math.MaxFloat64, scale)
		if lo >= hi && scale > MinScale {
			t.Errorf("scale %d: smallest %d >= largest %d", scale, lo, hi)
		}
		if scale >= 0 {
			if want := int64(-1074)<<scale - 1; int64(lo) != want {
				t.Errorf("scale %d: smallest subnormal index %d, want %d", scale, lo, want)
			}
			if want := int64(1024)<<scale - 1; int64(hi) != want {
				t.Errorf("scale %d: MaxFloat64 index %d, want %d", scale, hi, want)
			}
		}
	}
}

// TestTableAgreesWithLogarithm cross-checks the two ways of placing a value
// within its octave, on random values and on the floats around every boundary.
func TestTableAgreesWithLogarithm(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for scale := int32(1); scale <= tableMaxScale; scale++ {
		check := func(m float64) {
			if m <= 1 || m >= 2 {
				return
			}
			if a, b := tableSubBucket(m, scale), logSubBucket(m, scale); a != b {
				t.Fatalf("scale %d, m %v: table %d, logarithm %d", scale, m, a, b)
			}
		}
		for range 20000 {
			check(1 + rng.Float64())
		}
		for k := int32(1); k < 1<<scale; k++ {
			b := boundary(k, scale).hi
			for _, m := range []float64{math.Nextafter(b, 0), b, math.Nextafter(b, 2)} {
				check(m)
			}
		}
	}
}
