// Package points counts the data points of metricdata aggregations, for the
// packages that size, filter or report collected data (the OTLP encoder, the
// MetricFilter, self-observability, the Prometheus exporter).
package points

import "go.opentelemetry.io/otel/sdk/metric/metricdata"

// Count is the number of data points of an aggregation; 0 for a type
// metricdata does not define. A type switch, not reflection: it runs once
// per metric of every collection that is filtered, exported or observed.
func Count(data metricdata.Aggregation) int {
	switch a := data.(type) {
	case metricdata.Gauge[int64]:
		return len(a.DataPoints)
	case metricdata.Gauge[float64]:
		return len(a.DataPoints)
	case metricdata.Sum[int64]:
		return len(a.DataPoints)
	case metricdata.Sum[float64]:
		return len(a.DataPoints)
	case metricdata.Histogram[int64]:
		return len(a.DataPoints)
	case metricdata.Histogram[float64]:
		return len(a.DataPoints)
	case metricdata.ExponentialHistogram[int64]:
		return len(a.DataPoints)
	case metricdata.ExponentialHistogram[float64]:
		return len(a.DataPoints)
	case metricdata.Summary:
		return len(a.DataPoints)
	}
	return 0
}
