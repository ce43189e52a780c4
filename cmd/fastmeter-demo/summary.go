package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/metricz"
)

// summary prints one console line about the service from its own
// ManualReader: requests and their rate, errors, in-flight requests,
// latency percentiles, goroutines and memory. A periodic line's rate, error
// share and percentiles are those of its window (since the previous line),
// the final line's those of the whole run; each line says which.
type summary struct {
	mu          sync.Mutex
	reader      *sdkmetric.ManualReader
	out         io.Writer
	rm          metricdata.ResourceMetrics // reused by every collection
	start       time.Time
	lastCount   int64
	last5xx     int64
	lastLatency metricdata.HistogramDataPoint[float64] // cumulative, at the previous line
	lastAt      time.Time
}

func newSummary(reader *sdkmetric.ManualReader, out io.Writer) *summary {
	now := time.Now()
	return &summary{reader: reader, out: out, start: now, lastAt: now}
}

func (s *summary) loop(ctx context.Context, every time.Duration) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			s.print(ctx, "")
		}
	}
}

// figures are what one summary line shows.
type figures struct {
	requests, errors5xx, inFlight, goroutines, memory int64
	latency                                           metricdata.HistogramDataPoint[float64]
}

func (s *summary) print(ctx context.Context, label string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reader.Collect(ctx, &s.rm); err != nil {
		fmt.Fprintf(s.out, "summary: collect: %v\n", err)
		return
	}
	f := readFigures(&s.rm)
	now := time.Now()
	// Periodic lines show their window (since the previous line); a
	// labelled line (the final one, printed right after a periodic one)
	// the whole run.
	requests, errors5xx, latency, since := f.requests-s.lastCount, f.errors5xx-s.last5xx, subtractHistogram(f.latency, s.lastLatency), s.lastAt
	window := fmt.Sprintf("last %v", now.Sub(s.lastAt).Round(100*time.Millisecond))
	if label != "" {
		requests, errors5xx, latency, since = f.requests, f.errors5xx, f.latency, s.start
		window = "whole run"
	}
	s.lastCount, s.last5xx, s.lastLatency, s.lastAt = f.requests, f.errors5xx, f.latency, now

	var b strings.Builder
	if label == "" {
		label = fmt.Sprintf("%4.0fs", now.Sub(s.start).Seconds())
	}
	fmt.Fprintf(&b, "[%s] %d requests in all · %s: %.1f/s", label, f.requests, window, float64(requests)/now.Sub(since).Seconds())
	if requests > 0 {
		fmt.Fprintf(&b, ", %.1f%% 5xx", 100*float64(errors5xx)/float64(requests))
	}
	b.WriteString(", latency")
	for _, q := range []float64{0.5, 0.9, 0.99} {
		if v, ok := metricz.HistogramQuantile(latency, q); ok {
			fmt.Fprintf(&b, " p%v %s", q*100, time.Duration(v*float64(time.Second)).Round(100*time.Microsecond))
		} else {
			fmt.Fprintf(&b, " p%v –", q*100)
		}
	}
	fmt.Fprintf(&b, " · now: %d in flight, %d goroutines, %.1f MiB\n", f.inFlight, f.goroutines, float64(f.memory)/(1<<20))
	_, _ = io.WriteString(s.out, b.String())
}

// subtractHistogram returns the observations of cur that were not yet in
// prev, both cumulative points of one stream (prev empty: all of cur). The
// window's minimum and maximum are unknown; cur's, which bound them, stay
// as the bounds of the open-ended buckets.
func subtractHistogram(cur, prev metricdata.HistogramDataPoint[float64]) metricdata.HistogramDataPoint[float64] {
	if len(prev.BucketCounts) == 0 || !slices.Equal(cur.Bounds, prev.Bounds) || len(cur.BucketCounts) != len(prev.BucketCounts) {
		return cur
	}
	w := cur
	w.BucketCounts = make([]uint64, len(cur.BucketCounts))
	for i, c := range cur.BucketCounts {
		w.BucketCounts[i] = c - min(c, prev.BucketCounts[i])
	}
	w.Count = cur.Count - min(cur.Count, prev.Count)
	w.Sum = cur.Sum - prev.Sum
	return w
}

// readFigures extracts the summary's figures from one collection; the
// latency histogram of every series is merged into one.
func readFigures(rm *metricdata.ResourceMetrics) figures {
	var f figures
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch data := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range data.DataPoints {
					switch m.Name {
					case requestCountName:
						f.requests += dp.Value
						if code, ok := dp.Attributes.Value("http.response.status_code"); ok && code.AsInt64() >= 500 {
							f.errors5xx += dp.Value
						}
					case activeRequestsName:
						f.inFlight += dp.Value
					case memoryUsedName:
						f.memory += dp.Value
					case goroutinesName:
						f.goroutines += dp.Value
					}
				}
			case metricdata.Histogram[float64]:
				if m.Name == requestDurationName {
					for _, dp := range data.DataPoints {
						f.latency = mergeHistograms(f.latency, dp)
					}
				}
			}
		}
	}
	return f
}

// mergeHistograms adds b's observations to a; both must share the same
// bounds (the series of one stream always do), otherwise b is ignored.
func mergeHistograms(a, b metricdata.HistogramDataPoint[float64]) metricdata.HistogramDataPoint[float64] {
	if a.Count == 0 && len(a.BucketCounts) == 0 {
		a.Bounds = b.Bounds
		a.BucketCounts = slices.Clone(b.BucketCounts)
		a.Count, a.Sum, a.Min, a.Max = b.Count, b.Sum, b.Min, b.Max
		return a
	}
	if !slices.Equal(a.Bounds, b.Bounds) || len(a.BucketCounts) != len(b.BucketCounts) {
		return a
	}
	for i, c := range b.BucketCounts {
		a.BucketCounts[i] += c
	}
	a.Count += b.Count
	a.Sum += b.Sum
	if bmin, ok := b.Min.Value(); ok {
		if amin, ok := a.Min.Value(); !ok || bmin < amin {
			a.Min = b.Min
		}
	}
	if bmax, ok := b.Max.Value(); ok {
		if amax, ok := a.Max.Value(); !ok || bmax > amax {
			a.Max = b.Max
		}
	}
	return a
}
