package aggregate

import (
	"math"
	"sort"
	"testing"
)

// bucketIndex must put every value in the bucket sort.SearchFloat64s names
// (buckets are upper-inclusive): on and around every bound, at the extremes,
// for short bound lists (linear scan) and long ones (binary search).
func TestBucketIndexMatchesSearch(t *testing.T) {
	defaultBounds := []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}
	for _, bounds := range [][]float64{nil, {1}, {-1, 0, 1}, defaultBounds[:8], defaultBounds[:9], defaultBounds} {
		values := []float64{math.Inf(-1), -math.MaxFloat64, math.Inf(1), math.MaxFloat64, math.SmallestNonzeroFloat64, math.Copysign(0, -1)}
		for _, b := range bounds {
			values = append(values, b, math.Nextafter(b, math.Inf(-1)), math.Nextafter(b, math.Inf(1)), b+0.5)
		}
		for _, v := range values {
			if got, want := bucketIndex(bounds, v), sort.SearchFloat64s(bounds, v); got != want {
				t.Errorf("bounds %v: bucketIndex(%v) = %d, want %d", bounds, v, got, want)
			}
		}
	}
}
