package autoconfig

import (
	"context"
	"fmt"
	"net"
	"strings"

	"go.opentelemetry.io/otel"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/prometheus"
)

// NewReader builds the one reader NewMeterProvider would build for
// exporter, one of "otlp", "console" or "prometheus" (case-insensitive),
// configured by the same environment variables, validated the same way,
// with opts taking precedence over them. It is the building block for
// packages that hand readers to the application instead of a provider
// (github.com/fastmeter/fastmeter/autoexport): register the reader with
// fastmeter.WithReader.
//
//   - otlp: a PeriodicReader (OTEL_METRIC_EXPORT_INTERVAL, _TIMEOUT) around
//     fastmeter's native OTLP exporter (or the official one, see
//     OTEL_GO_FASTMETER_OTLP_EXPORTER) for
//     OTEL_EXPORTER_OTLP_[METRICS_]PROTOCOL, with every
//     OTEL_EXPORTER_OTLP_* variable checked first.
//   - console: a PeriodicReader around the official stdout exporter.
//   - prometheus: fastmeter's Prometheus exporter, served at /metrics on
//     OTEL_EXPORTER_PROMETHEUS_HOST:_PORT (or WithPrometheusListener) by a
//     server that the reader's Shutdown stops: a *prometheus.ServedReader,
//     whose Addr method gives the address it serves on (useful with port 0).
//
// Only the options about readers and exporters apply: WithInterval,
// WithTimeout, WithOTLPProtocol, WithTemporalitySelector,
// WithAggregationSelector, WithOTLPOptions, WithOfficialOTLPExporter,
// WithOTLPGRPCOptions, WithOTLPHTTPOptions,
// WithConsoleWriter, WithPrometheusListener, WithPrometheusOptions and
// WithProducer. The provider's settings (WithDisabled, WithExporters,
// WithResource, WithExemplarFilter, WithReader, WithView,
// WithMeterProviderOptions) and their variables (OTEL_SDK_DISABLED,
// OTEL_METRICS_EXPORTER, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_METRICS_EXEMPLAR_FILTER) are neither used nor read.
//
// Every unusable variable is reported at once, as *EnvError values joined
// with errors.Join; nothing is started then. The reader owns what it
// started: shut it down (usually through its provider's Shutdown).
func NewReader(ctx context.Context, exporter string, opts ...Option) (sdkmetric.Reader, error) {
	c := newConfig(opts)
	kind := exporterKind(strings.ToLower(strings.TrimSpace(exporter)))
	switch kind {
	case exporterOTLP, exporterConsole, exporterPrometheus:
	default:
		closeUnusedListener(c)
		return nil, fmt.Errorf("autoconfig: NewReader(%q): accepted exporters: otlp, console, prometheus", exporter)
	}
	c.exporters, c.exportersSet = []string{string(kind)}, true
	c.readerOnly = true

	warn := otel.Handle
	s, err := resolve(c, warn)
	if err != nil {
		closeUnusedListener(c)
		return nil, err
	}
	readers, err := buildReaders(ctx, s, c, warn)
	if err != nil {
		return nil, err
	}
	return readers[0], nil
}

// newReader builds the reader of one exporter from the resolved settings:
// the single path both NewMeterProvider and NewReader take. *listener is
// the listener for the prometheus exporter (nil: listen on the address
// from the environment); the reader takes it over and clears it.
func newReader(ctx context.Context, kind exporterKind, s settings, c *config, listener *net.Listener) (sdkmetric.Reader, error) {
	periodic := func(exp sdkmetric.Exporter) sdkmetric.Reader {
		opts := []sdkmetric.PeriodicReaderOption{
			sdkmetric.WithInterval(s.interval),
			sdkmetric.WithTimeout(s.timeout),
		}
		for _, p := range c.producers {
			opts = append(opts, sdkmetric.WithProducer(p))
		}
		return sdkmetric.NewPeriodicReader(exp, opts...)
	}

	switch kind {
	case exporterOTLP:
		exp, err := newOTLPExporter(ctx, s, c)
		if err != nil {
			return nil, err
		}
		return periodic(exp), nil
	case exporterConsole:
		exp, err := newConsoleExporter(s, c)
		if err != nil {
			return nil, err
		}
		return periodic(exp), nil
	case exporterPrometheus:
		exp, err := newPrometheusExporter(c)
		if err != nil {
			return nil, err
		}
		if *listener == nil {
			l, err := net.Listen("tcp", s.prometheusAddr)
			if err != nil {
				_ = exp.Shutdown(ctx)
				return nil, fmt.Errorf("autoconfig: prometheus exporter: listen on %s (from %s and %s): %w",
					s.prometheusAddr, envPrometheusHost, envPrometheusPort, err)
			}
			*listener = l
		}
		// The server belongs to the reader: the provider's Shutdown stops it.
		r, err := prometheus.Serve(exp, *listener)
		if err != nil {
			_ = exp.Shutdown(ctx)
			return nil, fmt.Errorf("autoconfig: prometheus exporter: %w", err)
		}
		*listener = nil // owned by the server from now on
		return r, nil
	}
	// resolve accepts no other exporter; "none" yields no kind at all.
	return nil, fmt.Errorf("autoconfig: unsupported exporter %q", kind)
}
