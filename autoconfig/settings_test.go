package autoconfig

import (
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// resolveEnv resolves the settings of the current environment, failing the
// test on an error.
func resolveEnv(t *testing.T, opts ...Option) settings {
	t.Helper()
	s, err := resolve(newConfig(opts), func(err error) { t.Errorf("unexpected warning: %v", err) })
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	return s
}

// The specification's defaults, and an empty variable counting as unset.
func TestDefaults(t *testing.T) {
	for _, value := range []string{"", "   "} {
		cleanEnv(t)
		for _, name := range []string{envMetricsExporter, envExportInterval, envExportTimeout, envOTLPProtocol,
			envOTLPMetricsProtocol, envTemporalityPref, envHistogramAggregation, envExemplarFilter, envPrometheusPort} {
			t.Setenv(name, value)
		}
		s := resolveEnv(t)
		if !reflect.DeepEqual(s.exporters, []exporterKind{exporterOTLP}) {
			t.Errorf("exporters %v, want [otlp]", s.exporters)
		}
		if s.interval != 60*time.Second || s.timeout != 30*time.Second {
			t.Errorf("interval %v timeout %v, want 60s and 30s", s.interval, s.timeout)
		}
		if s.protocol != protocolHTTPProtobuf {
			t.Errorf("protocol %q, want http/protobuf", s.protocol)
		}
		if s.temporality != nil || s.aggregation != nil {
			t.Error("a temporality or aggregation selector is set without the variables")
		}
		if s.otlpEnv.transportChosen {
			t.Error("transport counted as chosen with no variable set")
		}
	}

	cleanEnv(t)
	t.Setenv(envMetricsExporter, "prometheus")
	if s := resolveEnv(t); s.prometheusAddr != "localhost:9464" {
		t.Errorf("prometheus address %q, want localhost:9464", s.prometheusAddr)
	}
}

// Valid values of each variable resolve to what they say.
func TestValidValues(t *testing.T) {
	t.Run("interval and timeout", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv(envExportInterval, "1500")
		t.Setenv(envExportTimeout, " 250 ")
		s := resolveEnv(t)
		if s.interval != 1500*time.Millisecond || s.timeout != 250*time.Millisecond {
			t.Errorf("interval %v timeout %v, want 1.5s and 250ms", s.interval, s.timeout)
		}
		s = resolveEnv(t, WithInterval(time.Minute), WithTimeout(time.Second))
		if s.interval != time.Minute || s.timeout != time.Second {
			t.Errorf("options: interval %v timeout %v, want 1m and 1s", s.interval, s.timeout)
		}
	})
	t.Run("exporters", func(t *testing.T) {
		for raw, want := range map[string][]exporterKind{
			"otlp":                    {exporterOTLP},
			"Prometheus":              {exporterPrometheus},
			"console, otlp":           {exporterConsole, exporterOTLP},
			"otlp,prometheus,console": {exporterOTLP, exporterPrometheus, exporterConsole},
			"none":                    nil,
			"NONE,":                   nil,
		} {
			cleanEnv(t)
			t.Setenv(envMetricsExporter, raw)
			if got := resolveEnv(t).exporters; !reflect.DeepEqual(got, want) {
				t.Errorf("%q: exporters %v, want %v", raw, got, want)
			}
		}
		cleanEnv(t)
		if got := resolveEnv(t, WithExporters()).exporters; got != nil {
			t.Errorf("WithExporters(): %v, want none", got)
		}
	})
	t.Run("protocol", func(t *testing.T) {
		for _, tt := range []struct {
			general, metrics string
			want             otlpProtocol
		}{
			{"grpc", "", protocolGRPC},
			{"HTTP/PROTOBUF", "", protocolHTTPProtobuf},
			{"", "grpc", protocolGRPC},
			{"grpc", "http/protobuf", protocolHTTPProtobuf},
			{"http/json", "grpc", protocolGRPC}, // the general one is not read
		} {
			cleanEnv(t)
			t.Setenv(envOTLPProtocol, tt.general)
			t.Setenv(envOTLPMetricsProtocol, tt.metrics)
			if got := resolveEnv(t).protocol; got != tt.want {
				t.Errorf("%+v: protocol %q", tt, got)
			}
		}
	})
	t.Run("temporality", func(t *testing.T) {
		for value, wantCounter := range map[string]metricdata.Temporality{
			"cumulative": metricdata.CumulativeTemporality,
			"delta":      metricdata.DeltaTemporality,
			"LowMemory":  metricdata.DeltaTemporality,
		} {
			cleanEnv(t)
			t.Setenv(envTemporalityPref, value)
			sel := resolveEnv(t).temporality
			if sel == nil || sel(sdkmetric.InstrumentKindCounter) != wantCounter {
				t.Errorf("%s: counter temporality wrong", value)
			}
			// lowmemory differs from delta on asynchronous counters.
			if value == "LowMemory" && sel(sdkmetric.InstrumentKindObservableCounter) != metricdata.CumulativeTemporality {
				t.Error("lowmemory: observable counters must stay cumulative")
			}
		}
	})
	t.Run("histogram aggregation", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv(envHistogramAggregation, "base2_exponential_bucket_histogram")
		agg := resolveEnv(t).aggregation(sdkmetric.InstrumentKindHistogram)
		want := sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}
		if agg != want {
			t.Errorf("histogram aggregation %#v, want %#v", agg, want)
		}
		cleanEnv(t)
		t.Setenv(envHistogramAggregation, "explicit_bucket_histogram")
		if _, ok := resolveEnv(t).aggregation(sdkmetric.InstrumentKindHistogram).(sdkmetric.AggregationExplicitBucketHistogram); !ok {
			t.Error("explicit_bucket_histogram does not give explicit buckets")
		}
	})
	t.Run("prometheus address", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv(envMetricsExporter, "prometheus")
		t.Setenv(envPrometheusHost, "0.0.0.0")
		t.Setenv(envPrometheusPort, "9100")
		if got := resolveEnv(t).prometheusAddr; got != "0.0.0.0:9100" {
			t.Errorf("address %q", got)
		}
		t.Setenv(envPrometheusHost, "::1")
		if got := resolveEnv(t).prometheusAddr; got != "[::1]:9100" {
			t.Errorf("address %q", got)
		}
	})
	t.Run("transport chosen", func(t *testing.T) {
		for _, name := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_INSECURE",
			"OTEL_EXPORTER_OTLP_CERTIFICATE"} {
			cleanEnv(t)
			value := map[string]string{
				"OTEL_EXPORTER_OTLP_ENDPOINT":         "https://collector:4318",
				"OTEL_EXPORTER_OTLP_METRICS_INSECURE": "false",
				"OTEL_EXPORTER_OTLP_CERTIFICATE":      newTestPKI(t).caFile,
			}[name]
			t.Setenv(name, value)
			if !resolveEnv(t).otlpEnv.transportChosen {
				t.Errorf("%s does not count as choosing the transport", name)
			}
		}
	})
}

// Variables of exporters that are not configured are not read: a bad OTLP
// endpoint does not break a prometheus-only setup.
func TestUnusedVariablesAreNotRead(t *testing.T) {
	cleanEnv(t)
	t.Setenv(envMetricsExporter, "prometheus")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "::bogus::")
	t.Setenv(envOTLPProtocol, "http/json")
	t.Setenv(envTemporalityPref, "bogus")
	t.Setenv(envExportInterval, "abc")
	resolveEnv(t)

	cleanEnv(t)
	t.Setenv(envMetricsExporter, "otlp")
	t.Setenv(envPrometheusPort, "bogus")
	resolveEnv(t)

	// The OTLP preferences do not apply to the console exporter.
	cleanEnv(t)
	t.Setenv(envMetricsExporter, "console")
	t.Setenv(envTemporalityPref, "bogus")
	t.Setenv(envHistogramAggregation, "bogus")
	if s := resolveEnv(t); s.consoleTemporality != nil || s.consoleAggregation != nil {
		t.Error("the console exporter took a selector from the OTLP variables")
	}
}
