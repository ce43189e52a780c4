package fastmeter

import (
	"context"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter/internal/selfobs"
)

// ManualReader is a Reader the application collects on demand.
//
// The zero value is usable: a ManualReader with the default temporality and
// aggregation selectors and no producers.
type ManualReader struct {
	readerCore
}

var _ Reader = (*ManualReader)(nil)

// NewManualReader returns a Reader collected by calling Collect.
func NewManualReader(opts ...ManualReaderOption) *ManualReader {
	r := &ManualReader{readerCore: readerCore{cfg: defaultReaderSettings(),
		obs: selfobs.NewReader(selfobs.ManualReaderType, selfobs.NextID(selfobs.ManualReaderType))}}
	for _, o := range opts {
		if o != nil {
			r.cfg = o.applyManual(r.cfg)
		}
	}
	return r
}

// Collect gathers all metric data of the provider and the reader's producers
// into rm, reusing rm's slices. It returns an error after Shutdown, before
// the reader is registered with a MeterProvider, when rm is nil, or when ctx
// is done. It is safe for concurrent use. How ctx bounds callbacks is
// described at Reader.Collect.
func (r *ManualReader) Collect(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	return r.collect(ctx, rm)
}

// Shutdown stops the reader: later calls to Collect and Shutdown return
// ErrReaderShutdown. It is safe for concurrent use.
func (r *ManualReader) Shutdown(context.Context) error {
	err := ErrReaderShutdown
	r.once.Do(func() {
		r.shutdown.Store(true)
		r.obs.Close()
		err = nil
	})
	return err
}

// MarshalLog returns logging data about the ManualReader.
func (r *ManualReader) MarshalLog() any {
	return struct {
		Type       string
		Registered bool
		Shutdown   bool
	}{Type: "ManualReader", Registered: r.src.Load() != nil, Shutdown: r.shutdown.Load()}
}
