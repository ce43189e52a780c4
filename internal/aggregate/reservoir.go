package aggregate

import (
	"context"
	"math/bits"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"
)

// DefaultReservoir selects fastmeter's own implementation of one of the
// specification's default exemplar reservoirs ("Exemplar defaults" in the
// metrics SDK specification). Streams whose exemplar reservoirs are the
// defaults use it instead of the official exemplar package's reservoirs,
// whose collection resets an Algorithm-L tracker (random numbers, logarithms
// and exponentials) for every slot of every series and dominates the cost of
// collecting exemplars.
//
// Both reservoirs sample uniformly among the measurements offered in the
// current collection cycle; only the bookkeeping differs from the official
// ones (Algorithm R: a count per cycle, reset to zero by collection), so the
// exemplars a stream reports have the same distribution.
type DefaultReservoir struct {
	// Aligned selects the AlignedHistogramBucketExemplarReservoir: at most
	// one exemplar per bucket of the histogram Bounds describe. Otherwise
	// the reservoir is a SimpleFixedSizeExemplarReservoir of Size slots.
	Aligned bool
	// Bounds are the explicit histogram's bucket upper bounds, sorted
	// ascending: the same as the stream's, so a histogram can pass the
	// bucket it already computed (exemplarCell.offerBucket).
	Bounds []float64
	// Size is the fixed-size reservoir's number of slots; a reservoir of
	// size < 1 is never built (the stream gets no exemplar config).
	Size int
}

// reservoir is one series' exemplar store for a stream with a
// DefaultReservoir.
//
// Sampling (which slot, if any, a measurement goes to) is decided with an
// atomic per-cycle count and a random number, without the lock: once a
// cycle has seen many measurements almost every offer is rejected there.
// The lock guards the slots; it is taken by an offer the sampling accepted
// and by collection. An offer that drew its count before a collection reset
// it may store after it, into the next cycle: the exemplar is still a recent
// measurement, like a cell update that races a delta swap.
type reservoir[N Number] struct {
	// seen counts this cycle's offers: one counter for a fixed-size
	// reservoir, one per bucket for an aligned one.
	seen []atomic.Uint64
	// bounds are an aligned reservoir's bucket bounds (nil: fixed size).
	bounds []float64

	mu    sync.Mutex
	slots []exemplarSlot[N]
	// held has bit i set when slots[i] holds an exemplar, so collection
	// visits only the slots in use (most buckets of a histogram series
	// usually have none).
	held []uint64
}

// exemplarSlot is one sampled measurement. The trace and span IDs are kept
// by value so storing allocates nothing.
type exemplarSlot[N Number] struct {
	value   N
	time    time.Time
	dropped []attribute.KeyValue
	traceID trace.TraceID
	spanID  trace.SpanID
}

// init sizes the reservoir for d.
func (r *reservoir[N]) init(d *DefaultReservoir) {
	n, counters := d.Size, 1
	if d.Aligned {
		r.bounds = d.Bounds
		n = len(d.Bounds) + 1
		counters = n
	}
	r.seen = make([]atomic.Uint64, counters)
	r.slots = make([]exemplarSlot[N], n)
	r.held = make([]uint64, (n+63)/64)
}

// offer samples a measurement the filter admitted. bucket is the histogram
// bucket of value for an aligned reservoir, or -1 to compute it here.
func (r *reservoir[N]) offer(ctx context.Context, value N, bucket int, dropped []attribute.KeyValue) {
	var slot int
	if r.bounds != nil {
		// AlignedHistogramBucketExemplarReservoir: the bucket's n-th offer
		// of the cycle replaces its exemplar with probability 1/n, which
		// leaves each of the bucket's n offers there with probability 1/n.
		if bucket < 0 {
			bucket = bucketIndex(r.bounds, float64(value))
		}
		n := r.seen[bucket].Add(1)
		if n > 1 && rand.Uint64N(n) != 0 {
			return
		}
		slot = bucket
	} else {
		// SimpleFixedSizeExemplarReservoir (Algorithm R): the first k
		// offers of the cycle fill the k slots; the n-th after them
		// replaces a random slot with probability k/n, which leaves each
		// of the cycle's n offers held with probability k/n.
		n := r.seen[0].Add(1)
		k := uint64(len(r.slots))
		i := n - 1
		if n > k {
			if i = rand.Uint64N(n); i >= k {
				return
			}
		}
		slot = int(i)
	}
	// The span context and the clock are read outside the lock, and only
	// for a measurement that is kept.
	sc := trace.SpanContextFromContext(ctx)
	now := time.Now()
	dropped = normalizedKVs(dropped) // see attrnorm.go
	r.mu.Lock()
	s := &r.slots[slot]
	s.value, s.time, s.dropped = value, now, dropped
	s.traceID, s.spanID = sc.TraceID(), sc.SpanID()
	r.held[slot/64] |= 1 << (slot % 64)
	r.mu.Unlock()
}

// collect copies the held exemplars into dst, reusing its storage (the
// exemplars and their ID byte slices), and starts a new sampling cycle. With
// fresh (delta streams) the held exemplars are dropped too; otherwise they
// stay until new offers replace them, as the official reservoirs do, so a
// cumulative point keeps reporting exemplars while its series is quiet.
func (r *reservoir[N]) collect(dst *[]metricdata.Exemplar[N], fresh bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	held := 0
	for _, w := range r.held {
		held += bits.OnesCount64(w)
	}
	out := (*dst)[:0]
	if cap(out) < held {
		out = append(out, make([]metricdata.Exemplar[N], held)...)[:0]
	}
	for wi, w := range r.held {
		for w != 0 {
			i := wi*64 + bits.TrailingZeros64(w)
			w &= w - 1
			out = out[:len(out)+1]
			copyExemplar(&out[len(out)-1], &r.slots[i])
			if fresh {
				r.slots[i].dropped = nil // let the attributes go
			}
		}
		if fresh {
			r.held[wi] = 0
		}
	}
	// A new cycle. Loads are plain reads where stores are locked
	// instructions, so only counters that moved are written.
	for i := range r.seen {
		if r.seen[i].Load() != 0 {
			r.seen[i].Store(0)
		}
	}
	*dst = out
}

// copyExemplar writes s into e, reusing e's ID slices.
func copyExemplar[N Number](e *metricdata.Exemplar[N], s *exemplarSlot[N]) {
	e.FilteredAttributes = s.dropped
	e.Time = s.time
	e.Value = s.value
	e.TraceID = appendID(e.TraceID[:0], s.traceID[:])
	e.SpanID = appendID(e.SpanID[:0], s.spanID[:])
}

// appendID appends id to dst unless it is all zeros (no span), which the
// official SDK reports as an empty ID.
func appendID(dst, id []byte) []byte {
	for _, b := range id {
		if b != 0 {
			return append(dst, id...)
		}
	}
	return dst
}
