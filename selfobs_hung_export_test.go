package fastmeter_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/selfobs"
)

// hungExporter's first Export blocks until release is closed and then
// fails; later ones succeed.
type hungExporter struct {
	failingExporter
	release  chan struct{}
	returned chan struct{}
	calls    int
}

func (e *hungExporter) Export(context.Context, *metricdata.ResourceMetrics) error {
	e.calls++ // exports never overlap (the reader's export token)
	if e.calls > 1 {
		return nil
	}
	<-e.release
	close(e.returned)
	return errExport
}

// TestSelfObservabilityCountsAHungExportOnce: an export the reader stops
// waiting for is a failed export, counted when the reader gives up with the
// deadline's error type, and not counted again when it returns late.
func TestSelfObservabilityCountsAHungExportOnce(t *testing.T) {
	observer := fastmeter.NewManualReader()
	otel.SetMeterProvider(fastmeter.NewMeterProvider(fastmeter.WithReader(observer)))
	t.Setenv("OTEL_GO_X_OBSERVABILITY", "true")

	exp := &hungExporter{release: make(chan struct{}), returned: make(chan struct{})}
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(exp.release) }) }
	reader := fastmeter.NewPeriodicReader(exp, fastmeter.WithInterval(time.Hour), fastmeter.WithTimeout(time.Hour))
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(reader))
	defer func() { release(); _ = mp.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	err := reader.ForceFlush(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ForceFlush with a hung export = %v, want the deadline", err)
	}
	failures := func() map[string]int64 {
		t.Helper()
		var rm metricdata.ResourceMetrics
		if err := observer.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		if m, ok := scopeMetricNamed(&rm, selfobs.Scope, "fastmeter.metric_reader.export.failed"); ok {
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				out[attrValue(dp.Attributes, "error.type")] += dp.Value
			}
		}
		return out
	}
	assertOneDeadline := func(when string) {
		t.Helper()
		got := failures()
		if len(got) != 1 {
			t.Fatalf("%s: export.failed by error.type = %v, want one failure with the deadline's type", when, got)
		}
		for typ, n := range got {
			if n != 1 || !strings.Contains(strings.ToLower(typ), "deadline") {
				t.Fatalf("%s: export.failed by error.type = %v, want one failure with the deadline's type", when, got)
			}
		}
	}
	assertOneDeadline("after the reader gave up")

	release()
	<-exp.returned
	// The next flush waits for the hung export to finish (it holds the
	// export token until its count is settled), then succeeds.
	if err := reader.ForceFlush(context.Background()); err != nil {
		t.Fatalf("ForceFlush after the hung export returned: %v", err)
	}
	assertOneDeadline("after the hung export returned its error late")
}
