package autoconfig

import (
	"fmt"
	"net"
	"strconv"

	"github.com/fastmeter/fastmeter/prometheus"
)

// Where the prometheus exporter listens by default, as in the other
// OpenTelemetry SDKs.
const (
	defaultPrometheusHost = "localhost"
	defaultPrometheusPort = 9464
)

// newPrometheusExporter builds fastmeter's Prometheus exporter. It is not
// registered with client_golang's default registry: the server autoconfig
// starts serves the exporter's own handler, and registering would be a
// process-wide side effect that fails for a second provider. The user's
// options come last and can change that (WithRegisterer).
func newPrometheusExporter(c *config) (*prometheus.Exporter, error) {
	opts := []prometheus.Option{prometheus.WithoutRegistration()}
	for _, p := range c.producers {
		opts = append(opts, prometheus.WithProducer(p))
	}
	opts = append(opts, c.promOptions...)
	exp, err := prometheus.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("autoconfig: prometheus exporter: %w", err)
	}
	return exp, nil
}

// prometheusAddrFromEnv reads OTEL_EXPORTER_PROMETHEUS_HOST and _PORT.
func prometheusAddrFromEnv() (string, error) {
	host, ok := lookupEnv(envPrometheusHost)
	if !ok {
		host = defaultPrometheusHost
	}
	port := defaultPrometheusPort
	if raw, ok := lookupEnv(envPrometheusPort); ok {
		p, err := strconv.Atoi(raw)
		if err != nil || p < 0 || p > 65535 {
			return "", &EnvError{Name: envPrometheusPort, Value: raw, Reason: "not a port number in 0-65535"}
		}
		port = p
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}
