package fastmeter

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter/internal/selfobs"
)

// exportTally decides, once per collect-and-export, who counts a failed
// export in the self-metrics (fastmeter.metric_reader.export.failed): the
// export when it returns, or the reader when it stops waiting for an export
// that has not returned (one that hangs). So a hung export is counted when
// the reader gives up on it, and not again when it returns late. A nil
// tally (self-observability off) counts nothing and costs one nil check.
type exportTally struct {
	mu      sync.Mutex
	running int  // exports started and not returned
	gaveUp  bool // the reader stopped waiting; late returns are not counted
	obs     *selfobs.Reader
}

func (r *PeriodicReader) newExportTally() *exportTally {
	if r.obs == nil {
		return nil
	}
	return &exportTally{obs: r.obs}
}

func (t *exportTally) started() {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.running++
	t.mu.Unlock()
}

// returned counts err (a failure of a returned export, or a panic) unless
// the reader has already given up on this collect-and-export.
func (t *exportTally) returned(ctx context.Context, err error) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.running--
	count := !t.gaveUp && err != nil
	t.mu.Unlock()
	if count {
		t.obs.ExportFailed(ctx, err)
	}
}

// readerGaveUp counts one failure with err (the caller's deadline) when an
// export is still running: the reader returns without its result.
func (t *exportTally) readerGaveUp(ctx context.Context, err error) {
	if t == nil || err == nil {
		return
	}
	t.mu.Lock()
	count := !t.gaveUp && t.running > 0
	t.gaveUp = true
	t.mu.Unlock()
	if count {
		t.obs.ExportFailed(ctx, err)
	}
}

// export calls the exporter under tally: an error it returned, or a panic
// (which goes on to containPanic as before), is counted as a failed export.
func (r *PeriodicReader) export(ctx context.Context, rm *metricdata.ResourceMetrics, tally *exportTally) (err error) {
	if tally == nil {
		return r.exporter.Export(ctx, rm)
	}
	tally.started()
	returned := false
	defer func() {
		if !returned {
			tally.returned(ctx, &exporterPanicError{call: "Export"})
		} else {
			tally.returned(ctx, err)
		}
	}()
	err = r.exporter.Export(ctx, rm)
	returned = true
	return err
}
