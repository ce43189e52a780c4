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
// than the individual values would. An arena whose values are no longer
// referenced can be reset: its chunks are then handed out again (zeroed),
// which is how ServeHTTP's scrapes build their series without allocating.
type arena[T any] struct {
	chunk []T   // the unused part of the current chunk
	used  [][]T // the chunks handed out from since the last reset
	spare [][]T // chunks to reuse before allocating new ones
}

// next makes a fresh chunk current.
func (a *arena[T]) next() {
	if n := len(a.spare); n > 0 {
		a.chunk = a.spare[n-1]
		a.spare = a.spare[:n-1]
		clear(a.chunk)
	} else {
		a.chunk = make([]T, arenaChunk)
	}
	a.used = append(a.used, a.chunk)
}

// one returns a pointer to a zero T.
func (a *arena[T]) one() *T {
	if len(a.chunk) == 0 {
		a.next()
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
		a.next()
	}
	s := a.chunk[:n:n]
	a.chunk = a.chunk[n:]
	return s
}

// reset makes every chunk available again. Nothing handed out since the
// last reset may be used afterwards.
func (a *arena[T]) reset() {
	a.spare = append(a.spare, a.used...)
	clear(a.used)
	a.used = a.used[:0]
	a.chunk = nil
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

// reset resets every arena (see arena.reset).
func (a *arenas) reset() {
	a.counters.reset()
	a.gauges.reset()
	a.histograms.reset()
	a.buckets.reset()
	a.bucketPtrs.reset()
}
