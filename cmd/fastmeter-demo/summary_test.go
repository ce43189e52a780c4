package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// Issue 17 point 8: a periodic summary line's percentiles are those of its
// window, like its rate, and say so; the final line's those of the run.
func TestSummaryPercentilesPerWindow(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	h, err := mp.Meter("t").Float64Histogram(requestDurationName, metric.WithExplicitBucketBoundaries(requestDurationBounds...))
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	s := newSummary(reader, &out)
	ctx := context.Background()

	for range 100 {
		h.Record(ctx, 2) // a slow first window
	}
	s.print(ctx, "")
	for range 100 {
		h.Record(ctx, 0.004) // a fast second one
	}
	s.print(ctx, "")
	s.print(ctx, "final")

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines:\n%s", out.String())
	}
	for i, want := range []string{"last ", "last ", "whole run:"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d does not say its window (%q): %s", i, want, lines[i])
		}
	}
	// Since the start, p50 and p99 of the second line would be 2s; its
	// window holds only values of 4ms (bucket (0, 5ms], bounded by min 4ms).
	for i, want := range []struct{ p50max, p99min, p99max time.Duration }{
		{time.Second, 1900 * time.Millisecond, 2 * time.Second},            // 100 × 2s
		{5 * time.Millisecond, 4 * time.Millisecond, 5 * time.Millisecond}, // 100 × 4ms
		{5 * time.Millisecond, 1900 * time.Millisecond, 2 * time.Second},   // both
	} {
		p50, p99 := percentile(t, lines[i], "p50"), percentile(t, lines[i], "p99")
		if i > 0 && p50 > want.p50max || p99 < want.p99min || p99 > want.p99max {
			t.Errorf("line %d: p50 %v p99 %v, want p50 <= %v, p99 in [%v, %v]: %s", i, p50, p99, want.p50max, want.p99min, want.p99max, lines[i])
		}
	}
}

// percentile reads " pNN <duration>" from a summary line.
func percentile(t *testing.T, line, p string) time.Duration {
	t.Helper()
	_, rest, ok := strings.Cut(line, " "+p+" ")
	if !ok {
		t.Fatalf("no %s in %s", p, line)
	}
	d, err := time.ParseDuration(strings.Fields(rest)[0])
	if err != nil {
		t.Fatalf("%s in %s: %v", p, line, err)
	}
	return d
}
