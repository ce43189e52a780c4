package autoconfig

import (
	"fmt"
	"os"

	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// newConsoleExporter builds the official stdout exporter: one JSON document
// per export, to standard output unless WithConsoleWriter says otherwise.
func newConsoleExporter(s settings, c *config) (sdkmetric.Exporter, error) {
	w := c.consoleWriter
	if w == nil {
		w = os.Stdout
	}
	opts := []stdoutmetric.Option{stdoutmetric.WithWriter(w)}
	if s.consoleTemporality != nil {
		opts = append(opts, stdoutmetric.WithTemporalitySelector(s.consoleTemporality))
	}
	if s.consoleAggregation != nil {
		opts = append(opts, stdoutmetric.WithAggregationSelector(s.consoleAggregation))
	}
	exp, err := stdoutmetric.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("autoconfig: console exporter: %w", err)
	}
	return exp, nil
}
