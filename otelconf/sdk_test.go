package otelconf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	conf "go.opentelemetry.io/contrib/otelconf"
	confx "go.opentelemetry.io/contrib/otelconf/x"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// TestOfficialProviders: tracer_provider and logger_provider are built by
// contrib otelconf (the official SDK's types), from the same file.
func TestOfficialProviders(t *testing.T) {
	sdk, err := newSDKFromFile(t, "testdata/pull_any_port.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer sdk.Shutdown(context.Background())
	if _, ok := sdk.TracerProvider().(*sdktrace.TracerProvider); !ok {
		t.Errorf("TracerProvider is %T, want the official *sdktrace.TracerProvider", sdk.TracerProvider())
	}
	if _, ok := sdk.LoggerProvider().(*sdklog.LoggerProvider); !ok {
		t.Errorf("LoggerProvider is %T, want the official *sdklog.LoggerProvider", sdk.LoggerProvider())
	}
	if sdk.Propagator() == nil {
		t.Error("no propagator")
	}
}

// TestDisabled: disabled: true builds nothing, and the providers still work
// as no-ops.
func TestDisabled(t *testing.T) {
	sdk, err := newSDKFromFile(t, "testdata/disabled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := sdk.MeterProvider().Meter("m").Int64Counter("c")
	if err != nil {
		t.Fatal(err)
	}
	c.Add(context.Background(), 1)
	_, span := sdk.TracerProvider().Tracer("t").Start(context.Background(), "s")
	span.End()
	if err := sdk.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestFailureReleasesReaders: when a later reader fails, the pull reader
// built before it closes its port.
func TestFailureReleasesReaders(t *testing.T) {
	port := freePort(t)
	t.Setenv("PROM_PORT", strconv.Itoa(port))
	_, err := newSDKFromFile(t, "testdata/pull_then_bad.yaml")
	if err == nil || !strings.Contains(err.Error(), "readers[1].periodic.exporter.otlp_grpc.compression") {
		t.Fatalf("err = %v", err)
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("port %d still held after the failed NewSDK: %v", port, err)
	}
	l.Close()
}

// TestPortInUse: a pull reader whose port is taken is an error naming the
// exporter's path.
func TestPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv("PROM_PORT", strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	_, err = newSDKFromFile(t, "testdata/pull_then_bad.yaml")
	if err == nil || !strings.Contains(err.Error(), "meter_provider.readers[0].pull.exporter.prometheus/development: listen on 127.0.0.1:") {
		t.Fatalf("err = %v", err)
	}
}

// TestConcurrentNewSDK: NewSDK hides OTEL_CONFIG_FILE from contrib
// otelconf while it builds the official providers; concurrent calls are
// serialised, every one succeeds, and the variable is restored.
func TestConcurrentNewSDK(t *testing.T) {
	t.Setenv(EnvConfigFile, "testdata/pull_any_port.yaml")
	const calls = 8
	var wg sync.WaitGroup
	errs := make([]error, calls)
	for i := range calls {
		wg.Go(func() {
			sdk, err := NewSDK()
			if err == nil {
				err = sdk.Shutdown(context.Background())
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got := os.Getenv(EnvConfigFile); got != "testdata/pull_any_port.yaml" {
		t.Fatalf("%s = %q after NewSDK, want it restored", EnvConfigFile, got)
	}
}

// TestStrictPass covers the strict key pass beyond the bad files: values
// from ${ENV} are checked after substitution by otelconf's parser, YAML
// anchors, aliases and merge keys are followed, and every mistake of a
// file is reported at once.
func TestStrictPass(t *testing.T) {
	t.Run("env", func(t *testing.T) {
		t.Setenv("INTERVAL", "250")
		cfg, err := ParseYAML([]byte(`file_format: "1.0"
meter_provider:
  readers:
    - periodic:
        interval: ${INTERVAL}
        timeout: ${TIMEOUT:-750}
        exporter:
          console:
`))
		if err != nil {
			t.Fatal(err)
		}
		p := cfg.MeterProvider.Readers[0].Periodic
		if *p.Interval != 250 || *p.Timeout != 750 {
			t.Errorf("interval %d timeout %d, want 250 and 750", *p.Interval, *p.Timeout)
		}
	})
	t.Run("env wrong type", func(t *testing.T) {
		t.Setenv("INTERVAL", "soon")
		_, err := ParseYAML([]byte(`file_format: "1.0"
meter_provider:
  readers:
    - periodic:
        interval: ${INTERVAL}
        exporter:
          console:
`))
		want := "otelconf: meter_provider.readers[0].periodic.interval: "
		if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "soon") {
			t.Fatalf("err = %v, want it to start with %q and name the value", err, want)
		}
	})
	t.Run("aliases", func(t *testing.T) {
		_, err := ParseYAML([]byte(`file_format: "1.0"
meter_provider:
  readers:
    - periodic:
        exporter: &exp
          otlp_http:
            endpoint: http://localhost:4318/v1/metrics
    - periodic:
        exporter: *exp
    - periodic:
        <<: {interval: 1000}
        exporter:
          otlp_http:
            <<: {endpoint: http://localhost:4318/v1/metrics, compressoin: gzip}
`))
		want := "meter_provider.readers[2].periodic.exporter.otlp_http.compressoin: unknown key"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want %s", err, want)
		}
	})
	t.Run("all mistakes", func(t *testing.T) {
		_, err := ParseYAML([]byte(`file_format: "1.0"
meter_provider:
  exemplar_filtre: always_on
  views:
    - selector:
        instrument_name: x
      stream:
        aggregation:
          sum:
            monotonic: true
`))
		for _, want := range []string{"meter_provider.exemplar_filtre: unknown key", "meter_provider.views[0].stream.aggregation.sum.monotonic: unknown key"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want it to contain %s", err, want)
			}
		}
	})
}

// TestConfigurationInCode: a configuration written with otelconf's model,
// the Prometheus exporter given as otelconf's experimental type, builds
// like the file would.
func TestConfigurationInCode(t *testing.T) {
	host, port := "127.0.0.1", freePort(t)
	cfg := conf.OpenTelemetryConfiguration{
		FileFormat: "1.0",
		MeterProvider: &conf.MeterProvider{Readers: []conf.MetricReader{{
			Pull: &conf.PullMetricReader{Exporter: conf.PullMetricExporter{
				AdditionalProperties: map[string]any{"prometheus/development": &confx.ExperimentalPrometheusMetricExporter{Host: &host, Port: &port}},
			}},
		}}},
	}
	sdk, err := NewSDK(WithOpenTelemetryConfiguration(cfg))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := sdk.MeterProvider().Meter("m").Int64Counter("in.code")
	c.Add(context.Background(), 2)
	if body := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", port)); !strings.Contains(body, "in_code_total") {
		t.Errorf("scrape lacks in_code_total:\n%s", body)
	}
	if err := sdk.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestMinimalFile: the smallest useful file, one periodic reader printing
// to the console, prints the provider's data at Shutdown.
func TestMinimalFile(t *testing.T) {
	var out strings.Builder
	sdk, err := newSDKFromFile(t, "testdata/minimal.yaml", WithConsoleWriter(&out))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := sdk.MeterProvider().Meter("minimal").Int64Counter("minimal.counter")
	c.Add(context.Background(), 42)
	if err := sdk.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Name": "minimal.counter"`, `"Value": 42`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("console output lacks %s:\n%s", want, out.String())
		}
	}
}

// TestREADMEExample: the README's example file parses, and is the file in
// testdata (so that the README shows a file that works).
func TestREADMEExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile("testdata/readme.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(file), "\n") // the comment line
	if !strings.Contains(string(readme), "```yaml\n"+body+"```") {
		t.Error("README.md's Configuration file example differs from testdata/readme.yaml")
	}
	cfg, err := ParseFile("testdata/readme.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := *cfg.MeterProvider.Readers[0].Periodic.Exporter.OTLPGrpc.Endpoint; got != "http://localhost:4317" {
		t.Errorf("endpoint %q, want the ${COLLECTOR_ENDPOINT:-...} default", got)
	}
	if _, err := prometheusExporterConfig(cfg.MeterProvider.Readers[1].Pull.Exporter, "x"); err != nil {
		t.Error(err)
	}
}
