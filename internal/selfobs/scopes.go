package selfobs

import (
	"fmt"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// The instrumentation scopes of the self-metrics.
const (
	// ReaderScope is the official SDK's scope for
	// otel.sdk.metric_reader.collection.duration, kept so that dashboards
	// and queries written for the official SDK find the metric unchanged.
	ReaderScope = "go.opentelemetry.io/otel/sdk/metric/internal/observ"
	// Scope holds fastmeter's extra SDK metrics.
	Scope = "github.com/fastmeter/fastmeter/selfobs"
	// PrometheusScope holds the fastmeter Prometheus exporter's metrics,
	// as each official exporter uses a scope of its own.
	PrometheusScope = "github.com/fastmeter/fastmeter/prometheus"
	// OTLPHTTPScope and OTLPGRPCScope are the scopes of the official
	// otlpmetrichttp and otlpmetricgrpc exporters' metrics, which the
	// native OTLP exporter (module otlp) reproduces: a dashboard written
	// for the official exporters finds its metrics unchanged.
	OTLPHTTPScope = "go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp/internal/observ"
	OTLPGRPCScope = "go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	// SchemaURL is the semantic conventions version the names follow.
	SchemaURL = semconv.SchemaURL
)

// IsScope reports whether a scope name is one of the self-metrics' scopes,
// for presenting them apart (the metricz page).
func IsScope(name string) bool {
	switch name {
	case ReaderScope, Scope, PrometheusScope, OTLPHTTPScope, OTLPGRPCScope:
		return true
	}
	return false
}

// The otel.component.type values. The manual reader's is the official SDK's
// own (not a semantic-conventions value), kept for the same reason as
// ReaderScope.
const (
	ManualReaderType       = "go.opentelemetry.io/otel/sdk/metric/metric.ManualReader"
	PeriodicReaderType     = "periodic_metric_reader"
	PrometheusExporterType = "prometheus_http_text_metric_exporter"
	// OTLPHTTPExporterType is the native OTLP exporter's over HTTP, with
	// protobuf or JSON bodies (the semantic conventions have one HTTP type).
	OTLPHTTPExporterType = "otlp_http_metric_exporter"
	// OTLPGRPCExporterType is the native OTLP exporter's over gRPC.
	OTLPGRPCExporterType = "otlp_grpc_metric_exporter"
)

// Each component type numbers its instances from 0 in creation order, as
// the official SDK does; a number is taken whether or not
// self-observability is on, so numbering does not depend on the switch.
var (
	manualIDs, periodicIDs, prometheusIDs, otlpHTTPIDs, otlpGRPCIDs atomic.Int64
)

// NextID returns the next instance number of a component type.
func NextID(componentType string) int64 {
	switch componentType {
	case ManualReaderType:
		return manualIDs.Add(1) - 1
	case PeriodicReaderType:
		return periodicIDs.Add(1) - 1
	case OTLPHTTPExporterType:
		return otlpHTTPIDs.Add(1) - 1
	case OTLPGRPCExporterType:
		return otlpGRPCIDs.Add(1) - 1
	default:
		return prometheusIDs.Add(1) - 1
	}
}

// ComponentName is the otel.component.name of instance id of a type:
// "<type>/<id>", the official SDK's form.
func ComponentName(componentType string, id int64) string {
	return fmt.Sprintf("%s/%d", componentType, id)
}

// meter returns a meter of the global MeterProvider as it is now: like the
// official SDK, a component takes the global provider when it is created
// (the global delegate forwards to a provider set later).
func meter(scope string) metric.Meter {
	opts := []metric.MeterOption{metric.WithSchemaURL(SchemaURL)}
	if scope == ReaderScope || scope == OTLPHTTPScope || scope == OTLPGRPCScope {
		opts = append(opts, metric.WithInstrumentationVersion(sdk.Version()))
	}
	return otel.GetMeterProvider().Meter(scope, opts...)
}
