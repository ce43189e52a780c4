package prometheus

import (
	dto "github.com/prometheus/client_model/go"
)

// arenaChunk is how many values an arena allocates at once.
const arenaChunk = 256

// arena hands out values carved from chunks, so the thousands of small
// protobuf values of one scrape take a few dozen allocations instead of
// several per series. Everything a scrape builds is dropped together once
// the response is written, so chunks do not keep memory alive for longer
// than the individual values would.
type arena[T any] struct {
	chunk []T
}

// one returns a pointer to a zero T.
func (a *arena[T]) one() *T {
	if len(a.chunk) == 0 {
		a.chunk = make([]T, arenaChunk)
	}
	p := &a.chunk[0]
	a.chunk = a.chunk[1:]
	return p
}

// slice returns n zero Ts. Its capacity is n, so appending to it never
// overwrites the next caller's values.
func (a *arena[T]) slice(n int) []T {
	if n > arenaChunk/4 {
		return make([]T, n)
	}
	if len(a.chunk) < n {
		a.chunk = make([]T, arenaChunk)
	}
	s := a.chunk[:n:n]
	a.chunk = a.chunk[n:]
	return s
}

// arenas are the per-scrape arenas of every protobuf value type a series
// is made of.
type arenas struct {
	counters   arena[counterCell]
	gauges     arena[gaugeCell]
	histograms arena[histogramCell]
	buckets    arena[bucketCell]
	bucketPtrs arena[*dto.Bucket]
}
