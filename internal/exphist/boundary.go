package exphist

import (
	"math"
	"math/big"
)

// doubleDouble is an unevaluated sum hi+lo of two float64s, carrying about
// 106 bits of precision: enough to tell on which side of an irrational bucket
// boundary any float64 lies.
type doubleDouble struct{ hi, lo float64 }

// mul returns a*b to about 2^-104 relative error (Dekker's product via FMA).
func (a doubleDouble) mul(b doubleDouble) doubleDouble {
	p := a.hi * b.hi
	e := math.FMA(a.hi, b.hi, -p) // exact rounding error of a.hi*b.hi
	e += a.hi*b.lo + a.lo*b.hi
	hi := p + e
	return doubleDouble{hi, e - (hi - p)}
}

// rootsOfTwo[j] is 2^(2^-j) in double-double precision, computed once with
// big.Float square roots.
var rootsOfTwo = func() (r [MaxScale + 1]doubleDouble) {
	x := new(big.Float).SetPrec(256).SetInt64(2)
	rem := new(big.Float).SetPrec(256)
	for j := 0; j <= int(MaxScale); j++ {
		hi, _ := x.Float64()
		lo, _ := rem.Sub(x, big.NewFloat(hi)).Float64()
		r[j] = doubleDouble{hi, lo}
		x.Sqrt(x)
	}
	return r
}()

// boundary returns 2^(k/2^scale) for 0 <= k <= 2^scale as the product of
// 2^(2^(i-scale)) over the bits i set in k, in double-double arithmetic (at
// most 21 products, no allocation).
func boundary(k, scale int32) doubleDouble {
	b := doubleDouble{hi: 1}
	for i := int32(0); i <= scale; i++ {
		if k&(1<<i) != 0 {
			b = b.mul(rootsOfTwo[scale-i])
		}
	}
	return b
}

// aboveBoundary reports whether m, in (1, 2), is strictly greater than the
// boundary 2^(k/2^scale).
func aboveBoundary(m float64, k, scale int32) bool {
	return above(m, boundary(k, scale))
}
