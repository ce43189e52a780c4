package e2e

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// accountingExporter wraps a real exporter and books, for every Export call,
// how much of one counter the batch carried and whether the call succeeded.
// With delta temporality this tells exactly what the reader handed over and
// what the exporter lost, to compare with what reached the collector.
type accountingExporter struct {
	sdkmetric.Exporter
	counter string // the Int64 sum metric to book

	mu      sync.Mutex
	exports []exportRecord
}

// exportRecord is one Export call.
type exportRecord struct {
	at       time.Time
	carried  int64 // sum of the counter's data points in the batch
	points   int   // number of the counter's data points in the batch
	err      error
	duration time.Duration
}

func (e *accountingExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	carried, points := int64Total(rm, e.counter)
	start := time.Now()
	err := e.Exporter.Export(ctx, rm)
	e.mu.Lock()
	e.exports = append(e.exports, exportRecord{at: start, carried: carried, points: points, err: err, duration: time.Since(start)})
	e.mu.Unlock()
	return err
}

// records returns a copy of the bookings so far.
func (e *accountingExporter) records() []exportRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]exportRecord(nil), e.exports...)
}

// int64Total sums the data points of the Int64 sum metric name in rm.
func int64Total(rm *metricdata.ResourceMetrics, name string) (total int64, points int) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
				for _, dp := range sum.DataPoints {
					total += dp.Value
					points++
				}
			}
		}
	}
	return total, points
}
