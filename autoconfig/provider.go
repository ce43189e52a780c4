package autoconfig

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// NewMeterProvider builds a MeterProvider configured by the standard
// OpenTelemetry environment variables, with opts taking precedence over
// them. The package documentation lists the variables.
//
// The provider owns everything it started (export goroutines, connections,
// the Prometheus HTTP server): call its Shutdown, with a deadline, before
// the program exits, to export the last measurements and release them.
//
// Every unusable variable is reported at once, as *EnvError values joined
// with errors.Join; nothing is started then. Values with a fallback the
// specification mandates (booleans other than true/false) and problems
// that are not the user's input (a resource detector failing) are reported
// through otel.Handle and do not fail the call.
//
// With OTEL_SDK_DISABLED=true (or WithDisabled(true)) the result is a
// provider without readers: instruments work and cost next to nothing,
// nothing is exported, nothing is started, autoconfig reads no other
// variable, and Shutdown returns nil.
func NewMeterProvider(ctx context.Context, opts ...Option) (*sdkmetric.MeterProvider, error) {
	c := newConfig(opts)
	warn := otel.Handle

	if c.isDisabled(warn) {
		closeUnusedListener(c)
		return sdkmetric.NewMeterProvider(), nil
	}

	s, err := resolve(c, warn)
	if err != nil {
		closeUnusedListener(c)
		return nil, err
	}
	res, err := buildResource(ctx, c.resource, warn)
	if err != nil {
		closeUnusedListener(c)
		return nil, err
	}
	readers, err := buildReaders(ctx, s, c, warn)
	if err != nil {
		return nil, err
	}

	mpOpts := []sdkmetric.Option{
		sdkmetric.WithResource(res),
		sdkmetric.WithExemplarFilter(s.exemplarFilter),
	}
	for _, r := range append(readers, c.readers...) {
		mpOpts = append(mpOpts, sdkmetric.WithReader(r))
	}
	if len(c.views) > 0 {
		mpOpts = append(mpOpts, sdkmetric.WithView(c.views...))
	}
	mpOpts = append(mpOpts, c.providerOpts...)
	return sdkmetric.NewMeterProvider(mpOpts...), nil
}

// isDisabled applies WithDisabled or OTEL_SDK_DISABLED.
func (c *config) isDisabled(warn func(error)) bool {
	if c.disabled != nil {
		return *c.disabled
	}
	return envBool(envSDKDisabled, warn)
}

// closeUnusedListener keeps the promise of WithPrometheusListener: the
// provider owns the listener, so it is closed when nothing will serve it.
func closeUnusedListener(c *config) {
	if c.promListener != nil {
		_ = c.promListener.Close()
	}
}

// cleanupTimeout bounds the shutdown of readers already built when a later
// one fails: none of them has exported anything yet.
const cleanupTimeout = 5 * time.Second

// buildReaders starts one reader per configured exporter. If one cannot be
// built, those already started are shut down, so a failed call leaves
// nothing running.
func buildReaders(ctx context.Context, s settings, c *config, warn func(error)) ([]sdkmetric.Reader, error) {
	var readers []sdkmetric.Reader
	listener := c.promListener
	fail := func(err error) ([]sdkmetric.Reader, error) {
		if listener != nil {
			_ = listener.Close()
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		for _, r := range readers {
			_ = r.Shutdown(sctx)
		}
		return nil, err
	}
	for _, kind := range s.exporters {
		r, err := newReader(ctx, kind, s, c, &listener)
		if err != nil {
			return fail(err)
		}
		readers = append(readers, r)
	}
	if listener != nil {
		// WithPrometheusListener without the prometheus exporter.
		warn(errors.New("autoconfig: WithPrometheusListener was given but the prometheus exporter is not " +
			"configured; the listener is closed"))
		_ = listener.Close()
	}
	return readers, nil
}
