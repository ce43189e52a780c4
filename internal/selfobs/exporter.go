package selfobs

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/otelconv"
)

// Exporter is the self-instrumentation of an exporter, with the semantic
// conventions' otel.sdk.exporter.operation.duration and
// otel.sdk.exporter.metric_data_point.exported. A nil *Exporter (self-
// observability off) does nothing.
type Exporter struct {
	base     []attribute.KeyValue
	okOpt    metric.MeasurementOption
	duration metric.Float64Histogram
	exported metric.Int64Counter
}

// NewExporter returns the instrumentation of an exporter of componentType
// whose metrics go to scope, or nil when self-observability is off.
func NewExporter(scope, componentType string, id int64) *Exporter {
	if !Enabled() {
		return nil
	}
	e := &Exporter{base: []attribute.KeyValue{
		semconv.OTelComponentName(ComponentName(componentType, id)),
		semconv.OTelComponentTypeKey.String(componentType),
	}}
	e.okOpt = metric.WithAttributeSet(attribute.NewSet(e.base...))
	m := meter(scope)
	d, err := otelconv.NewSDKExporterOperationDuration(m)
	handle(err)
	e.duration = d.Inst()
	x, err := otelconv.NewSDKExporterMetricDataPointExported(m)
	handle(err)
	e.exported = x.Inst()
	return e
}

// Start returns the start time of an operation (zero when e is nil).
func (e *Exporter) Start() time.Time {
	if e == nil {
		return time.Time{}
	}
	return time.Now()
}

// Done records one operation that started at start, handled points data
// points and failed with err (nil: succeeded). The points of a failed
// operation are counted with its error.type, as the conventions ask.
func (e *Exporter) Done(ctx context.Context, start time.Time, points int, err error) {
	if e == nil {
		return
	}
	opt := e.okOpt
	if err != nil {
		attrs := append(append(make([]attribute.KeyValue, 0, len(e.base)+1), e.base...), semconv.ErrorType(err))
		opt = metric.WithAttributeSet(attribute.NewSet(attrs...))
	}
	e.duration.Record(ctx, time.Since(start).Seconds(), opt)
	if points > 0 {
		e.exported.Add(ctx, int64(points), opt)
	}
}
