package autoexport

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// producers holds the factories of the OTEL_METRICS_PRODUCERS names.
var producers = newRegistry[sdkmetric.Producer]("producer")

// fallbackProducer is what WithFallbackMetricProducer set.
var fallbackProducer struct {
	sync.Mutex
	factory func(context.Context) (sdkmetric.Producer, error)
}

// RegisterMetricProducer makes name a value of OTEL_METRICS_PRODUCERS: the
// readers NewMetricReader builds for otlp, prometheus and console then
// export the metrics of the producer factory builds. Names match exactly
// or, when only one registered name does, ignoring case. It panics if name
// is already registered (the built-in names prometheus and none included),
// empty, or factory is nil.
func RegisterMetricProducer(name string, factory func(context.Context) (sdkmetric.Producer, error)) {
	producers.register(name, factory)
}

// WithFallbackMetricProducer sets, for the whole process, the producer the
// built-in readers use when OTEL_METRICS_PRODUCERS is unset or empty. A
// nil factory removes it. (It is not a MetricOption, as in the contrib
// package whose API this package mirrors.)
func WithFallbackMetricProducer(factory func(ctx context.Context) (sdkmetric.Producer, error)) {
	fallbackProducer.Lock()
	fallbackProducer.factory = factory
	fallbackProducer.Unlock()
}

// bridgeProducer marks the producer of OTEL_METRICS_PRODUCERS=prometheus,
// which the prometheus exporter leaves out: it would serve the Prometheus
// client's default registry through OpenTelemetry back to Prometheus.
type bridgeProducer struct {
	sdkmetric.Producer
}

// producersFromEnv builds the producers OTEL_METRICS_PRODUCERS names, each
// once, in the order of their first mention.
func producersFromEnv(ctx context.Context) ([]sdkmetric.Producer, error) {
	raw := strings.TrimSpace(os.Getenv(envMetricsProducers))
	if raw == "" {
		fallbackProducer.Lock()
		factory := fallbackProducer.factory
		fallbackProducer.Unlock()
		if factory == nil {
			return nil, nil
		}
		p, err := factory(ctx)
		if err != nil || p == nil {
			return nil, err
		}
		return []sdkmetric.Producer{p}, nil
	}

	names := splitList(raw)
	if len(names) == 0 {
		return nil, &EnvError{Name: envMetricsProducers, Value: raw, Reason: "names no producer; unset it or use none"}
	}
	var out []sdkmetric.Producer
	seen := map[string]bool{}
	for _, name := range names {
		registered, factory, ok := producers.lookup(name)
		if !ok {
			return nil, &EnvError{Name: envMetricsProducers, Value: raw, Reason: fmt.Sprintf(
				"unknown producer %q; accepted: %s (more with RegisterMetricProducer)", name, producers.names())}
		}
		if seen[registered] {
			continue
		}
		seen[registered] = true
		p, err := factory(ctx)
		if err != nil {
			return nil, fmt.Errorf("autoexport: %s: producer %q: %w", envMetricsProducers, registered, err)
		}
		if p != nil {
			out = append(out, p)
		}
	}
	return out, nil
}
