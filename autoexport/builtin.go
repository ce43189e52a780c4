package autoexport

import (
	"context"

	prometheusbridge "go.opentelemetry.io/contrib/bridges/prometheus"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/autoconfig"
)

// The built-in names. The readers are autoconfig's, so that both packages
// read and validate the environment the same way.
func init() {
	RegisterMetricReader("otlp", func(ctx context.Context) (sdkmetric.Reader, error) {
		return autoconfigReader(ctx, "otlp", false)
	})
	RegisterMetricReader("console", func(ctx context.Context) (sdkmetric.Reader, error) {
		return autoconfigReader(ctx, "console", false)
	})
	RegisterMetricReader("prometheus", func(ctx context.Context) (sdkmetric.Reader, error) {
		return autoconfigReader(ctx, "prometheus", true)
	})
	RegisterMetricReader("none", func(context.Context) (sdkmetric.Reader, error) {
		return noneReader{sdkmetric.NewManualReader()}, nil
	})

	RegisterMetricProducer("prometheus", func(context.Context) (sdkmetric.Producer, error) {
		return bridgeProducer{prometheusbridge.NewMetricProducer()}, nil
	})
	RegisterMetricProducer("none", func(context.Context) (sdkmetric.Producer, error) {
		return noneProducer{}, nil
	})
}

// autoconfigReader builds autoconfig's reader for exporter with the
// producers of OTEL_METRICS_PRODUCERS; withoutBridge leaves out the
// Prometheus bridge.
func autoconfigReader(ctx context.Context, exporter string, withoutBridge bool) (sdkmetric.Reader, error) {
	ps, err := producersFromEnv(ctx)
	if err != nil {
		return nil, err
	}
	var opts []autoconfig.Option
	for _, p := range ps {
		if _, isBridge := p.(bridgeProducer); isBridge && withoutBridge {
			continue
		}
		opts = append(opts, autoconfig.WithProducer(p))
	}
	return autoconfig.NewReader(ctx, exporter, opts...)
}
