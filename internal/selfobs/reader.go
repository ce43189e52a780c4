package selfobs

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/otelconv"

	"github.com/fastmeter/fastmeter/internal/points"
)

// MetricNameKey names the stream a fastmeter.metric_reader.stream.series
// point counts (the scope is otel.scope.name). The semantic conventions
// have no attribute for a metric's name.
const MetricNameKey = attribute.Key("fastmeter.metric.name")

// Reader is the self-instrumentation of one reader. A nil *Reader (self-
// observability off) does nothing.
type Reader struct {
	base     []attribute.KeyValue
	okOpt    metric.MeasurementOption
	duration metric.Float64Histogram
	failed   metric.Int64Counter

	// series is the number of points of each stream in the last
	// collection, read by the observable gauge's callback.
	series atomic.Pointer[[]streamSeries]
	// mu guards sets, the cached attribute sets of the streams seen.
	mu   sync.Mutex
	sets map[streamKey]attribute.Set
	reg  metric.Registration
}

type streamKey struct{ scope, name string }

type streamSeries struct {
	set attribute.Set
	n   int64
}

// NewReader returns the instrumentation of a reader of componentType with
// instance number id, or nil when self-observability is off. Instruments
// are created on the global MeterProvider; creation errors go to
// otel.Handle, as in the official SDK.
func NewReader(componentType string, id int64) *Reader {
	if !Enabled() {
		return nil
	}
	ensureProcess()
	r := &Reader{
		base: []attribute.KeyValue{
			semconv.OTelComponentName(ComponentName(componentType, id)),
			semconv.OTelComponentTypeKey.String(componentType),
		},
		sets: map[streamKey]attribute.Set{},
	}
	r.okOpt = metric.WithAttributeSet(attribute.NewSet(r.base...))
	d, err := otelconv.NewSDKMetricReaderCollectionDuration(meter(ReaderScope))
	handle(err)
	r.duration = d.Inst()

	m := meter(Scope)
	r.failed, err = m.Int64Counter("fastmeter.metric_reader.export.failed",
		metric.WithUnit("{export}"),
		metric.WithDescription("The number of exports of the periodic reader that failed (the exporter returned an error, panicked or did not return by the deadline)."))
	handle(err)
	series, err := m.Int64ObservableGauge("fastmeter.metric_reader.stream.series",
		metric.WithUnit("{series}"),
		metric.WithDescription("The number of series (data points) each stream produced in the reader's last collection."))
	handle(err)
	if err == nil {
		r.reg, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
			if p := r.series.Load(); p != nil {
				for i := range *p {
					s := &(*p)[i]
					o.ObserveInt64(series, s.n, metric.WithAttributeSet(s.set))
				}
			}
			return nil
		}, series)
		handle(err)
	}
	return r
}

func handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}

// Start returns the start time of a collection (zero when r is nil, so a
// disabled reader never reads the clock).
func (r *Reader) Start() time.Time {
	if r == nil {
		return time.Time{}
	}
	return time.Now()
}

// Collected records one collection that started at start and returned
// err, and remembers the series count of each stream of rm (nil, or
// emptied by a failed collection: keep the previous counts). It must be called after the reader's collection lock is
// released: the histogram may belong to the provider being collected.
func (r *Reader) Collected(ctx context.Context, start time.Time, rm *metricdata.ResourceMetrics, err error) {
	if r == nil {
		return
	}
	opt := r.okOpt
	if err != nil {
		opt = r.errOpt(err)
	}
	r.duration.Record(ctx, time.Since(start).Seconds(), opt)
	// A collection that failed only in part (a callback's error) still
	// read every stream; one abandoned before reading any left rm empty.
	if rm != nil && (err == nil || len(rm.ScopeMetrics) > 0) {
		r.noteSeries(rm)
	}
}

func (r *Reader) errOpt(err error) metric.MeasurementOption {
	attrs := append(append(make([]attribute.KeyValue, 0, len(r.base)+1), r.base...), semconv.ErrorType(err))
	return metric.WithAttributeSet(attribute.NewSet(attrs...))
}

// ExportFailed counts one failed export.
func (r *Reader) ExportFailed(ctx context.Context, err error) {
	if r == nil || err == nil {
		return
	}
	r.failed.Add(ctx, 1, r.errOpt(err))
}

// noteSeries stores the number of points of every stream of rm.
func (r *Reader) noteSeries(rm *metricdata.ResourceMetrics) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]streamSeries, 0, len(r.sets))
	for i := range rm.ScopeMetrics {
		sm := &rm.ScopeMetrics[i]
		for j := range sm.Metrics {
			m := &sm.Metrics[j]
			k := streamKey{sm.Scope.Name, m.Name}
			set, ok := r.sets[k]
			if !ok {
				attrs := append(append(make([]attribute.KeyValue, 0, len(r.base)+2), r.base...),
					semconv.OTelScopeName(k.scope), MetricNameKey.String(k.name))
				set = attribute.NewSet(attrs...)
				r.sets[k] = set
			}
			out = append(out, streamSeries{set: set, n: int64(points.Count(m.Data))})
		}
	}
	r.series.Store(&out)
}

// Close stops reporting the reader's series counts (the reader was shut
// down). The collection-duration series stay, as in the official SDK.
func (r *Reader) Close() {
	if r == nil || r.reg == nil {
		return
	}
	handle(r.reg.Unregister())
}
