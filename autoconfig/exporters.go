package autoconfig

import (
	"fmt"
	"strings"
)

// exporterKind is one value of OTEL_METRICS_EXPORTER.
type exporterKind string

const (
	exporterOTLP       exporterKind = "otlp"
	exporterPrometheus exporterKind = "prometheus"
	exporterConsole    exporterKind = "console"
	exporterNone       exporterKind = "none"
)

// defaultExporters is what the specification prescribes when
// OTEL_METRICS_EXPORTER is unset.
var defaultExporters = []exporterKind{exporterOTLP}

// parseExporters turns a list of names (the comma-separated
// OTEL_METRICS_EXPORTER, or the WithExporters arguments) into the exporters
// to build. Names are case-insensitive; empty entries (a trailing comma) are
// ignored. An unknown name, a name given twice, or "none" next to another
// name is an error: each would otherwise leave the user with exporters they
// did not ask for. "none" alone yields no exporter. A list naming nothing
// at all (only commas) is an error too: the user meant something.
func parseExporters(source, raw string, names []string) ([]exporterKind, error) {
	var kinds []exporterKind
	seen := map[exporterKind]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		k := exporterKind(n)
		switch k {
		case exporterOTLP, exporterPrometheus, exporterConsole, exporterNone:
		default:
			return nil, &EnvError{Name: source, Value: raw, Reason: fmt.Sprintf(
				"unknown exporter %q; accepted: otlp, prometheus, console, none (comma-separated)", n)}
		}
		if seen[k] {
			return nil, &EnvError{Name: source, Value: raw, Reason: fmt.Sprintf("exporter %q is listed twice", n)}
		}
		seen[k] = true
		kinds = append(kinds, k)
	}
	switch {
	case seen[exporterNone] && len(kinds) > 1:
		return nil, &EnvError{Name: source, Value: raw, Reason: `"none" cannot be combined with other exporters`}
	case seen[exporterNone]:
		return nil, nil
	case len(kinds) == 0 && len(names) > 0:
		return nil, &EnvError{Name: source, Value: raw, Reason: "names no exporter; use none to disable exporting"}
	}
	return kinds, nil
}

// exportersFromEnv reads OTEL_METRICS_EXPORTER.
func exportersFromEnv() ([]exporterKind, error) {
	raw, ok := lookupEnv(envMetricsExporter)
	if !ok {
		return defaultExporters, nil
	}
	return parseExporters(envMetricsExporter, raw, strings.Split(raw, ","))
}
