package main

import (
	"context"
	"runtime/metrics"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// runtimeSamples are the runtime/metrics read at each collection, in the
// order of the samples slice below.
var runtimeSamples = []string{
	"/sched/goroutines:goroutines",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/gc/heap/allocs:bytes",
	"/cpu/classes/total:cpu-seconds",
	"/gc/cycles/total:gc-cycles",
}

// registerRuntimeMetrics registers the observable instruments of the Go
// runtime, all fed by one callback that reads runtime/metrics once per
// collection (cheaper than runtime.ReadMemStats, which stops the world).
func registerRuntimeMetrics(meter metric.Meter) error {
	start := time.Now()
	goroutines, err1 := meter.Int64ObservableGauge(goroutinesName, metric.WithUnit("{goroutine}"),
		metric.WithDescription("Live goroutines"))
	memUsed, err2 := meter.Int64ObservableUpDownCounter(memoryUsedName, metric.WithUnit("By"),
		metric.WithDescription("Memory the Go runtime holds from the OS, minus what it released"))
	allocated, err3 := meter.Int64ObservableCounter("go.memory.allocated", metric.WithUnit("By"),
		metric.WithDescription("Bytes allocated on the heap since the start"))
	gcCycles, err4 := meter.Int64ObservableCounter("go.gc.cycles", metric.WithUnit("{cycle}"),
		metric.WithDescription("Completed garbage collection cycles"))
	cpu, err5 := meter.Float64ObservableCounter("process.cpu.time", metric.WithUnit("s"),
		metric.WithDescription("CPU time used by the process, as estimated by the Go runtime"))
	uptime, err6 := meter.Float64ObservableGauge("process.uptime", metric.WithUnit("s"),
		metric.WithDescription("Time since the demo started"))
	for _, err := range []error{err1, err2, err3, err4, err5, err6} {
		if err != nil {
			return err
		}
	}

	samples := make([]metrics.Sample, len(runtimeSamples))
	for i, name := range runtimeSamples {
		samples[i].Name = name
	}
	_, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		// The SDK runs callbacks of one collection one at a time, but two
		// readers may collect at once: read into a local copy.
		s := make([]metrics.Sample, len(samples))
		copy(s, samples)
		metrics.Read(s)
		o.ObserveInt64(goroutines, int64(uintValue(s[0])))
		o.ObserveInt64(memUsed, int64(uintValue(s[1])-uintValue(s[2])))
		o.ObserveInt64(allocated, int64(uintValue(s[3])))
		o.ObserveFloat64(cpu, floatValue(s[4]))
		o.ObserveInt64(gcCycles, int64(uintValue(s[5])))
		o.ObserveFloat64(uptime, time.Since(start).Seconds())
		return nil
	}, goroutines, memUsed, allocated, gcCycles, cpu, uptime)
	return err
}

// uintValue reads a sample, tolerating a metric this Go version lacks.
func uintValue(s metrics.Sample) uint64 {
	if s.Value.Kind() == metrics.KindUint64 {
		return s.Value.Uint64()
	}
	return 0
}

func floatValue(s metrics.Sample) float64 {
	if s.Value.Kind() == metrics.KindFloat64 {
		return s.Value.Float64()
	}
	return 0
}
