package otelconf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	conf "go.opentelemetry.io/contrib/otelconf"
)

// TestBadFiles builds every file under testdata/bad and requires an error
// that names the offending entry by its path in the file.
func TestBadFiles(t *testing.T) {
	cases := map[string][]string{
		"unknown_key.yaml":                   {"meter_provider.readers[0].periodic.intervall: unknown key", "known: cardinality_limits, exporter, interval, producers, timeout"},
		"unknown_top_level.yaml":             {"meter_providers: unknown key"},
		"unknown_exporter.yaml":              {"meter_provider.readers[0].periodic.exporter.otlp_file/development: not supported by fastmeter: experimental entry absent from otelconf's stable model (known: console, otlp_grpc, otlp_http)"},
		"zstd.yaml":                          {`meter_provider.readers[1].periodic.exporter.otlp_grpc.compression: not supported by fastmeter: value "zstd"`},
		"wrong_type.yaml":                    {"meter_provider.readers[0].periodic.interval: cannot unmarshal !!str `soon` into int"},
		"not_a_list.yaml":                    {"meter_provider.readers: expected a list, got a mapping"},
		"pull_cardinality.yaml":              {"meter_provider.readers[0].pull.cardinality_limits: not supported by fastmeter"},
		"pull_no_exporter.yaml":              {"meter_provider.readers[0].pull.exporter: no exporter configured (fastmeter supports prometheus/development)"},
		"opencensus.yaml":                    {"meter_provider.readers[0].periodic.producers[0].opencensus: not supported by fastmeter"},
		"empty_selector.yaml":                {"meter_provider.views[1].selector: empty"},
		"boundaries.yaml":                    {"meter_provider.views[0].stream.aggregation.explicit_bucket_histogram.boundaries: not strictly increasing at [1]"},
		"include_exclude.yaml":               {`meter_provider.views[0].stream.attribute_keys: "a" is both included and excluded`},
		"exemplar_filter.yaml":               {`meter_provider.exemplar_filter: unknown value "sometimes"`},
		"attribute_type.yaml":                {"resource.attributes[1]: value: many (string) is not of type int"},
		"tracer_typo.yaml":                   {"tracer_provider.processors[0].batch.exporter.otlp_htp: unknown key"},
		"two_exporters.yaml":                 {"meter_provider.readers[0].periodic.exporter: more than one exporter configured: [console otlp_http]"},
		"bad_endpoint.yaml":                  {`meter_provider.readers[0].periodic.exporter.otlp_http.endpoint: not a URL`},
		"max_scale.yaml":                     {"meter_provider.views[0].stream.aggregation.base2_exponential_bucket_histogram.max_scale: must be in -10-20, got 30"},
		"no_file_format.yaml":                {"file_format: required"},
		"negative_interval.yaml":             {"meter_provider.readers[0].periodic.interval: must be >= 0"},
		"missing_endpoint.yaml":              {"meter_provider.readers[0].periodic.exporter.otlp_http.endpoint: required"},
		"resource_detection.yaml":            {"resource.detection/development: not supported by fastmeter: experimental entry absent from otelconf's stable model (known: attributes, attributes_list, schema_url)"},
		"prometheus_without_units.yaml":      {"meter_provider.readers[0].pull.exporter.prometheus/development.without_units: unknown key (known: host, port, translation_strategy, with_resource_constant_labels, without_scope_info, without_target_info)"},
		"tls_ca_missing.yaml":                {"meter_provider.readers[0].periodic.exporter.otlp_http.tls.ca_file: open testdata/does-not-exist.pem: no such file"},
		"tls_cert_without_key.yaml":          {"meter_provider.readers[0].periodic.exporter.otlp_grpc.tls.key_file: required with cert_file"},
		"meter_configurator_empty_name.yaml": {"meter_provider.meter_configurator/development.meters[1].name: required"},
		"meter_configurator_no_config.yaml":  {"meter_provider.meter_configurator/development.meters[0].config: required"},
		"meter_configurator_typo.yaml":       {"meter_provider.meter_configurator/development.default_config.enabled: unknown key (known: disabled)"},
		"meter_configurator_wrong_type.yaml": {"meter_provider.meter_configurator/development.meters[0].name: expected a string, got a list", "meter_provider.meter_configurator/development.meters[0].config.disabled: cannot unmarshal !!str `sometimes` into bool"},
	}
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(cases) {
		t.Errorf("%d files in testdata/bad, %d cases: every bad file needs its expected error", len(files), len(cases))
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			want, ok := cases[name]
			if !ok {
				t.Fatalf("no expected error for %s", name)
			}
			sdk, err := newSDKFromFile(t, file)
			if err == nil {
				_ = sdk.Shutdown(t.Context())
				t.Fatalf("built without error, want %q", want)
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n\t%v\ndoes not contain\n\t%s", err, w)
				}
			}
			if strings.Contains(want[0], "not supported by fastmeter") && !errors.Is(err, ErrUnsupported) {
				t.Errorf("errors.Is(err, ErrUnsupported) = false for %v", err)
			}
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Errorf("no *PathError in %v", err)
			}
		})
	}
}

// TestOtelconfDropsUnknownKeys is why the strict pass exists: contrib
// otelconf's own parser accepts a misspelt key without a word.
func TestOtelconfDropsUnknownKeys(t *testing.T) {
	data, err := os.ReadFile("testdata/bad/unknown_key.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conf.ParseYAML(data); err != nil {
		t.Fatalf("contrib otelconf now rejects unknown keys (%v): the strict pass may be redundant", err)
	}
}

// TestConfigFileEnv: OTEL_CONFIG_FILE names the file; a missing or bad one
// is an error naming it, and OTEL_EXPERIMENTAL_CONFIG_FILE is refused, as
// by otelconf.
func TestConfigFileEnv(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope.yaml")
		t.Setenv(EnvConfigFile, missing)
		_, err := NewSDK()
		if err == nil || !strings.Contains(err.Error(), "OTEL_CONFIG_FILE="+missing) || !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v, want one naming OTEL_CONFIG_FILE=%s and wrapping os.ErrNotExist", err, missing)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		t.Setenv(EnvConfigFile, "testdata/bad/zstd.yaml")
		_, err := NewSDK()
		if err == nil || !strings.Contains(err.Error(), "testdata/bad/zstd.yaml") || !strings.Contains(err.Error(), "otlp_grpc.compression") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("supersedes", func(t *testing.T) {
		bad, err := ParseFile("testdata/bad/zstd.yaml") // parses; the builder rejects it
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv(EnvConfigFile, "testdata/disabled.yaml")
		sdk, err := NewSDK(WithOpenTelemetryConfiguration(*bad))
		if err != nil {
			t.Fatalf("the file in OTEL_CONFIG_FILE must supersede the configuration given: %v", err)
		}
		if err := sdk.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("deprecated", func(t *testing.T) {
		t.Setenv("OTEL_EXPERIMENTAL_CONFIG_FILE", "testdata/minimal.yaml")
		_, err := NewSDK()
		if err == nil || !strings.Contains(err.Error(), "OTEL_EXPERIMENTAL_CONFIG_FILE is no longer supported") {
			t.Fatalf("err = %v", err)
		}
	})
}

// newSDKFromFile parses file and builds it.
func newSDKFromFile(t *testing.T, file string, opts ...ConfigurationOption) (SDK, error) {
	t.Helper()
	cfg, err := ParseFile(file)
	if err != nil {
		return SDK{}, err
	}
	return NewSDK(append([]ConfigurationOption{WithContext(t.Context()), WithOpenTelemetryConfiguration(*cfg)}, opts...)...)
}
