// Package transport sends pre-encoded OTLP ExportMetricsServiceRequest bytes
// to a receiver over OTLP/HTTP (protobuf or JSON) or OTLP/gRPC, classifies
// the outcome as the OTLP specification does (retryable or not, with the
// server's throttle delay; partial success), and retries with exponential
// backoff and jitter.
package transport
