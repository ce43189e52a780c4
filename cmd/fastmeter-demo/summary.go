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
// latency percentiles, goroutines and memory.
type summary struct {
	mu        sync.Mutex
	reader    *sdkmetric.ManualReader
	out       io.Writer
	rm        metricdata.ResourceMetrics // reused by every collection
	start     time.Time
	lastCount int64
	lastAt    time.Time
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
	// Periodic lines show the rate since the previous line; a labelled line
	// (the final one, printed right after a periodic one) the average of
	// the whole run.
	rate := float64(f.requests-s.lastCount) / now.Sub(s.lastAt).Seconds()
	rateUnit := "/s"
	if label != "" {
		rate = float64(f.requests) / now.Sub(s.start).Seconds()
		rateUnit = "/s on average"
	}
	s.lastCount, s.lastAt = f.requests, now

	var b strings.Builder
	if label == "" {
		label = fmt.Sprintf("%4.0fs", now.Sub(s.start).Seconds())
	}
	fmt.Fprintf(&b, "[%s] %d requests (%.1f%s", label, f.requests, rate, rateUnit)
	if f.requests > 0 {
		fmt.Fprintf(&b, ", %.1f%% 5xx", 100*float64(f.errors5xx)/float64(f.requests))
	}
	fmt.Fprintf(&b, ") · %d in flight · latency", f.inFlight)
	for _, q := range []float64{0.5, 0.9, 0.99} {
		if v, ok := metricz.HistogramQuantile(f.latency, q); ok {
			fmt.Fprintf(&b, " p%v %s", q*100, time.Duration(v*float64(time.Second)).Round(100*time.Microsecond))
		} else {
			fmt.Fprintf(&b, " p%v –", q*100)
		}
	}
	fmt.Fprintf(&b, " · %d goroutines · %.1f MiB\n", f.goroutines, float64(f.memory)/(1<<20))
	_, _ = io.WriteString(s.out, b.String())
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
					}
				}
			case metricdata.Gauge[int64]:
				if m.Name == goroutinesName && len(data.DataPoints) > 0 {
					f.goroutines = data.DataPoints[0].Value
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
