package exphist

import (
	"math"
	"sync/atomic"
)

// atomicValue holds an int64 or float64 as its 64 bits, so one type serves
// both instantiations of the histogram.
type atomicValue[N int64 | float64] struct{ bits atomic.Uint64 }

func isFloat[N int64 | float64]() bool {
	var zero N
	_, ok := any(zero).(float64)
	return ok
}

func toBits[N int64 | float64](v N) uint64 {
	if isFloat[N]() {
		return math.Float64bits(float64(v))
	}
	return uint64(int64(v))
}

func fromBits[N int64 | float64](b uint64) N {
	if isFloat[N]() {
		return N(math.Float64frombits(b))
	}
	return N(int64(b))
}

func (a *atomicValue[N]) load() N   { return fromBits[N](a.bits.Load()) }
func (a *atomicValue[N]) store(v N) { a.bits.Store(toBits(v)) }

// add adds v: one atomic add for integers (two's complement addition is the
// same on the bits), a compare-and-swap loop for floats.
func (a *atomicValue[N]) add(v N) {
	if !isFloat[N]() {
		a.bits.Add(toBits(v))
		return
	}
	for {
		old := a.bits.Load()
		if a.bits.CompareAndSwap(old, toBits(fromBits[N](old)+v)) {
			return
		}
	}
}

// lower stores v if it is below the held value; the common case (not a new
// minimum) is a single load.
func (a *atomicValue[N]) lower(v N) {
	for {
		old := a.bits.Load()
		if fromBits[N](old) <= v || a.bits.CompareAndSwap(old, toBits(v)) {
			return
		}
	}
}

// raise stores v if it is above the held value.
func (a *atomicValue[N]) raise(v N) {
	for {
		old := a.bits.Load()
		if fromBits[N](old) >= v || a.bits.CompareAndSwap(old, toBits(v)) {
			return
		}
	}
}

// extremes returns the largest value of N and its negation, the starting
// points of a running minimum and maximum (±Inf for floats: Record never
// stores an infinity, so they cannot be confused with a value).
func extremes[N int64 | float64]() (top, bottom N) {
	if isFloat[N]() {
		return N(math.Inf(1)), N(math.Inf(-1))
	}
	return N(int64(math.MaxInt64)), N(int64(math.MinInt64))
}
