package e2e

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"testing"
)

// verifyExpHistograms checks the base-2 exponential histogram: count, sum,
// zero count, min, max, and that every recorded value sits in the bucket the
// exported scale puts it in. Delta points may each pick their own scale, so
// all points are brought down to the smallest scale before they are merged
// (a bucket i at scale s is bucket i>>k at scale s-k).
func verifyExpHistograms(want *expectedMetric, r *receivedMetric, temporality int) error {
	if len(r.exps) == 0 {
		return fmt.Errorf("received as %s, want an exponential histogram", shapeOf(r))
	}
	var errs []error
	by := map[string][]expHistPoint{}
	for _, h := range r.exps {
		if h.AggregationTemporality != temporality {
			errs = append(errs, fmt.Errorf("temporality %d, want %d", h.AggregationTemporality, temporality))
		}
		for _, p := range h.DataPoints {
			by[attrsKey(p.Attributes)] = append(by[attrsKey(p.Attributes)], p)
		}
	}
	for key := range want.series {
		if by[key] == nil {
			errs = append(errs, fmt.Errorf("series %s not received", key))
		}
	}
	for key, ps := range by {
		exp := want.series[key]
		if exp == nil {
			errs = append(errs, fmt.Errorf("unexpected series %s", key))
			continue
		}
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].TimeUnixNano < ps[j].TimeUnixNano })
		if temporality == temporalityCumulative {
			ps = ps[len(ps)-1:]
		}
		scale := int32(math.MaxInt32)
		for _, p := range ps {
			if p.Scale > expHistMaxScale || len(p.Positive.BucketCounts) > expHistMaxSize || len(p.Negative.BucketCounts) > 0 {
				errs = append(errs, fmt.Errorf("%s: scale %d with %d positive and %d negative buckets, want scale <= %d, <= %d buckets, no negative ones",
					key, p.Scale, len(p.Positive.BucketCounts), len(p.Negative.BucketCounts), expHistMaxScale, expHistMaxSize))
			}
			scale = min(scale, p.Scale)
		}
		var count, zeros uint64
		var sum float64
		lo, hi := math.Inf(1), math.Inf(-1)
		got := map[int32]uint64{}
		for _, p := range ps {
			count += uint64(p.Count)
			zeros += uint64(p.ZeroCount)
			if p.Sum != nil {
				sum += float64(*p.Sum)
			}
			if p.Min != nil {
				lo = math.Min(lo, float64(*p.Min))
			}
			if p.Max != nil {
				hi = math.Max(hi, float64(*p.Max))
			}
			for i, c := range p.Positive.BucketCounts {
				if c != 0 {
					got[(p.Positive.Offset+int32(i))>>(p.Scale-scale)] += uint64(c)
				}
			}
		}
		wantBuckets := map[int32]uint64{}
		var wantZeros uint64
		for _, rv := range exp.recorded {
			if rv.value == 0 {
				wantZeros++
				continue
			}
			wantBuckets[expBucketIndex(rv.value, scale)]++
		}
		if count != exp.count || zeros != wantZeros || !approxEqual(sum, exp.total) || !approxEqual(lo, exp.min) || !approxEqual(hi, exp.max) {
			errs = append(errs, fmt.Errorf("%s: count %d zeros %d sum %v min %v max %v, want %d %d %v %v %v",
				key, count, zeros, sum, lo, hi, exp.count, wantZeros, exp.total, exp.min, exp.max))
		}
		if !maps.Equal(got, wantBuckets) {
			errs = append(errs, fmt.Errorf("%s: buckets at scale %d %v, want %v", key, scale, sortedBuckets(got), sortedBuckets(wantBuckets)))
		}
		var exemplars []exemplarJS
		for _, p := range ps {
			exemplars = append(exemplars, p.Exemplars...)
		}
		errs = append(errs, verifyExemplars(want, key, exp, exemplars)...)
	}
	return errors.Join(errs...)
}

// expBucketIndex is the index of the bucket (base^i, base^(i+1)], base =
// 2^(2^-scale), holding v > 0. Powers of two are handled exactly with Frexp.
func expBucketIndex(v float64, scale int32) int32 {
	frac, exp := math.Frexp(v) // v = frac * 2^exp, frac in [0.5, 1)
	if scale <= 0 {
		idx := int32(exp - 1)
		if frac == 0.5 { // an exact power of two closes the bucket below
			idx--
		}
		return idx >> -scale
	}
	if frac == 0.5 {
		return int32(exp-1)<<scale - 1
	}
	return int32(math.Ceil(math.Log2(v)*math.Ldexp(1, int(scale)))) - 1
}

// sortedBuckets renders a bucket map in index order for error messages.
func sortedBuckets(m map[int32]uint64) string {
	out := ""
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out += fmt.Sprintf(" %d:%d", k, m[k])
	}
	return "{" + out + " }"
}

// TestExpBucketIndex pins the reference bucket mapping the exponential
// histogram check relies on, including the exact powers of two.
func TestExpBucketIndex(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		v     float64
		scale int32
		want  int32
	}{
		{1, 0, -1}, {1.5, 0, 0}, {2, 0, 0}, {3, 0, 1}, {0.75, 0, -1}, {0.5, 0, -2},
		{2, 1, 1}, {1.5, 1, 1}, {1.4, 1, 0}, {4, 1, 3}, {1, 20, -1}, {1.0000001, 20, 0},
		{3, -1, 0}, {4, -1, 0}, {5, -1, 1}, {1, -1, -1}, {1024, -2, 2}, {1025, -2, 2}, {0.25, -1, -2},
	} {
		if got := expBucketIndex(c.v, c.scale); got != c.want {
			t.Errorf("expBucketIndex(%v, %d) = %d, want %d", c.v, c.scale, got, c.want)
		}
	}
}
