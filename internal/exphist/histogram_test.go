package exphist

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// reference computes the expected data point for values the slow way: the
// scale is the largest one (from cfg.MaxScale down to MinScale) at which both
// ranges span at most MaxSize buckets, and each value is placed with the exact
// big.Float oracle (via a scale <= 5 index, shifted) or, above scale 5, with
// bucketIndex itself (checked independently by index_test.go).
func reference[N int64 | float64](t *testing.T, cfg Config, values []N) metricdata.ExponentialHistogramDataPoint[N] {
	t.Helper()
	var dp metricdata.ExponentialHistogramDataPoint[N]
	indexAt := func(v float64, scale int32) int64 {
		if scale <= 5 {
			return oracleIndex(t, v, scale)
		}
		return int64(bucketIndex(v, scale))
	}
	scale := cfg.MaxScale
	for ; scale > MinScale; scale-- {
		fits := true
		for _, sign := range []float64{1, -1} {
			lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
			for _, v := range values {
				if f := float64(v) * sign; f > 0 {
					i := indexAt(f, scale)
					lo, hi = min(lo, i), max(hi, i)
				}
			}
			if lo <= hi && hi-lo+1 > int64(cfg.MaxSize) {
				fits = false
			}
		}
		if fits {
			break
		}
	}
	dp.Scale = scale
	fill := func(b *metricdata.ExponentialBucket, sign float64) {
		counts := map[int64]uint64{}
		lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
		for _, v := range values {
			if f := float64(v) * sign; f > 0 {
				i := indexAt(f, scale)
				counts[i]++
				lo, hi = min(lo, i), max(hi, i)
			}
		}
		b.Counts = []uint64{}
		if lo > hi {
			return
		}
		b.Offset = int32(lo)
		for i := lo; i <= hi; i++ {
			b.Counts = append(b.Counts, counts[i])
		}
	}
	fill(&dp.PositiveBucket, 1)
	fill(&dp.NegativeBucket, -1)
	for i, v := range values {
		dp.Count++
		if !cfg.NoSum {
			dp.Sum += v
		}
		if v == 0 {
			dp.ZeroCount++
		}
		if !cfg.NoMinMax {
			if i == 0 {
				dp.Min, dp.Max = metricdata.NewExtrema(v), metricdata.NewExtrema(v)
			} else {
				lo, _ := dp.Min.Value()
				hi, _ := dp.Max.Value()
				dp.Min, dp.Max = metricdata.NewExtrema(min(lo, v)), metricdata.NewExtrema(max(hi, v))
			}
		}
	}
	return dp
}

func equalPoints[N int64 | float64](a, b metricdata.ExponentialHistogramDataPoint[N]) bool {
	return a.Count == b.Count && a.Sum == b.Sum && a.Min == b.Min && a.Max == b.Max &&
		a.Scale == b.Scale && a.ZeroCount == b.ZeroCount && a.ZeroThreshold == b.ZeroThreshold &&
		a.PositiveBucket.Offset == b.PositiveBucket.Offset && slices.Equal(a.PositiveBucket.Counts, b.PositiveBucket.Counts) &&
		a.NegativeBucket.Offset == b.NegativeBucket.Offset && slices.Equal(a.NegativeBucket.Counts, b.NegativeBucket.Counts)
}

func collect[N int64 | float64](t *testing.T, h cell[N], reset bool) metricdata.ExponentialHistogramDataPoint[N] {
	t.Helper()
	var dp metricdata.ExponentialHistogramDataPoint[N]
	if !h.Collect(&dp, reset) {
		t.Fatal("Collect reported an empty histogram")
	}
	if dp.PositiveBucket.Counts == nil {
		dp.PositiveBucket.Counts = []uint64{}
	}
	if dp.NegativeBucket.Counts == nil {
		dp.NegativeBucket.Counts = []uint64{}
	}
	return dp
}

func checkAgainstReference[N int64 | float64](t *testing.T, cfg Config, values []N) {
	t.Helper()
	want := reference(t, cfg, values)
	for _, kind := range kinds {
		h := newCell[N](kind, cfg)
		for _, v := range values {
			h.Record(v)
		}
		if got := collect(t, h, true); !equalPoints(got, want) {
			t.Fatalf("%s, config %+v, %d values:\n got %+v\nwant %+v", kind, cfg, len(values), got, want)
		}
	}
}

var referenceConfigs = []Config{
	{MaxSize: 160, MaxScale: 20},
	{MaxSize: 2, MaxScale: 20},
	{MaxSize: 4, MaxScale: 3},
	{MaxSize: 20, MaxScale: 0},
	{MaxSize: 3, MaxScale: -10},
	{MaxSize: 160, MaxScale: 20, NoMinMax: true, NoSum: true},
}

func TestFloatValuesMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	distributions := map[string]func() float64{
		"latency":   func() float64 { return math.Exp(rng.NormFloat64()*2 + 3) },
		"narrow":    func() float64 { return 100 + rng.Float64() },
		"signed":    func() float64 { return rng.NormFloat64() * 1000 },
		"with zero": func() float64 { return float64(rng.IntN(5) - 2) },
		"anything": func() float64 {
			return math.Float64frombits(rng.Uint64N(math.Float64bits(math.MaxFloat64))+1) * float64(1-2*rng.IntN(2))
		},
	}
	for name, next := range distributions {
		for _, cfg := range referenceConfigs {
			for _, n := range []int{1, 2, 10, 1000} {
				values := make([]float64, n)
				for i := range values {
					values[i] = next()
				}
				t.Run(name, func(t *testing.T) { checkAgainstReference(t, cfg, values) })
			}
		}
	}
}

func TestIntValuesMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, cfg := range referenceConfigs {
		values := make([]int64, 500)
		for i := range values {
			values[i] = rng.Int64N(1<<20) - 1<<19
		}
		values = append(values, math.MaxInt64, math.MinInt64+1, 0, 1, -1)
		cfgNoSum := cfg
		cfgNoSum.NoSum = true // the int64 sum above overflows by design
		checkAgainstReference(t, cfgNoSum, values)
		checkAgainstReference(t, cfg, values[:500])
	}
}

func TestExtremeMagnitudes(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		cfg := Config{MaxSize: 160, MaxScale: 20}
		values := []float64{math.MaxFloat64, math.SmallestNonzeroFloat64, -math.MaxFloat64, -math.SmallestNonzeroFloat64, 0x1p-1022}
		checkAgainstReference(t, cfg, values)

		// Worked by hand: at scale 0 the two extremes are buckets -1075 and 1023;
		// shifting by 3 leaves a span of 263 > 160, by 4 a span of 132.
		h := newCell[float64](kind, cfg)
		h.Record(math.SmallestNonzeroFloat64)
		h.Record(math.MaxFloat64)
		dp := collect(t, h, false)
		if dp.Scale != -4 || dp.PositiveBucket.Offset != -68 || len(dp.PositiveBucket.Counts) != 132 {
			t.Fatalf("scale %d offset %d len %d, want -4, -68, 132", dp.Scale, dp.PositiveBucket.Offset, len(dp.PositiveBucket.Counts))
		}

		// A lone subnormal stays at full resolution.
		h = newCell[float64](kind, cfg)
		h.Record(math.SmallestNonzeroFloat64)
		dp = collect(t, h, false)
		if want := int32(-1074<<20 - 1); dp.Scale != 20 || dp.PositiveBucket.Offset != want {
			t.Fatalf("subnormal: scale %d offset %d, want 20, %d", dp.Scale, dp.PositiveBucket.Offset, want)
		}

		// MaxSize 2 cannot hold subnormals and MaxFloat64 even at MinScale: the
		// range is allowed one extra bucket rather than losing a value.
		h = newCell[float64](kind, Config{MaxSize: 2, MaxScale: 20})
		h.Record(math.SmallestNonzeroFloat64)
		h.Record(1)
		h.Record(math.MaxFloat64)
		dp = collect(t, h, false)
		if dp.Scale != MinScale || dp.Count != 3 || dp.PositiveBucket.Offset != -2 || !slices.Equal(dp.PositiveBucket.Counts, []uint64{1, 1, 1}) {
			t.Fatalf("got %+v", dp)
		}
	})
}

func TestDownscaleMergesBothRanges(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		// 1 and 2^10 at MaxSize 4: at scale 0 the indices are -1 and 9 (span 11),
		// at -1: -1..4, at -2: -1..2 (span 4). The negative range follows.
		h := newCell[float64](kind, Config{MaxSize: 4, MaxScale: 0})
		for _, v := range []float64{-3, 1, -3, 1024} {
			h.Record(v)
		}
		dp := collect(t, h, true)
		want := metricdata.ExponentialHistogramDataPoint[float64]{
			Count: 4, Sum: 1019, Min: metricdata.NewExtrema(-3.0), Max: metricdata.NewExtrema(1024.0), Scale: -2,
			PositiveBucket: metricdata.ExponentialBucket{Offset: -1, Counts: []uint64{1, 0, 0, 1}},
			NegativeBucket: metricdata.ExponentialBucket{Offset: 0, Counts: []uint64{2}},
		}
		if !equalPoints(dp, want) {
			t.Fatalf("got %+v\nwant %+v", dp, want)
		}
	})
}

func TestDeltaResetReturnsToMaxScale(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		h := newCell[float64](kind, Config{MaxSize: 4, MaxScale: 5})
		var dp metricdata.ExponentialHistogramDataPoint[float64]
		if h.Collect(&dp, true) {
			t.Fatal("empty histogram reported a point")
		}
		h.Record(1e-9)
		h.Record(1e9)
		if dp = collect(t, h, true); dp.Scale >= 0 {
			t.Fatalf("scale %d, want a downscaled one", dp.Scale)
		}
		if h.Collect(&dp, true) {
			t.Fatal("a reset histogram reported a point")
		}
		h.Record(3)
		if dp = collect(t, h, false); dp.Scale != 5 || dp.Count != 1 || dp.Sum != 3 {
			t.Fatalf("after reset: %+v", dp)
		}
		// Cumulative collection keeps the state.
		if dp = collect(t, h, false); dp.Count != 1 {
			t.Fatalf("cumulative lost the state: %+v", dp)
		}
	})
}

func TestNonFiniteValuesIgnored(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		h := newCell[float64](kind, Config{MaxSize: 160, MaxScale: 20})
		for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			h.Record(v)
		}
		var dp metricdata.ExponentialHistogramDataPoint[float64]
		if h.Collect(&dp, false) {
			t.Fatalf("non-finite values were recorded: %+v", dp)
		}
		h.Record(2)
		h.Record(math.NaN())
		if dp = collect(t, h, false); dp.Count != 1 || dp.Sum != 2 {
			t.Fatalf("got %+v", dp)
		}
	})
}

func TestOnlyZeros(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		h := newCell[int64](kind, Config{MaxSize: 160, MaxScale: 20})
		h.Record(0)
		h.Record(0)
		dp := collect(t, h, true)
		if dp.Count != 2 || dp.ZeroCount != 2 || dp.Scale != 20 || len(dp.PositiveBucket.Counts) != 0 || len(dp.NegativeBucket.Counts) != 0 {
			t.Fatalf("got %+v", dp)
		}
		if lo, ok := dp.Min.Value(); !ok || lo != 0 {
			t.Fatalf("min %v %v", lo, ok)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		for _, tc := range []struct {
			cfg  Config
			want string // substring of the error, "" for valid
		}{
			{Config{MaxSize: 160, MaxScale: 20}, ""},
			{Config{MaxSize: 2, MaxScale: -10}, ""},
			{Config{MaxSize: 1, MaxScale: 20}, "MaxSize 1 is invalid: must be at least 2"},
			{Config{MaxSize: 0, MaxScale: 20}, "MaxSize 0"},
			{Config{MaxSize: -5, MaxScale: 20}, "MaxSize -5"},
			{Config{MaxSize: 160, MaxScale: 21}, "MaxScale 21 is invalid: must be in [-10, 20]"},
			{Config{MaxSize: 160, MaxScale: -11}, "MaxScale -11"},
		} {
			err := tc.cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("%+v: unexpected error %v", tc.cfg, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("%+v: error %v, want it to contain %q", tc.cfg, err, tc.want)
			}
		}
		// An invalid config given anyway must not make Record panic.
		h := newCell[float64](kind, Config{MaxSize: -1, MaxScale: 99})
		h.Record(1)
		h.Record(1e300)
		collect(t, h, true)
	})
}

func TestNoAllocationsInSteadyState(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		h := newCell[float64](kind, Config{MaxSize: 160, MaxScale: 20})
		values := []float64{1, 2.5, 1000, -7, 0, 0.001}
		var dp metricdata.ExponentialHistogramDataPoint[float64]
		for _, v := range values {
			h.Record(v)
		}
		h.Collect(&dp, true) // sizes dp's slices and h's arrays
		allocs := testing.AllocsPerRun(100, func() {
			for _, v := range values {
				h.Record(v)
			}
			h.Collect(&dp, true)
		})
		if allocs != 0 {
			t.Fatalf("%v allocations per record+collect cycle, want 0", allocs)
		}
	})
}

// cell is what both implementations offer; every behavioural test runs on
// each.
type cell[N int64 | float64] interface {
	Record(N)
	Collect(*metricdata.ExponentialHistogramDataPoint[N], bool) bool
}

var kinds = []string{"locked", "lockfree"}

func newCell[N int64 | float64](kind string, cfg Config) cell[N] {
	if kind == "locked" {
		return New[N](cfg)
	}
	return NewLockFree[N](cfg)
}

func forEachKind(t *testing.T, test func(t *testing.T, kind string)) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) { test(t, kind) })
	}
}

func TestLazyAllocation(t *testing.T) {
	h := NewLockFree[float64](Config{MaxSize: 160, MaxScale: 20})
	var dp metricdata.ExponentialHistogramDataPoint[float64]
	allocs := testing.AllocsPerRun(100, func() {
		h.Record(0)
		h.Collect(&dp, true)
		h.Collect(&dp, true) // idle
	})
	if allocs != 0 {
		t.Fatalf("zeros and idle collections allocated %v times", allocs)
	}
	for i := range h.halves {
		if h.halves[i].layout.Load() != nil || len(h.halves[i].spares) != 0 {
			t.Fatal("bucket storage allocated for zeros")
		}
	}
}

func TestInitForEmbedding(t *testing.T) {
	var series struct {
		name string
		hist LockFreeHistogram[int64]
	}
	series.hist.Init(Config{MaxSize: 160, MaxScale: 20})
	series.hist.Record(5)
	series.hist.Record(-5)
	var dp metricdata.ExponentialHistogramDataPoint[int64]
	if !series.hist.Collect(&dp, false) || dp.Count != 2 || dp.Sum != 0 {
		t.Fatalf("got %+v", dp)
	}
	if lo, _ := dp.Min.Value(); lo != -5 {
		t.Fatalf("min %d", lo)
	}
}

// TestHugeMaxSizeStaysBounded records the extremes of float64 with an absurd
// MaxSize: the series must not try to allocate an array per possible bucket.
func TestHugeMaxSizeStaysBounded(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		h := newCell[float64](kind, Config{MaxSize: math.MaxInt32, MaxScale: 20})
		h.Record(math.SmallestNonzeroFloat64)
		h.Record(math.MaxFloat64)
		dp := collect(t, h, true)
		if n := len(dp.PositiveBucket.Counts); n > int(maxSizeLimit) || dp.Count != 2 {
			t.Fatalf("%d buckets at scale %d for 2 values", n, dp.Scale)
		}
	})
}
