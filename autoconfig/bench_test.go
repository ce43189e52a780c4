package autoconfig

import (
	"context"
	"io"
	"testing"
)

// BenchmarkNewMeterProvider measures the start-up cost of an
// environment-configured provider (resource detection, validation, one
// periodic reader) and its Shutdown, once per process in real use.
func BenchmarkNewMeterProvider(b *testing.B) {
	b.Setenv(envMetricsExporter, "console")
	b.Setenv(envExportInterval, "3600000")
	b.Setenv(envServiceName, "bench")
	b.Setenv(envResourceAttributes, "team=core,region=eu")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		mp, err := NewMeterProvider(ctx, WithConsoleWriter(io.Discard))
		if err != nil {
			b.Fatal(err)
		}
		if err := mp.Shutdown(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
