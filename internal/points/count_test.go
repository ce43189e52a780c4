package points

import (
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestCount(t *testing.T) {
	for _, c := range []struct {
		data metricdata.Aggregation
		want int
	}{
		{metricdata.Gauge[int64]{DataPoints: make([]metricdata.DataPoint[int64], 1)}, 1},
		{metricdata.Gauge[float64]{DataPoints: make([]metricdata.DataPoint[float64], 2)}, 2},
		{metricdata.Sum[int64]{DataPoints: make([]metricdata.DataPoint[int64], 3)}, 3},
		{metricdata.Sum[float64]{DataPoints: make([]metricdata.DataPoint[float64], 4)}, 4},
		{metricdata.Histogram[int64]{DataPoints: make([]metricdata.HistogramDataPoint[int64], 5)}, 5},
		{metricdata.Histogram[float64]{DataPoints: make([]metricdata.HistogramDataPoint[float64], 6)}, 6},
		{metricdata.ExponentialHistogram[int64]{DataPoints: make([]metricdata.ExponentialHistogramDataPoint[int64], 7)}, 7},
		{metricdata.ExponentialHistogram[float64]{DataPoints: make([]metricdata.ExponentialHistogramDataPoint[float64], 8)}, 8},
		{metricdata.Summary{DataPoints: make([]metricdata.SummaryDataPoint, 9)}, 9},
		{nil, 0},
	} {
		if got := Count(c.data); got != c.want {
			t.Errorf("Count(%T) = %d, want %d", c.data, got, c.want)
		}
	}
}
