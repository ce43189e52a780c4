package selfobs

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/otelconv"

	"github.com/fastmeter/fastmeter/internal/points"
)

// OTLPExporter is the self-instrumentation of the native OTLP exporter:
// the three metrics the official otlpmetrichttp and otlpmetricgrpc
// exporters emit, in their scopes, with their attributes and counting
// rules. A nil *OTLPExporter (self-observability off) does nothing.
//
// Per export it records, with the base attributes (otel.component.type,
// otel.component.name, server.address, server.port):
//   - otel.sdk.exporter.metric_data_point.inflight: +points when the export
//     starts, -points when it ends;
//   - otel.sdk.exporter.metric_data_point.exported: the points delivered,
//     and on a failure the points not delivered with error.type added (a
//     partial success rejects its receiver's count, any other failure
//     every point); the delivered count is added even when it is zero, as
//     the official exporters do;
//   - otel.sdk.exporter.operation.duration: one observation, with the
//     response status (http.response.status_code or
//     rpc.response.status_code) and, on a failure, error.type.
type OTLPExporter struct {
	inflight metric.Int64UpDownCounter
	exported metric.Int64Counter
	duration metric.Float64Histogram

	base []attribute.KeyValue
	// The options of a successful export, built once: passing an existing
	// slice to a variadic parameter allocates nothing per export.
	baseAdd []metric.AddOption
	okRec   []metric.RecordOption
}

// NewOTLPExporter returns the instrumentation of OTLP exporter number id
// of componentType (OTLPHTTPExporterType or OTLPGRPCExporterType) in scope,
// whose receiver server names (server.address, server.port; may be empty)
// and whose successful exports carry the status attribute ok; nil when
// self-observability is off. Instruments are created on the global
// MeterProvider; creation errors go to otel.Handle.
func NewOTLPExporter(scope, componentType string, id int64, server []attribute.KeyValue, ok attribute.KeyValue) *OTLPExporter {
	if !Enabled() {
		return nil
	}
	base := append([]attribute.KeyValue{
		semconv.OTelComponentName(ComponentName(componentType, id)),
		semconv.OTelComponentTypeKey.String(componentType),
	}, server...)
	e := &OTLPExporter{
		base:    base,
		baseAdd: []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(base...))},
		okRec:   []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(append([]attribute.KeyValue{ok}, base...)...))},
	}
	m := meter(scope)
	inflight, err := otelconv.NewSDKExporterMetricDataPointInflight(m)
	handle(err)
	e.inflight = inflight.Inst()
	exported, err := otelconv.NewSDKExporterMetricDataPointExported(m)
	handle(err)
	e.exported = exported.Inst()
	duration, err := otelconv.NewSDKExporterOperationDuration(m)
	handle(err)
	e.duration = duration.Inst()
	return e
}

// OTLPOp is one export in progress.
type OTLPOp struct {
	start  time.Time
	points int64
}

// Start begins an export of rm: its points are counted in flight. The
// zero OTLPOp when e is nil (no clock read, no counting).
func (e *OTLPExporter) Start(ctx context.Context, rm *metricdata.ResourceMetrics) OTLPOp {
	if e == nil {
		return OTLPOp{}
	}
	var n int64
	if rm != nil {
		for i := range rm.ScopeMetrics {
			for j := range rm.ScopeMetrics[i].Metrics {
				n += int64(points.Count(rm.ScopeMetrics[i].Metrics[j].Data))
			}
		}
	}
	e.inflight.Add(ctx, n, e.baseAdd...)
	return OTLPOp{start: time.Now(), points: n}
}

// OTLPOutcome is how an export ended.
type OTLPOutcome struct {
	// Failed is false for an export the receiver accepted in full.
	Failed bool
	// Rejected is the number of points a partial success rejected; a
	// failure that is not a partial success rejects every point
	// (Rejected < 0).
	Rejected int64
	// Status is the response status attribute of a failure (invalid:
	// none, as when no response arrived).
	Status attribute.KeyValue
	// ErrorType is the failure's error.type.
	ErrorType string
}

// End records the end of op.
func (e *OTLPExporter) End(ctx context.Context, op OTLPOp, out OTLPOutcome) {
	if e == nil {
		return
	}
	e.inflight.Add(ctx, -op.points, e.baseAdd...)
	if !out.Failed {
		e.exported.Add(ctx, op.points, e.baseAdd...)
		e.duration.Record(ctx, time.Since(op.start).Seconds(), e.okRec...)
		return
	}
	rejected := op.points
	if out.Rejected >= 0 {
		rejected = min(out.Rejected, op.points)
	}
	e.exported.Add(ctx, op.points-rejected, e.baseAdd...)
	attrs := make([]attribute.KeyValue, 0, len(e.base)+2)
	attrs = append(append(attrs, e.base...), semconv.ErrorTypeKey.String(out.ErrorType))
	e.exported.Add(ctx, rejected, metric.WithAttributeSet(attribute.NewSet(attrs...)))
	if out.Status.Valid() {
		attrs = append(attrs, out.Status)
	}
	e.duration.Record(ctx, time.Since(op.start).Seconds(), metric.WithAttributeSet(attribute.NewSet(attrs...)))
}
