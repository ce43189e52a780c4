package fastmeter

import (
	"context"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// export calls the exporter and counts a failed export in the
// self-metrics (fastmeter.metric_reader.export.failed): an error it
// returned, or a panic, which goes on to containPanic as before. Counting
// happens only on failure, so a successful export costs one nil check.
func (r *PeriodicReader) export(ctx context.Context, rm *metricdata.ResourceMetrics) (err error) {
	if r.obs == nil {
		return r.exporter.Export(ctx, rm)
	}
	returned := false
	defer func() {
		if !returned {
			r.obs.ExportFailed(ctx, &exporterPanicError{call: "Export"})
		} else if err != nil {
			r.obs.ExportFailed(ctx, err)
		}
	}()
	err = r.exporter.Export(ctx, rm)
	returned = true
	return err
}
