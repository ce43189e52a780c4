package aggregate

import (
	"math"
	"sync/atomic"
)

// Number is the value type of an instrument.
type Number interface {
	int64 | float64
}

// atomicNumber is an int64 or float64 stored as raw bits so one type serves
// both instantiations. Integer adds are a single XADD; float adds are a CAS
// loop on the IEEE-754 bits.
type atomicNumber[N Number] struct {
	bits atomic.Uint64
}

// isFloat reports whether N is float64. The compiler instantiates one body
// per number type and folds this to a constant in each, so branching on it
// costs nothing, unlike a type switch on any(v), which generic code performs
// at run time.
func isFloat[N Number]() bool {
	one := N(1)
	return one/2 != 0
}

func (a *atomicNumber[N]) add(v N) {
	if !isFloat[N]() {
		a.bits.Add(uint64(int64(v)))
		return
	}
	for {
		old := a.bits.Load()
		next := math.Float64bits(math.Float64frombits(old) + float64(v))
		if a.bits.CompareAndSwap(old, next) {
			return
		}
	}
}

func (a *atomicNumber[N]) store(v N) { a.bits.Store(toBits(v)) }
func (a *atomicNumber[N]) load() N   { return fromBits[N](a.bits.Load()) }
func (a *atomicNumber[N]) swapZero() N {
	return fromBits[N](a.bits.Swap(0)) // 0 bits is 0 for both int64 and +0.0
}

func toBits[N Number](v N) uint64 {
	if isFloat[N]() {
		return math.Float64bits(float64(v))
	}
	return uint64(int64(v))
}

func fromBits[N Number](b uint64) N {
	if isFloat[N]() {
		return N(math.Float64frombits(b))
	}
	return N(int64(b))
}

// atomicMin lowers a float64 stored as bits to v if v is smaller. The common
// case (v is not a new extreme) is a single load.
func atomicMin(a *atomic.Uint64, v float64) {
	for {
		old := a.Load()
		if v >= math.Float64frombits(old) {
			return
		}
		if a.CompareAndSwap(old, math.Float64bits(v)) {
			return
		}
	}
}

// atomicMax raises a float64 stored as bits to v if v is larger.
func atomicMax(a *atomic.Uint64, v float64) {
	for {
		old := a.Load()
		if v <= math.Float64frombits(old) {
			return
		}
		if a.CompareAndSwap(old, math.Float64bits(v)) {
			return
		}
	}
}

func atomicAddFloat(a *atomic.Uint64, v float64) {
	for {
		old := a.Load()
		if a.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

var (
	posInfBits = math.Float64bits(math.Inf(1))
	negInfBits = math.Float64bits(math.Inf(-1))
)
