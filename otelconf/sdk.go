package otelconf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	conf "go.opentelemetry.io/contrib/otelconf"
	"go.opentelemetry.io/otel/log"
	nooplog "go.opentelemetry.io/otel/log/noop"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	nooptrace "go.opentelemetry.io/otel/trace/noop"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// The variables otelconf reads, with the same meaning here.
const (
	// EnvConfigFile names the configuration file NewSDK reads; it
	// supersedes WithOpenTelemetryConfiguration.
	EnvConfigFile = "OTEL_CONFIG_FILE"
	// envConfigFileDeprecated is refused, as by otelconf.
	envConfigFileDeprecated = "OTEL_EXPERIMENTAL_CONFIG_FILE"
)

// SDK holds the providers built from one configuration: fastmeter's
// MeterProvider, and the official tracer and logger providers and
// propagator that otelconf builds from the same configuration.
type SDK struct {
	meterProvider *sdkmetric.MeterProvider
	official      conf.SDK
	hasOfficial   bool // official is usable (its zero value's Shutdown is not)
}

// MeterProvider returns fastmeter's provider built from the meter_provider
// section; it is a metric.MeterProvider. Without that section it has no
// reader (measurements go nowhere, cheaply), as otelconf's is a no-op.
func (s *SDK) MeterProvider() *sdkmetric.MeterProvider {
	if s.meterProvider == nil {
		return readerless() // the zero SDK, as NewSDK returns with an error
	}
	return s.meterProvider
}

// readerless is the provider of the zero SDK: no reader, shared, never
// shut down by SDK.Shutdown.
var readerless = sync.OnceValue(func() *sdkmetric.MeterProvider { return sdkmetric.NewMeterProvider() })

// TracerProvider returns the official tracer provider otelconf built from
// tracer_provider (a no-op one without it).
func (s *SDK) TracerProvider() trace.TracerProvider {
	if tp := s.official.TracerProvider(); tp != nil {
		return tp
	}
	return nooptrace.NewTracerProvider()
}

// LoggerProvider returns the official logger provider otelconf built from
// logger_provider (a no-op one without it).
func (s *SDK) LoggerProvider() log.LoggerProvider {
	if lp := s.official.LoggerProvider(); lp != nil {
		return lp
	}
	return nooplog.NewLoggerProvider()
}

// Propagator returns the propagator otelconf built from propagator.
func (s *SDK) Propagator() propagation.TextMapPropagator {
	if p := s.official.Propagator(); p != nil {
		return p
	}
	return propagation.NewCompositeTextMapPropagator()
}

// Shutdown shuts every provider down: the meter provider's readers make
// their last export and the Prometheus server, if any, stops.
func (s *SDK) Shutdown(ctx context.Context) error {
	var errs []error
	if s.meterProvider != nil {
		errs = append(errs, s.meterProvider.Shutdown(ctx))
	}
	if s.hasOfficial {
		errs = append(errs, s.official.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// ConfigurationOption configures NewSDK.
type ConfigurationOption interface {
	apply(*options)
}

type options struct {
	ctx           context.Context
	cfg           conf.OpenTelemetryConfiguration
	meterOpts     []sdkmetric.Option
	tracerOpts    []sdktrace.TracerProviderOption
	loggerOpts    []sdklog.LoggerProviderOption
	consoleWriter io.Writer
	officialOTLP  bool
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithContext sets the context used while building (exporters' connection
// set-up, resource detection).
func WithContext(ctx context.Context) ConfigurationOption {
	return optionFunc(func(o *options) { o.ctx = ctx })
}

// WithOpenTelemetryConfiguration sets the configuration to build, as parsed
// by ParseYAML or ParseFile, or written in code with otelconf's model.
func WithOpenTelemetryConfiguration(cfg conf.OpenTelemetryConfiguration) ConfigurationOption {
	return optionFunc(func(o *options) { o.cfg = cfg })
}

// WithMeterProviderOptions adds fastmeter options to the MeterProvider
// (for example views written in code); the configuration's own settings
// come after them and take precedence.
func WithMeterProviderOptions(opts ...sdkmetric.Option) ConfigurationOption {
	return optionFunc(func(o *options) { o.meterOpts = append(o.meterOpts, opts...) })
}

// WithTracerProviderOptions adds options to the official tracer provider,
// passed to otelconf as its own WithTracerProviderOptions.
func WithTracerProviderOptions(opts ...sdktrace.TracerProviderOption) ConfigurationOption {
	return optionFunc(func(o *options) { o.tracerOpts = append(o.tracerOpts, opts...) })
}

// WithLoggerProviderOptions adds options to the official logger provider,
// passed to otelconf as its own WithLoggerProviderOptions.
func WithLoggerProviderOptions(opts ...sdklog.LoggerProviderOption) ConfigurationOption {
	return optionFunc(func(o *options) { o.loggerOpts = append(o.loggerOpts, opts...) })
}

// WithConsoleWriter sets where the meter provider's console exporters write
// (os.Stdout by default, as in otelconf; the tracer and logger providers'
// console exporters, built by otelconf, keep writing to os.Stdout).
// fastmeter's addition: handy in tests.
func WithConsoleWriter(w io.Writer) ConfigurationOption {
	return optionFunc(func(o *options) { o.consoleWriter = w })
}

// WithOfficialOTLPExporter makes the meter provider's otlp_http and
// otlp_grpc exporters the official otlpmetrichttp/otlpmetricgrpc instead of
// fastmeter's native exporter (github.com/fastmeter/fastmeter/otlp), like
// OTEL_GO_FASTMETER_OTLP_EXPORTER=official. The official OTLP/HTTP exporter
// cannot send encoding json. fastmeter's addition.
func WithOfficialOTLPExporter() ConfigurationOption {
	return optionFunc(func(o *options) { o.officialOTLP = true })
}

// NewSDK builds the providers of a configuration. Like otelconf's NewSDK,
// it reads the file named by OTEL_CONFIG_FILE when that variable is set,
// and that file supersedes WithOpenTelemetryConfiguration; a missing or
// invalid file is an error naming it. OTEL_EXPERIMENTAL_CONFIG_FILE is
// refused, as by otelconf.
//
// The meter_provider section and the resource build fastmeter's
// MeterProvider; everything else (tracer_provider, logger_provider,
// propagator) is built by otelconf itself. An entry fastmeter cannot honour
// is an error naming its path ([PathError], [ErrUnsupported]), never
// ignored. On error nothing is left running.
func NewSDK(opts ...ConfigurationOption) (SDK, error) {
	if _, ok := os.LookupEnv(envConfigFileDeprecated); ok {
		return SDK{}, fmt.Errorf("otelconf: %s is no longer supported, use %s instead", envConfigFileDeprecated, EnvConfigFile)
	}
	o := options{ctx: context.Background(), consoleWriter: os.Stdout}
	for _, opt := range opts {
		opt.apply(&o)
	}
	path, fromFile := os.LookupEnv(EnvConfigFile)
	if fromFile {
		cfg, err := readConfigFile(path)
		if err != nil {
			return SDK{}, fmt.Errorf("%s=%s: %w", EnvConfigFile, path, err)
		}
		o.cfg = *cfg
	}
	sdk, err := build(o)
	if err != nil && fromFile {
		return SDK{}, fmt.Errorf("%s=%s: %w", EnvConfigFile, path, err)
	}
	return sdk, err
}

// build builds the providers of o.cfg.
func build(o options) (SDK, error) {
	if o.cfg.Disabled != nil && *o.cfg.Disabled {
		return SDK{meterProvider: sdkmetric.NewMeterProvider()}, nil
	}
	res, err := newResource(o.ctx, o.cfg.Resource)
	if err != nil {
		return SDK{}, err
	}
	b := &builder{ctx: o.ctx, consoleWriter: o.consoleWriter, officialOTLP: o.officialOTLP}
	mp, err := b.newMeterProvider(o.cfg.MeterProvider, o.cfg.AdditionalProperties, res, o.meterOpts)
	if err != nil {
		return SDK{}, err
	}

	// otelconf builds the rest from the same configuration, with its
	// meter_provider section removed: that is ours (and otelconf would
	// refuse a pull reader, or export everything a second time).
	rest := o.cfg
	rest.MeterProvider = nil
	official, err := officialSDK(
		conf.WithContext(o.ctx),
		conf.WithOpenTelemetryConfiguration(rest),
		conf.WithTracerProviderOptions(o.tracerOpts...),
		conf.WithLoggerProviderOptions(o.loggerOpts...),
	)
	if err != nil {
		return SDK{}, errors.Join(fmt.Errorf("otelconf: %w", err), mp.Shutdown(o.ctx))
	}
	return SDK{meterProvider: mp, official: official, hasOfficial: true}, nil
}

// officialEnv serialises officialSDK's hiding of OTEL_CONFIG_FILE.
var officialEnv sync.Mutex

// officialSDK calls otelconf's NewSDK with OTEL_CONFIG_FILE hidden. That
// function reads the variable itself and lets the file supersede the
// configuration it is given, which would hand it the meter_provider
// section again; its options cannot be extended from outside its package,
// so the variable is unset for the duration of the call and restored
// after. A concurrent reader of OTEL_CONFIG_FILE in another goroutine could
// see it unset meanwhile; NewSDK calls are serialised.
func officialSDK(opts ...conf.ConfigurationOption) (conf.SDK, error) {
	officialEnv.Lock()
	defer officialEnv.Unlock()
	if path, ok := os.LookupEnv(EnvConfigFile); ok {
		if err := os.Unsetenv(EnvConfigFile); err != nil {
			return conf.SDK{}, err
		}
		defer os.Setenv(EnvConfigFile, path)
	}
	return conf.NewSDK(opts...)
}
