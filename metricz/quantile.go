package metricz

import (
	"math"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// HistogramQuantile estimates the q-quantile (0 ≤ q ≤ 1) of the values
// recorded in an explicit-bucket histogram data point, the way Prometheus'
// histogram_quantile does: it finds the bucket holding the rank q·count and
// interpolates linearly inside it. The recorded minimum and maximum, when
// present, bound the two open-ended buckets and clamp the result, so a
// quantile that falls in the overflow bucket is still a finite, honest
// estimate.
//
// It returns false when the data point holds no observation, when q is not
// in [0, 1], or when its bucket counts do not match its bounds.
func HistogramQuantile[N int64 | float64](dp metricdata.HistogramDataPoint[N], q float64) (float64, bool) {
	minV, hasMin := dp.Min.Value()
	maxV, hasMax := dp.Max.Value()
	return explicitQuantile(dp.Bounds, dp.BucketCounts, float64(minV), hasMin, float64(maxV), hasMax, q)
}

// explicitQuantile is HistogramQuantile on plain values, shared with the
// page's copy of a histogram.
func explicitQuantile(bounds []float64, counts []uint64, minV float64, hasMin bool, maxV float64, hasMax bool, q float64) (float64, bool) {
	if !(q >= 0 && q <= 1) || len(counts) != len(bounds)+1 {
		return 0, false
	}
	var total uint64
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return 0, false
	}
	rank := q * float64(total)
	var below uint64 // observations in the buckets before i
	for i, c := range counts {
		if c == 0 {
			continue
		}
		if float64(below+c) < rank && i < len(counts)-1 {
			below += c
			continue
		}
		// Bucket i is (bounds[i-1], bounds[i]]; the first and the last are
		// open-ended.
		lo, hi := math.Inf(-1), math.Inf(1)
		if i > 0 {
			lo = bounds[i-1]
		}
		if i < len(bounds) {
			hi = bounds[i]
		}
		if hasMin && minV > lo {
			lo = minV
		}
		if hasMax && maxV < hi {
			hi = maxV
		}
		frac := (rank - float64(below)) / float64(c)
		return clamp(interpolate(lo, hi, frac), minV, hasMin, maxV, hasMax), true
	}
	return 0, false // unreachable: total > 0 means some bucket is non-empty
}

// interpolate places frac ∈ [0, 1] linearly between lo and hi. An infinite
// edge carries no position information, so the finite edge is the estimate.
func interpolate(lo, hi, frac float64) float64 {
	switch {
	case math.IsInf(lo, -1) && math.IsInf(hi, 1):
		return 0
	case math.IsInf(lo, -1):
		return hi
	case math.IsInf(hi, 1):
		return lo
	}
	return lo + (hi-lo)*frac
}

// clamp keeps an estimate inside the recorded [min, max] when they exist.
func clamp(v, minV float64, hasMin bool, maxV float64, hasMax bool) float64 {
	if hasMin && v < minV {
		v = minV
	}
	if hasMax && v > maxV {
		v = maxV
	}
	return v
}

// ExponentialHistogramQuantile estimates the q-quantile (0 ≤ q ≤ 1) of the
// values recorded in a base-2 exponential histogram data point. Buckets are
// visited in ascending value order (negative buckets, the zero bucket, then
// positive buckets); inside a bucket the estimate is interpolated
// geometrically, matching the exponential spacing of the bucket bounds. The
// recorded minimum and maximum, when present, clamp the result.
//
// It returns false when the data point holds no observation or when q is not
// in [0, 1].
func ExponentialHistogramQuantile[N int64 | float64](dp metricdata.ExponentialHistogramDataPoint[N], q float64) (float64, bool) {
	minV, hasMin := dp.Min.Value()
	maxV, hasMax := dp.Max.Value()
	e := expHistogram{
		scale:         dp.Scale,
		zeroCount:     dp.ZeroCount,
		zeroThreshold: dp.ZeroThreshold,
		posOffset:     dp.PositiveBucket.Offset,
		posCounts:     dp.PositiveBucket.Counts,
		negOffset:     dp.NegativeBucket.Offset,
		negCounts:     dp.NegativeBucket.Counts,
	}
	return e.quantile(float64(minV), hasMin, float64(maxV), hasMax, q)
}

// expHistogram is the bucket layout of an exponential histogram data point,
// independent of its value type.
type expHistogram struct {
	scale         int32
	zeroCount     uint64
	zeroThreshold float64
	posOffset     int32
	posCounts     []uint64
	negOffset     int32
	negCounts     []uint64
}

// lowerBound returns the lower boundary of bucket index, base^index with
// base = 2^(2^-scale). Bucket index holds the magnitudes in
// (base^index, base^(index+1)].
func lowerBound(scale int32, index int32) float64 {
	return math.Exp2(float64(index) * math.Exp2(-float64(scale)))
}

// bucketCount is the number of buckets expHistogram.bucket can return.
func (e expHistogram) bucketCount() int {
	return len(e.negCounts) + 1 + len(e.posCounts)
}

// bucket returns the i-th bucket in ascending value order: [lo, hi] and
// the number of observations in it. Negative buckets come first (largest
// magnitude first), then the zero bucket, then positive buckets.
func (e expHistogram) bucket(i int) (lo, hi float64, count uint64) {
	if i < len(e.negCounts) {
		j := len(e.negCounts) - 1 - i // largest magnitude first
		index := e.negOffset + int32(j)
		return -lowerBound(e.scale, index+1), -lowerBound(e.scale, index), e.negCounts[j]
	}
	i -= len(e.negCounts)
	if i == 0 {
		return -e.zeroThreshold, e.zeroThreshold, e.zeroCount
	}
	index := e.posOffset + int32(i-1)
	return lowerBound(e.scale, index), lowerBound(e.scale, index+1), e.posCounts[i-1]
}

// quantile implements ExponentialHistogramQuantile.
func (e expHistogram) quantile(minV float64, hasMin bool, maxV float64, hasMax bool, q float64) (float64, bool) {
	if !(q >= 0 && q <= 1) {
		return 0, false
	}
	var total uint64
	n := e.bucketCount()
	for i := range n {
		_, _, c := e.bucket(i)
		total += c
	}
	if total == 0 {
		return 0, false
	}
	rank := q * float64(total)
	var below uint64
	for i := range n {
		lo, hi, c := e.bucket(i)
		if c == 0 {
			continue
		}
		if float64(below+c) < rank && i < n-1 {
			below += c
			continue
		}
		if hasMin && minV > lo {
			lo = minV
		}
		if hasMax && maxV < hi {
			hi = maxV
		}
		frac := (rank - float64(below)) / float64(c)
		return clamp(geometric(lo, hi, frac), minV, hasMin, maxV, hasMax), true
	}
	return 0, false // unreachable: total > 0 means some bucket is non-empty
}

// geometric places frac ∈ [0, 1] between lo and hi on a logarithmic scale
// when both edges have the same sign (exponential buckets are evenly spaced
// in log space), and linearly when the range spans zero (the zero bucket).
func geometric(lo, hi, frac float64) float64 {
	switch {
	case lo > 0 && hi > 0:
		return lo * math.Pow(hi/lo, frac)
	case lo < 0 && hi < 0:
		// Ascending from lo (largest magnitude) to hi.
		return -(-lo * math.Pow(hi/lo, frac))
	}
	return interpolate(lo, hi, frac)
}
