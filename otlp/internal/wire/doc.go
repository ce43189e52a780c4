// Package wire encodes metricdata.ResourceMetrics straight into the bytes of
// an OTLP ExportMetricsServiceRequest, in the protobuf wire format
// (ProtoEncoder) and in the OTLP JSON mapping (JSONEncoder), without building
// the intermediate go.opentelemetry.io/proto/otlp message tree the official
// exporters build. Each encoder owns one buffer that it reuses across
// exports, so an export allocates independently of the number of series.
package wire
