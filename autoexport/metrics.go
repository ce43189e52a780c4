package autoexport

import (
	"context"
	"fmt"
	"os"
	"strings"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/autoconfig"
)

// The variables this package reads itself; the exporters' own variables
// are read and validated by autoconfig.NewReader.
const (
	envMetricsExporter  = "OTEL_METRICS_EXPORTER"
	envMetricsProducers = "OTEL_METRICS_PRODUCERS"
)

// defaultExporter is the specification's default for OTEL_METRICS_EXPORTER.
const defaultExporter = "otlp"

// EnvError reports an environment variable whose value cannot be used:
// an unknown exporter or producer name, or an invalid exporter setting
// (endpoint, protocol, interval, ...). It is autoconfig's error type, so
// errors.As works the same for both packages; its message starts with
// "autoconfig:".
type EnvError = autoconfig.EnvError

// MetricOption configures NewMetricReader.
type MetricOption interface {
	applyMetric(*metricConfig)
}

type metricConfig struct {
	fallback func(context.Context) (sdkmetric.Reader, error)
}

type metricOptionFunc func(*metricConfig)

func (f metricOptionFunc) applyMetric(c *metricConfig) { f(c) }

// WithFallbackMetricReader makes NewMetricReader call factory, instead of
// building the default otlp reader, when OTEL_METRICS_EXPORTER is unset or
// empty. A nil factory keeps the default.
func WithFallbackMetricReader(factory func(ctx context.Context) (sdkmetric.Reader, error)) MetricOption {
	return metricOptionFunc(func(c *metricConfig) {
		if factory != nil {
			c.fallback = factory
		}
	})
}

// readers holds the factories of the OTEL_METRICS_EXPORTER names.
var readers = newRegistry[sdkmetric.Reader]("exporter")

// NewMetricReader returns the fastmeter Reader that OTEL_METRICS_EXPORTER
// names, configured by the environment; register it with
// fastmeter.WithReader. The names are:
//
//   - "otlp" (the default): a PeriodicReader with fastmeter's native OTLP
//     exporter (github.com/fastmeter/fastmeter/otlp) for
//     OTEL_EXPORTER_OTLP_[METRICS_]PROTOCOL (http/protobuf, grpc or
//     http/json), or with OTEL_GO_FASTMETER_OTLP_EXPORTER=official the
//     official one (otlpmetrichttp, or otlpmetricgrpc for grpc);
//   - "prometheus": fastmeter's Prometheus exporter, served at /metrics on
//     OTEL_EXPORTER_PROMETHEUS_HOST (default localhost) and
//     OTEL_EXPORTER_PROMETHEUS_PORT (default 9464) by an HTTP server that
//     the reader's Shutdown stops;
//   - "console": a PeriodicReader with the official stdout exporter;
//   - "none": a reader that exports nothing (see IsNoneMetricReader);
//   - any name given to RegisterMetricReader.
//
// The otlp, prometheus and console readers also export the metrics of the
// producers OTEL_METRICS_PRODUCERS names (see RegisterMetricProducer);
// "prometheus" there is the bridge from the Prometheus client's default
// registry, which the prometheus exporter leaves out. All other variables
// of these readers (OTLP endpoint, headers, TLS, compression, timeouts,
// temporality, histogram aggregation, export interval and timeout,
// Prometheus host and port) are read and validated by
// github.com/fastmeter/fastmeter/autoconfig, whose documentation lists
// them.
//
// An unusable value is an error (*EnvError values, joined) naming the
// variable and the value, and nothing is started. The reader owns the
// exporter and, for prometheus, the HTTP server: shut it down, usually
// through the provider's Shutdown.
func NewMetricReader(ctx context.Context, opts ...MetricOption) (sdkmetric.Reader, error) {
	var cfg metricConfig
	for _, o := range opts {
		if o != nil {
			o.applyMetric(&cfg)
		}
	}

	raw := strings.TrimSpace(os.Getenv(envMetricsExporter))
	var name string
	switch names := splitList(raw); {
	case raw == "" && cfg.fallback != nil:
		r, err := cfg.fallback(ctx)
		return checkReader("the fallback factory", r, err)
	case raw == "":
		name = defaultExporter
	case len(names) == 0:
		return nil, &EnvError{Name: envMetricsExporter, Value: raw,
			Reason: "names no exporter; use none to disable exporting"}
	case len(names) > 1:
		return nil, &EnvError{Name: envMetricsExporter, Value: raw, Reason: fmt.Sprintf(
			"names %d exporters but NewMetricReader returns one reader; name one, or use "+
				"autoconfig.NewMeterProvider, which builds a provider with a reader per exporter", len(names))}
	default:
		name = names[0]
	}

	registered, factory, ok := readers.lookup(name)
	if !ok {
		return nil, &EnvError{Name: envMetricsExporter, Value: raw, Reason: fmt.Sprintf(
			"unknown exporter %q; accepted: %s (more with RegisterMetricReader)", name, readers.names())}
	}
	r, err := factory(ctx)
	return checkReader(fmt.Sprintf("the factory of exporter %q", registered), r, err)
}

// checkReader turns a factory's nil reader into an error: registering nil
// with a provider would silently export nothing.
func checkReader(source string, r sdkmetric.Reader, err error) (sdkmetric.Reader, error) {
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fmt.Errorf("autoexport: %s returned no reader and no error", source)
	}
	return r, nil
}

// RegisterMetricReader makes name a value of OTEL_METRICS_EXPORTER:
// NewMetricReader then calls factory to build the reader. Names match
// exactly or, when only one registered name does, ignoring case. It panics
// if name is already registered (the built-in names otlp, prometheus,
// console and none included), empty, or factory is nil.
func RegisterMetricReader(name string, factory func(context.Context) (sdkmetric.Reader, error)) {
	readers.register(name, factory)
}
