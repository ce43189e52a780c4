package otelconf

import (
	"context"
	"errors"
	"fmt"
	"io"

	conf "go.opentelemetry.io/contrib/otelconf"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/resource"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// builder holds what building the meter_provider section needs besides
// the section itself.
type builder struct {
	ctx           context.Context
	consoleWriter io.Writer
	officialOTLP  bool               // WithOfficialOTLPExporter
	built         []sdkmetric.Reader // shut down if a later entry fails
}

// newMeterProvider builds fastmeter's MeterProvider from the meter_provider
// section and its meter_configurator/development, kept in the
// configuration's additional properties (see ParseYAML). Every entry is
// honoured or rejected with its path; the user's WithMeterProviderOptions
// come first, so the file wins, as in otelconf (a MeterConfigurator of the
// file replaces one given as an option).
func (b *builder) newMeterProvider(mp *conf.MeterProvider, additional any, res *resource.Resource, userOpts []sdkmetric.Option) (*sdkmetric.MeterProvider, error) {
	opts := append(append([]sdkmetric.Option(nil), userOpts...), sdkmetric.WithResource(res))
	configurator, err := meterConfigurator(additional)
	if err != nil {
		return nil, err
	}
	if configurator != nil {
		opts = append(opts, sdkmetric.WithMeterConfigurator(configurator))
	}
	if mp == nil {
		return sdkmetric.NewMeterProvider(opts...), nil
	}
	if mp.ExemplarFilter != nil {
		filter, err := exemplarFilter(*mp.ExemplarFilter)
		if err != nil {
			return nil, err
		}
		opts = append(opts, sdkmetric.WithExemplarFilter(filter))
	}
	var errs []error
	for i, v := range mp.Views {
		v, limit, err := view(v, index("meter_provider.views", i))
		switch {
		case err != nil:
			errs = append(errs, err)
		case limit > 0:
			opts = append(opts, sdkmetric.WithViewCardinalityLimit(limit, v))
		default:
			opts = append(opts, sdkmetric.WithView(v))
		}
	}
	if len(errs) == 0 { // readers open sockets: only for a file otherwise valid
		for i, r := range mp.Readers {
			reader, err := b.reader(r, index("meter_provider.readers", i))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			b.built = append(b.built, reader)
			opts = append(opts, sdkmetric.WithReader(reader))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(append(errs, b.shutdownBuilt())...)
	}
	return sdkmetric.NewMeterProvider(opts...), nil
}

// shutdownBuilt releases the readers built before an error (a pull
// reader's listener, an exporter's connection).
func (b *builder) shutdownBuilt() error {
	var errs []error
	for _, r := range b.built {
		if err := r.Shutdown(b.ctx); err != nil {
			errs = append(errs, fmt.Errorf("otelconf: releasing a reader after the error: %w", err))
		}
	}
	b.built = nil
	return errors.Join(errs...)
}

func exemplarFilter(f conf.ExemplarFilter) (exemplar.Filter, error) {
	switch f {
	case conf.ExemplarFilterAlwaysOn:
		return exemplar.AlwaysOnFilter, nil
	case conf.ExemplarFilterAlwaysOff:
		return exemplar.AlwaysOffFilter, nil
	case conf.ExemplarFilterTraceBased:
		return exemplar.TraceBasedFilter, nil
	}
	return nil, pathErrorf("meter_provider.exemplar_filter", "unknown value %q (always_on, always_off, trace_based)", f)
}
