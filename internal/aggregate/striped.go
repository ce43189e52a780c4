package aggregate

import (
	"math"
	"sync/atomic"
	"unsafe"
)

// stripedSum is a sum cell that spreads over several cache lines once
// writers contend on it, the idea of Java's LongAdder. Uncontended, it is one
// word updated with a single CAS (as cheap as an atomic add). The first CAS
// that fails — another writer changed the word between our load and our
// CAS — inflates the cell: from then on each writer adds to one of
// stripeCount padded words chosen from its goroutine's stack address, so two
// goroutines hammering one series stop bouncing one cache line between cores.
// Only contended series pay the stripes' memory (1 KiB).
//
// Every add lands in exactly one word, and a collection reads (cumulative) or
// swaps (delta) every word once, so totals stay exact.
type stripedSum[N Number] struct {
	base    atomicNumber[N]
	stripes atomic.Pointer[stripeSet]
}

const stripeCount = 16 // a power of two

// stripe is one word alone on its cache line.
type stripe struct {
	bits atomic.Uint64
	_    [56]byte
}

type stripeSet [stripeCount]stripe

func (c *stripedSum[N]) add(v N) {
	if old := c.base.bits.Load(); c.stripes.Load() == nil && c.base.bits.CompareAndSwap(old, plusBits(old, v)) {
		return
	}
	c.addStriped(v)
}

// addStriped is add once the base word is striped or its CAS failed (the
// contention signal): v goes to this goroutine's stripe, inflating the cell
// first if needed. Hot callers inline add's first half and call this.
func (c *stripedSum[N]) addStriped(v N) {
	if st := c.stripes.Load(); st != nil {
		addToBits[N](&st[stripeHint()].bits, v)
		return
	}
	st := new(stripeSet)
	if !c.stripes.CompareAndSwap(nil, st) {
		st = c.stripes.Load()
	}
	addToBits[N](&st[stripeHint()].bits, v)
}

func (c *stripedSum[N]) load() N {
	total := c.base.load()
	if st := c.stripes.Load(); st != nil {
		for i := range st {
			total += fromBits[N](st[i].bits.Load())
		}
	}
	return total
}

func (c *stripedSum[N]) swapZero() N {
	total := c.base.swapZero()
	if st := c.stripes.Load(); st != nil {
		for i := range st {
			total += fromBits[N](st[i].bits.Swap(0))
		}
	}
	return total
}

// plusBits returns the bits of fromBits(old)+v.
func plusBits[N Number](old uint64, v N) uint64 {
	if isFloat[N]() {
		return math.Float64bits(math.Float64frombits(old) + float64(v))
	}
	return old + uint64(int64(v))
}

func addToBits[N Number](bits *atomic.Uint64, v N) {
	if !isFloat[N]() {
		bits.Add(uint64(int64(v)))
		return
	}
	for {
		old := bits.Load()
		if bits.CompareAndSwap(old, plusBits(old, v)) {
			return
		}
	}
}

// stripeHint picks a stripe from the current goroutine's stack address:
// stable for a goroutine (until its stack moves), different between
// goroutines, and free to compute.
func stripeHint() int {
	var probe byte
	addr := uint64(uintptr(unsafe.Pointer(&probe)))
	return int((addr >> 12) * 0x9E3779B97F4A7C15 >> (64 - 4))
}
