package readmetest

// The packages the README's examples may use without importing them (see
// conventionalImports), imported here so that this module's go.mod
// requires them and `go mod tidy` keeps them.
import (
	_ "github.com/fastmeter/fastmeter"
	_ "github.com/fastmeter/fastmeter/autoconfig"
	_ "github.com/fastmeter/fastmeter/autoexport"
	_ "github.com/fastmeter/fastmeter/metricz"
	_ "github.com/fastmeter/fastmeter/otelconf"
	_ "github.com/fastmeter/fastmeter/otlp"
	_ "github.com/fastmeter/fastmeter/prometheus"
	_ "go.opentelemetry.io/otel"
	_ "go.opentelemetry.io/otel/attribute"
	_ "go.opentelemetry.io/otel/metric"
	_ "go.opentelemetry.io/otel/sdk/metric/metricdata"
)
