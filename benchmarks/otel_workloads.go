package benchmarks

import (
	"context"
	"runtime"
	"testing"

	"go.opentelemetry.io/otel/metric"
)

// The OpenTelemetry hot loops, shared by fastmeter and the official SDK so both
// run exactly the same API calls. Each case has a serial and a parallel loop,
// written out rather than wrapped in a per-iteration closure: an extra
// indirect call would add ~1-2 ns to every library and blur the ratios of the
// fastest paths.

// otelCounterWorkload drives Int64Counter.Add(ctx, 1, ...) in every case but
// bound (see binder).
type otelCounterWorkload struct {
	counter metric.Int64Counter
	attrs   attrCase
	fx      *otelFixtures
}

func (w *otelCounterWorkload) RunSerial(n int) {
	ctx := context.Background()
	c := w.counter
	switch w.attrs {
	case noAttrs:
		for i := 0; i < n; i++ {
			c.Add(ctx, 1)
		}
	case precomputedSet:
		opts := w.fx.addSet
		for i := 0; i < n; i++ {
			c.Add(ctx, 1, opts...)
		}
	case perCallAttrs:
		kv := w.fx.kv
		for i := 0; i < n; i++ {
			c.Add(ctx, 1, metric.WithAttributes(kv[0], kv[1], kv[2]))
		}
	case perCallSDKShare:
		pool := &w.fx.shareAdd
		if n > 0 {
			c.Add(ctx, 1, w.fx.sharePrimerAdd...) // see otelFixtures.sharePrimerAdd
		}
		for i := 1; i < n; i++ {
			c.Add(ctx, 1, pool[i%sdkSharePoolSize]...)
		}
	case rotatingSets:
		rotation := w.fx.rotationAdd
		for i := 0; i < n; i++ {
			c.Add(ctx, 1, rotation[i%rotationSize]...)
		}
	}
}

func (w *otelCounterWorkload) RunParallel(pb *testing.PB) {
	ctx := context.Background()
	c := w.counter
	switch w.attrs {
	case noAttrs:
		for pb.Next() {
			c.Add(ctx, 1)
		}
	case precomputedSet:
		opts := w.fx.addSet
		for pb.Next() {
			c.Add(ctx, 1, opts...)
		}
	case perCallAttrs:
		kv := w.fx.kv
		for pb.Next() {
			c.Add(ctx, 1, metric.WithAttributes(kv[0], kv[1], kv[2]))
		}
	case perCallSDKShare:
		// No primer: the serial warm-up before timing created the series.
		pool := &w.fx.shareAdd
		for i := 0; pb.Next(); i++ {
			c.Add(ctx, 1, pool[i%sdkSharePoolSize]...)
		}
	case rotatingSets:
		rotation := w.fx.rotationAdd
		for i := 0; pb.Next(); i++ {
			c.Add(ctx, 1, rotation[i%rotationSize]...)
		}
	}
}

// otelRecordWorkload drives Float64Histogram.Record or Float64Gauge.Record
// with histogramValue(i).
type otelRecordWorkload struct {
	recorder float64Recorder
	attrs    attrCase
	fx       *otelFixtures
}

func (w *otelRecordWorkload) RunSerial(n int) {
	ctx := context.Background()
	r := w.recorder
	switch w.attrs {
	case noAttrs:
		for i := 0; i < n; i++ {
			r.Record(ctx, histogramValue(i))
		}
	case precomputedSet:
		opts := w.fx.recordSet
		for i := 0; i < n; i++ {
			r.Record(ctx, histogramValue(i), opts...)
		}
	case perCallAttrs:
		kv := w.fx.kv
		for i := 0; i < n; i++ {
			r.Record(ctx, histogramValue(i), metric.WithAttributes(kv[0], kv[1], kv[2]))
		}
	case perCallSDKShare:
		pool := &w.fx.shareRecord
		if n > 0 {
			r.Record(ctx, histogramValue(0), w.fx.sharePrimerRecord...) // see otelFixtures.sharePrimerRecord
		}
		for i := 1; i < n; i++ {
			r.Record(ctx, histogramValue(i), pool[i%sdkSharePoolSize]...)
		}
	case rotatingSets:
		rotation := w.fx.rotationRecord
		for i := 0; i < n; i++ {
			r.Record(ctx, histogramValue(i), rotation[i%rotationSize]...)
		}
	}
}

func (w *otelRecordWorkload) RunParallel(pb *testing.PB) {
	ctx := context.Background()
	r := w.recorder
	switch w.attrs {
	case noAttrs:
		for i := 0; pb.Next(); i++ {
			r.Record(ctx, histogramValue(i))
		}
	case precomputedSet:
		opts := w.fx.recordSet
		for i := 0; pb.Next(); i++ {
			r.Record(ctx, histogramValue(i), opts...)
		}
	case perCallAttrs:
		kv := w.fx.kv
		for i := 0; pb.Next(); i++ {
			r.Record(ctx, histogramValue(i), metric.WithAttributes(kv[0], kv[1], kv[2]))
		}
	case perCallSDKShare:
		// No primer: the serial warm-up before timing created the series.
		pool := &w.fx.shareRecord
		for i := 0; pb.Next(); i++ {
			r.Record(ctx, histogramValue(i), pool[i%sdkSharePoolSize]...)
		}
	case rotatingSets:
		rotation := w.fx.rotationRecord
		for i := 0; pb.Next(); i++ {
			r.Record(ctx, histogramValue(i), rotation[i%rotationSize]...)
		}
	}
}

// apiFloorWorkload builds metric.WithAttributes(3 attributes) and nothing
// else: the API's own cost under every per-call-attrs number.
type apiFloorWorkload struct{ fx *otelFixtures }

func (w apiFloorWorkload) RunSerial(n int) {
	kv := w.fx.kv
	var opt metric.MeasurementOption
	for i := 0; i < n; i++ {
		opt = metric.WithAttributes(kv[0], kv[1], kv[2])
	}
	runtime.KeepAlive(opt)
}

func (w apiFloorWorkload) RunParallel(pb *testing.PB) {
	kv := w.fx.kv
	var opt metric.MeasurementOption
	for pb.Next() {
		opt = metric.WithAttributes(kv[0], kv[1], kv[2])
	}
	runtime.KeepAlive(opt)
}
