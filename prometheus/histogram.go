package prometheus

import (
	"fmt"
	"math"
	"time"

	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var posInf = math.Inf(1)

// Native histogram schemas Prometheus accepts. An OpenTelemetry exponential
// histogram's scale is the same number as a Prometheus schema.
const (
	minNativeSchema = -4
	maxNativeSchema = 8
)

// histogramCell holds a histogram series' protobuf values in one
// allocation; bucketCell does the same for each classic bucket.
type histogramCell struct {
	metric  dto.Metric
	hist    dto.Histogram
	count   uint64
	sum     float64
	created timestamppb.Timestamp
}

type bucketCell struct {
	bucket dto.Bucket
	bound  float64
	count  uint64
}

// explicitHistogram converts an explicit-bucket data point to a classic
// Prometheus histogram series (labels not set): cumulative buckets, _sum
// and _count.
func explicitHistogram[N int64 | float64](dp metricdata.HistogramDataPoint[N], a *arenas) (*histogramCell, error) {
	if len(dp.BucketCounts) != len(dp.Bounds)+1 {
		return nil, fmt.Errorf("%d bucket counts for %d bounds", len(dp.BucketCounts), len(dp.Bounds))
	}
	for i, bound := range dp.Bounds {
		if math.IsNaN(bound) || (i > 0 && bound <= dp.Bounds[i-1]) {
			return nil, fmt.Errorf("bounds are not strictly increasing: %v", dp.Bounds)
		}
	}
	c := a.histograms.one()
	c.count, c.sum = dp.Count, float64(dp.Sum)
	c.hist.SampleCount, c.hist.SampleSum = &c.count, &c.sum
	c.metric.Histogram = &c.hist
	cells := a.buckets.slice(len(dp.Bounds))
	c.hist.Bucket = a.bucketPtrs.slice(len(dp.Bounds))
	var cumulative uint64
	for i, bound := range dp.Bounds {
		cumulative += dp.BucketCounts[i]
		b := &cells[i]
		b.bound, b.count = bound, cumulative
		b.bucket.UpperBound, b.bucket.CumulativeCount = &b.bound, &b.count
		c.hist.Bucket[i] = &b.bucket
	}
	return c, nil
}

// exponentialHistogram converts an exponential data point to a Prometheus
// histogram that carries both representations:
//
//   - native (sparse) buckets, which the protobuf format serves and
//     Prometheus ingests as a native histogram. Scales above 8 are
//     downscaled to 8 by merging buckets; scales below -4 have no native
//     equivalent, and only the classic buckets are served;
//   - classic cumulative buckets at the exponential bucket boundaries, which
//     the text and OpenMetrics formats serve, so histogram_quantile works for
//     scrapers without native histogram support.
func exponentialHistogram[N int64 | float64](dp metricdata.ExponentialHistogramDataPoint[N]) *dto.Histogram {
	h := &dto.Histogram{
		SampleCount: new(dp.Count),
		SampleSum:   new(float64(dp.Sum)),
	}
	setCreated(h, dp.StartTime)
	h.Bucket = exponentialClassicBuckets(dp)
	if dp.Scale >= minNativeSchema {
		setNativeBuckets(h, dp)
	}
	return h
}

// exponentialBound returns base^index for the given scale, where
// base = 2^(2^-scale): the boundary between exponential buckets index-1 and
// index.
func exponentialBound(index, scale int32) float64 {
	if scale <= 0 {
		return math.Ldexp(1, int(index)<<uint(-scale))
	}
	return math.Exp2(float64(index) / float64(int64(1)<<uint(scale)))
}

// exponentialClassicBuckets lists the cumulative classic buckets of an
// exponential data point in increasing order of upper bound: negative
// buckets from the largest magnitude down, then the zero bucket, then the
// positive buckets. A bucket whose bound does not increase over its
// predecessor (an overflowing or degenerate bound) is merged into it.
func exponentialClassicBuckets[N int64 | float64](dp metricdata.ExponentialHistogramDataPoint[N]) []*dto.Bucket {
	n := len(dp.NegativeBucket.Counts) + 1 + len(dp.PositiveBucket.Counts)
	buckets := make([]*dto.Bucket, 0, n)
	slab := make([]dto.Bucket, n)
	bounds := make([]float64, n)
	counts := make([]uint64, n)
	var cumulative uint64
	add := func(upper float64, count uint64) {
		cumulative += count
		last := len(buckets) - 1
		if math.IsNaN(upper) || math.IsInf(upper, 1) {
			return // counted by the implicit +Inf bucket
		}
		if last >= 0 && upper <= bounds[last] {
			counts[last] = cumulative
			return
		}
		i := len(buckets)
		bounds[i], counts[i] = upper, cumulative
		slab[i].UpperBound, slab[i].CumulativeCount = &bounds[i], &counts[i]
		buckets = append(buckets, &slab[i])
	}
	neg := dp.NegativeBucket
	for k := len(neg.Counts) - 1; k >= 0; k-- {
		// Negative bucket index i holds values in [-base^(i+1), -base^i).
		add(-exponentialBound(neg.Offset+int32(k), dp.Scale), neg.Counts[k])
	}
	if dp.ZeroCount > 0 || len(neg.Counts) > 0 {
		add(dp.ZeroThreshold, dp.ZeroCount)
	}
	pos := dp.PositiveBucket
	for k, count := range pos.Counts {
		// Positive bucket index i holds values in (base^i, base^(i+1)].
		add(exponentialBound(pos.Offset+int32(k)+1, dp.Scale), count)
	}
	return buckets
}

// setNativeBuckets fills the native histogram fields of h from dp.
func setNativeBuckets[N int64 | float64](h *dto.Histogram, dp metricdata.ExponentialHistogramDataPoint[N]) {
	schema, shift := dp.Scale, int32(0)
	if schema > maxNativeSchema {
		shift = schema - maxNativeSchema
		schema = maxNativeSchema
	}
	h.Schema = new(schema)
	h.ZeroThreshold = new(dp.ZeroThreshold)
	h.ZeroCount = new(dp.ZeroCount)
	h.PositiveSpan, h.PositiveDelta = nativeSpans(dp.PositiveBucket, shift)
	h.NegativeSpan, h.NegativeDelta = nativeSpans(dp.NegativeBucket, shift)
	if len(h.PositiveSpan) == 0 && len(h.NegativeSpan) == 0 && dp.ZeroThreshold == 0 && dp.ZeroCount == 0 {
		// Prometheus recognises a native histogram by its buckets; an empty
		// one needs an empty span to be told apart from a classic one.
		h.PositiveSpan = []*dto.BucketSpan{{Offset: new(int32(0)), Length: new(uint32(0))}}
	}
}

// nativeSpans encodes exponential buckets as Prometheus spans and deltas.
// shift downscales the indexes (each step merges pairs of buckets). A
// Prometheus bucket index is the OpenTelemetry index plus one: Prometheus
// names a bucket by its upper boundary, OpenTelemetry by its lower one.
// Empty buckets are skipped by starting a new span after them.
func nativeSpans(b metricdata.ExponentialBucket, shift int32) ([]*dto.BucketSpan, []int64) {
	var (
		spans    []*dto.BucketSpan
		deltas   []int64
		prevIdx  int32
		prevCnt  int64
		pendIdx  int32
		pendCnt  uint64
		havePend bool
	)
	flush := func() {
		if !havePend || pendCnt == 0 {
			return
		}
		idx := pendIdx + 1
		switch {
		case len(spans) == 0:
			spans = append(spans, &dto.BucketSpan{Offset: new(idx), Length: new(uint32(1))})
		case idx == prevIdx+1:
			*spans[len(spans)-1].Length++
		default:
			spans = append(spans, &dto.BucketSpan{Offset: new(idx - prevIdx - 1), Length: new(uint32(1))})
		}
		count := int64(min(pendCnt, math.MaxInt64))
		deltas = append(deltas, count-prevCnt)
		prevIdx, prevCnt = idx, count
	}
	for k, count := range b.Counts {
		idx := (b.Offset + int32(k)) >> shift
		if havePend && idx == pendIdx {
			pendCnt += count
			continue
		}
		flush()
		pendIdx, pendCnt, havePend = idx, count, true
	}
	flush()
	return spans, deltas
}

// summaryToDTO converts a summary data point (from a Producer).
func summaryToDTO(dp metricdata.SummaryDataPoint) *dto.Summary {
	s := &dto.Summary{
		SampleCount: new(dp.Count),
		SampleSum:   new(dp.Sum),
		Quantile:    make([]*dto.Quantile, len(dp.QuantileValues)),
	}
	for i, q := range dp.QuantileValues {
		s.Quantile[i] = &dto.Quantile{Quantile: new(q.Quantile), Value: new(q.Value)}
	}
	if !dp.StartTime.IsZero() {
		s.CreatedTimestamp = timestamppb.New(dp.StartTime)
	}
	return s
}

// setCreated records the start of the cumulative series: the protobuf
// format carries it, and OpenMetrics can serve it as _created.
func setCreated(h *dto.Histogram, start time.Time) {
	if !start.IsZero() {
		h.CreatedTimestamp = timestamppb.New(start)
	}
}
