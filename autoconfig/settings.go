package autoconfig

import (
	"errors"
	"strings"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/exemplar"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/otlpenv"
)

// settings is the resolved configuration: every environment variable read
// and validated, every option applied. Resolving has no side effect, so a
// configuration with several mistakes is reported as a whole before
// anything is started.
type settings struct {
	exporters []exporterKind

	// Push exporters (otlp, console).
	interval time.Duration
	timeout  time.Duration

	// otlp.
	official    bool // the official exporters instead of fastmeter's
	protocol    otlpProtocol
	otlpEnv     otlpEnv
	temporality sdkmetric.TemporalitySelector // nil: exporter default
	aggregation sdkmetric.AggregationSelector // nil: exporter default

	// console: only the programmatic selectors apply, because the
	// variables are named for OTLP.
	consoleTemporality sdkmetric.TemporalitySelector
	consoleAggregation sdkmetric.AggregationSelector

	// prometheus, when no listener was given.
	prometheusAddr string

	exemplarFilter exemplar.Filter
}

// resolve reads the environment for every setting no option overrides.
// It returns all problems found, joined.
func resolve(c *config, warn func(error)) (settings, error) {
	var s settings
	var errs []error
	check := func(err error) { errs = append(errs, err) }

	var err error
	if c.exportersSet {
		s.exporters, err = parseExporters("WithExporters", strings.Join(c.exporters, ","), c.exporters)
	} else {
		s.exporters, err = exportersFromEnv()
	}
	check(err)
	uses := func(k exporterKind) bool {
		for _, e := range s.exporters {
			if e == k {
				return true
			}
		}
		return false
	}
	pushes := uses(exporterOTLP) || uses(exporterConsole)

	// Options are code: a bad one is an error even where it is unused.
	if c.intervalSet {
		s.interval = c.interval
		check(positiveOption("WithInterval", c.interval))
	}
	if c.timeoutSet {
		s.timeout = c.timeout
		check(positiveOption("WithTimeout", c.timeout))
	}
	if pushes && !c.intervalSet {
		s.interval, err = positiveMillis(envExportInterval, defaultExportInterval)
		check(err)
	}
	if pushes && !c.timeoutSet {
		s.timeout, err = positiveMillis(envExportTimeout, defaultExportTimeout)
		check(err)
	}

	if uses(exporterOTLP) {
		s.official, err = officialFromConfig(c)
		check(err)
		source := "WithOTLPProtocol"
		if c.protocol != "" {
			s.protocol, err = parseProtocol(source, c.protocol)
		} else {
			s.protocol, source, err = protocolFromEnv()
		}
		if err == nil && s.official && s.protocol == protocolHTTPJSON {
			err = &EnvError{Name: source, Value: string(s.protocol), Reason: "http/json is not supported by the " +
				"official Go OTLP exporter (otlpmetrichttp sends only protobuf); use fastmeter's native exporter " +
				"(the default), http/protobuf or grpc"}
		}
		check(err)
		// An option replaces its variable, which is then not checked.
		skip := map[otlpenv.Setting]bool{
			otlpenv.SettingTemporality: c.temporality != nil,
			otlpenv.SettingAggregation: c.aggregation != nil,
		}
		protocol, otlpWarn := s.protocol, warn
		if !s.official {
			otlpWarn = func(error) {} // otlp.New reports the fallbacks itself
		}
		if err != nil {
			// Without a protocol only the variables that do not depend on
			// it are checked.
			protocol, otlpWarn = protocolHTTPProtobuf, func(error) {}
			for _, setting := range []otlpenv.Setting{otlpenv.SettingEndpoint, otlpenv.SettingInsecure,
				otlpenv.SettingHeaders, otlpenv.SettingCompression, otlpenv.SettingTimeout, otlpenv.SettingTLS} {
				skip[setting] = true
			}
		}
		s.otlpEnv, err = checkOTLPEnv(protocol, skip, otlpWarn)
		check(err)
		s.temporality = c.temporality
		if s.temporality == nil {
			s.temporality = s.otlpEnv.config.Temporality
		}
		s.aggregation = c.aggregation
		if s.aggregation == nil {
			s.aggregation = s.otlpEnv.config.Aggregation
		}
	}
	s.consoleTemporality, s.consoleAggregation = c.temporality, c.aggregation

	if uses(exporterPrometheus) && c.promListener == nil {
		s.prometheusAddr, err = prometheusAddrFromEnv()
		check(err)
	}

	if c.readerOnly {
		return s, errors.Join(errs...)
	}
	s.exemplarFilter = c.exemplarFilter
	if s.exemplarFilter == nil {
		s.exemplarFilter, err = exemplarFilterFromEnv()
		check(err)
	}

	// Both are read even with WithResource, which merges over them.
	check(checkServiceName())
	check(checkResourceAttributes())
	return s, errors.Join(errs...)
}
