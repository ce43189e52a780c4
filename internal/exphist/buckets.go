package exphist

// buckets is one range (positive or negative) of a histogram: counts for the
// contiguous bucket indices lo..hi at the histogram's current scale.
//
// The backing array may extend beyond lo..hi on either side so that growth in
// either direction rarely reallocates or shifts: bucket i is stored at
// counts[i-base]. The array is allocated on the first value and kept across
// resets so a series that is active every interval stops allocating.
type buckets struct {
	counts []uint64
	base   int32 // bucket index stored at counts[0]
	lo, hi int32 // indices in use; meaningful only when used
	used   bool
}

// initialCapacity is the size of a range's first backing array: values of a
// real workload cluster within a few buckets of each other.
const initialCapacity = 8

// downscaleNeeded returns by how much the scale must drop for this range to
// hold idx within maxSize buckets, never taking the scale below MinScale. It
// works in int64 because at scale 20 the indices of float64 span more than
// 2^31 buckets.
func (b *buckets) downscaleNeeded(idx int32, scale, maxSize int32) int32 {
	if !b.used {
		return 0
	}
	lo, hi := int64(min(b.lo, idx)), int64(max(b.hi, idx))
	var delta int32
	for hi-lo+1 > int64(maxSize) && scale-delta > MinScale {
		lo >>= 1
		hi >>= 1
		delta++
	}
	return delta
}

// add adds n to bucket idx, growing the backing array as needed; capacity is
// bounded by what maxSize allows so a series never holds much more than the
// buckets it can report.
func (b *buckets) add(idx int32, n uint64, maxSize int32) {
	if b.used && idx >= b.lo && idx <= b.hi {
		b.counts[idx-b.base] += n
		return
	}
	lo, hi := idx, idx
	if b.used {
		lo, hi = min(b.lo, idx), max(b.hi, idx)
	}
	// In int64: far-apart indices (scale 20 spans more than 2^31 buckets
	// over float64) must not wrap around.
	if int64(lo) < int64(b.base) || int64(hi)-int64(b.base) >= int64(len(b.counts)) {
		b.grow(lo, hi, idx, maxSize)
	}
	b.lo, b.hi, b.used = lo, hi, true
	b.counts[idx-b.base] += n
}

// grow moves the range into a backing array covering lo..hi. The current
// array is reused when it is large enough (after a downscale or a reset the
// range often just needs re-basing); otherwise the new array leaves room on
// the side the range grew towards (idx), up to doubling, but never exceeds
// maxSize (+1 for the MinScale corner case) unless lo..hi does.
func (b *buckets) grow(lo, hi, idx int32, maxSize int32) {
	need := int64(hi) - int64(lo) + 1
	size := int64(len(b.counts))
	if need > size {
		size = max(need, int64(initialCapacity), 2*size)
		size = min(size, max(need, int64(maxSize)))
	}
	headroom := size - need
	base := int64(lo)
	if b.used && idx < b.lo {
		// Growing downwards: keep the spare room below.
		base -= headroom
	} else if !b.used {
		// First value: centre it, since the next may land either side.
		base -= headroom / 2
	}
	base = max(base, int64(-1)<<31) // stay representable; only matters at the extremes
	if size == int64(len(b.counts)) {
		if b.used {
			// Slide the counts in place (copy handles the overlap) and
			// clear the slots they left: outside lo..hi must stay zero.
			from := b.counts[b.lo-b.base : b.hi-b.base+1]
			at := int64(b.lo) - base
			copy(b.counts[at:], from)
			clear(b.counts[:at])
			clear(b.counts[at+int64(len(from)):])
		}
		b.base = int32(base)
		return
	}
	counts := make([]uint64, size)
	if b.used {
		copy(counts[int64(b.lo)-base:], b.counts[b.lo-b.base:b.hi-b.base+1])
	}
	b.counts, b.base = counts, int32(base)
}

// downscale merges the range into buckets delta scales coarser, in place:
// bucket i becomes bucket i>>delta.
func (b *buckets) downscale(delta int32) {
	if delta <= 0 || !b.used {
		return
	}
	newBase := b.lo >> delta
	for i := b.lo; i <= b.hi; i++ {
		c := b.counts[i-b.base]
		b.counts[i-b.base] = 0
		// (i>>delta)-newBase <= i-b.lo <= i-b.base, so the target was already
		// read (or is the slot just cleared): nothing is overwritten unread.
		b.counts[(i>>delta)-newBase] += c
	}
	b.base, b.lo, b.hi = newBase, b.lo>>delta, b.hi>>delta
}

// appendTo copies the range into dst (reusing its capacity) and returns the
// offset of the first bucket and the counts.
func (b *buckets) appendTo(dst []uint64) (offset int32, counts []uint64) {
	dst = dst[:0]
	if !b.used {
		return 0, dst
	}
	return b.lo, append(dst, b.counts[b.lo-b.base:b.hi-b.base+1]...)
}

// reset empties the range but keeps its backing array for reuse.
func (b *buckets) reset() {
	if b.used {
		clear(b.counts[b.lo-b.base : b.hi-b.base+1])
	}
	b.used = false
}
