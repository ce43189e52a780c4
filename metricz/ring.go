package metricz

import "math"

// ring is a fixed-size history of one series' sparkline points. It is
// allocated once when the series is first tracked, so its memory does not
// grow with time. NaN marks a collection that produced no point (for
// example a histogram that saw no new observation).
type ring struct {
	points []float64
	next   int  // index the next push writes
	full   bool // every slot has been written at least once
}

func newRing(size int) ring {
	return ring{points: make([]float64, size)}
}

func (r *ring) push(v float64) {
	r.points[r.next] = v
	r.next++
	if r.next == len(r.points) {
		r.next = 0
		r.full = true
	}
}

// appendTo appends the points, oldest first, to dst.
func (r *ring) appendTo(dst []float64) []float64 {
	if r.full {
		dst = append(dst, r.points[r.next:]...)
	}
	return append(dst, r.points[:r.next]...)
}

// last returns the most recent point, or NaN when there is none.
func (r *ring) last() float64 {
	switch {
	case r.next > 0:
		return r.points[r.next-1]
	case r.full:
		return r.points[len(r.points)-1]
	}
	return math.NaN()
}
