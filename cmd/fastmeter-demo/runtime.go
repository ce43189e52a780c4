package main

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/runtime"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/semconv/v1.43.0/processconv"
)

// registerRuntimeMetrics registers the Go runtime metrics of the
// contrib instrumentation (go.goroutine.count, go.memory.used,
// go.memory.allocated, go.memory.gc.goal, ..., named and computed as the
// semantic conventions say) and two process metrics contrib does not have:
// process.cpu.time, the CPU the process actually used (user and system,
// from the kernel's accounting), and process.uptime.
func registerRuntimeMetrics(mp metric.MeterProvider) error {
	if err := runtime.Start(runtime.WithMeterProvider(mp)); err != nil {
		return err
	}
	meter := mp.Meter(scopeProcess, metric.WithInstrumentationVersion(scopeVersion))
	start := time.Now()
	cpu, err1 := processconv.NewCPUTime(meter)
	uptime, err2 := processconv.NewUptimeObservable(meter)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	user := metric.WithAttributeSet(attribute.NewSet(cpu.AttrCPUMode(processconv.CPUModeUser)))
	system := metric.WithAttributeSet(attribute.NewSet(cpu.AttrCPUMode(processconv.CPUModeSystem)))
	_, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		if u, s, ok := processCPUTime(); ok {
			o.ObserveFloat64(cpu.Inst(), u.Seconds(), user)
			o.ObserveFloat64(cpu.Inst(), s.Seconds(), system)
		}
		o.ObserveFloat64(uptime.Inst(), time.Since(start).Seconds())
		return nil
	}, cpu.Inst(), uptime.Inst())
	return err
}
