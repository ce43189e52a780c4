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

func (a *atomicNumber[N]) add(v N) {
	switch val := any(v).(type) {
	case int64:
		a.bits.Add(uint64(val))
	case float64:
		for {
			old := a.bits.Load()
			next := math.Float64bits(math.Float64frombits(old) + val)
			if a.bits.CompareAndSwap(old, next) {
				return
			}
		}
	}
}

func (a *atomicNumber[N]) store(v N) { a.bits.Store(toBits(v)) }
func (a *atomicNumber[N]) load() N   { return fromBits[N](a.bits.Load()) }
func (a *atomicNumber[N]) swapZero() N {
	return fromBits[N](a.bits.Swap(0)) // 0 bits is 0 for both int64 and +0.0
}

func toBits[N Number](v N) uint64 {
	switch val := any(v).(type) {
	case int64:
		return uint64(val)
	case float64:
		return math.Float64bits(val)
	}
	return 0
}

func fromBits[N Number](b uint64) N {
	var zero N
	switch any(zero).(type) {
	case int64:
		return N(int64(b))
	case float64:
		return N(math.Float64frombits(b))
	}
	return zero
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
