package e2e

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fastmeter/fastmeter/autoconfig"
)

// TestAutoconfigToCollector configures fastmeter the way the ecosystem
// configures SDKs, with OTEL_* environment variables only (views are code:
// no variable describes them), and proves the result against the real
// collector, for both OTLP protocols:
//
//   - cumulative: the full 14-instrument workload arrives exactly as the
//     round trip requires (endpoint, protocol, headers, compression,
//     interval, timeout, exemplar filter and resource all from the
//     environment), and the resource carries OTEL_SERVICE_NAME,
//     OTEL_RESOURCE_ATTRIBUTES and what the SDK's detectors found;
//   - delta with exponential histograms: the temporality preference and
//     the default histogram aggregation reach the collector (the
//     specification's delta preference keeps up-down counters cumulative).
func TestAutoconfigToCollector(t *testing.T) {
	col := startCollector(t)
	for _, proto := range []string{"grpc", "http/protobuf"} {
		addr := col.grpcAddr
		if proto == "http/protobuf" {
			addr = col.httpAddr
		}
		short := strings.TrimSuffix(proto, "/protobuf")

		t.Run(proto+"/cumulative", func(t *testing.T) {
			caseName := "autoconfig-" + short + "-cumulative"
			setOTELEnv(t, map[string]string{
				"OTEL_METRICS_EXPORTER":          "otlp",
				"OTEL_EXPORTER_OTLP_PROTOCOL":    proto,
				"OTEL_EXPORTER_OTLP_ENDPOINT":    "http://" + addr,
				"OTEL_EXPORTER_OTLP_HEADERS":     "x-fastmeter-e2e=" + caseName,
				"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
				"OTEL_METRIC_EXPORT_INTERVAL":    "300",
				"OTEL_METRIC_EXPORT_TIMEOUT":     "10000",
				"OTEL_METRICS_EXEMPLAR_FILTER":   "always_on",
				"OTEL_SERVICE_NAME":              serviceName,
				"OTEL_RESOURCE_ATTRIBUTES":       "test.case=" + caseName + ",deployment.environment.name=e2e",
			})
			mark := handled.mark()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			mp, err := autoconfig.NewMeterProvider(ctx, autoconfig.WithView(workloadViews()...))
			if err != nil {
				t.Fatalf("autoconfig.NewMeterProvider: %v", err)
			}
			// OTEL_METRIC_EXPORT_INTERVAL=300 drives the periodic export (the
			// 60 s default would not, within the guard).
			got := driveWorkloadToCollector(ctx, t, col, caseName, mp, mp.Shutdown)
			res := resourceOf(got, caseName)
			for key, want := range map[string]string{
				"deployment.environment.name": strconv.Quote("e2e"),
				"telemetry.sdk.language":      strconv.Quote("go"),
				"telemetry.sdk.name":          strconv.Quote("opentelemetry"),
			} {
				if res[key] != want {
					t.Errorf("resource %s = %s, want %s", key, res[key], want)
				}
			}
			for _, key := range []string{"process.pid", "host.name", "os.type"} {
				if res[key] == "" {
					t.Errorf("resource lacks %s: the SDK's detectors were not applied: %v", key, res)
				}
			}
			requireNoExportErrors(t, mark)
		})

		t.Run(proto+"/delta-exponential", func(t *testing.T) {
			caseName := "autoconfig-" + short + "-delta"
			endpoint := "http://" + addr
			if proto == "http/protobuf" {
				endpoint += "/v1/metrics" // the METRICS_ form is the full URL
			}
			setOTELEnv(t, map[string]string{
				"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL":                      proto,
				"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT":                      endpoint,
				"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE":        "delta",
				"OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION": "base2_exponential_bucket_histogram",
				"OTEL_METRIC_EXPORT_INTERVAL":                              "3600000", // only the flush and Shutdown export
				"OTEL_SERVICE_NAME":                                        serviceName,
				"OTEL_RESOURCE_ATTRIBUTES":                                 "test.case=" + caseName,
			})
			mark := handled.mark()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			mp, err := autoconfig.NewMeterProvider(ctx)
			if err != nil {
				t.Fatalf("autoconfig.NewMeterProvider: %v", err)
			}
			meter := mp.Meter(meterName)
			counter, _ := meter.Int64Counter("e2e.autoconfig.counter")
			upDown, _ := meter.Int64UpDownCounter("e2e.autoconfig.updown")
			hist, _ := meter.Float64Histogram("e2e.autoconfig.histogram")
			counter.Add(ctx, 5)
			upDown.Add(ctx, 3)
			hist.Record(ctx, 2.5)
			hist.Record(ctx, 40)
			if err := mp.ForceFlush(ctx); err != nil {
				t.Fatalf("ForceFlush: %v", err)
			}
			counter.Add(ctx, 7)
			upDown.Add(ctx, -1)
			hist.Record(ctx, 1000)
			if err := mp.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}

			eventually(t, 15*time.Second, "collector output", func() error {
				got, err := col.received()
				if err != nil {
					return err
				}
				return verifyAutoconfigDelta(got, caseName)
			})
			requireNoExportErrors(t, mark)
		})
	}
}

// setOTELEnv clears every OTEL_* variable of the machine for the test, so
// that nothing but env configures the provider, and sets env.
func setOTELEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "OTEL_") {
			t.Setenv(name, "")
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// requireNoExportErrors fails the test if anything but a resource-detection
// warning (which depends on the machine, not on fastmeter) reached
// otel.Handle since mark.
func requireNoExportErrors(t *testing.T, mark int) {
	t.Helper()
	for _, err := range handled.since(mark) {
		if !strings.Contains(err.Error(), "resource detection incomplete") {
			t.Errorf("reported through otel.Handle during a healthy export: %v", err)
		}
	}
}

// caseResources returns the resource metrics of the provider whose
// resource has test.case=caseName.
func caseResources(all []resourceMetrics, caseName string) []resourceMetrics {
	var out []resourceMetrics
	for _, rm := range all {
		if attrsMap(rm.Resource.Attributes)["test.case"] == strconv.Quote(caseName) {
			out = append(out, rm)
		}
	}
	return out
}

// exportsOf counts the requests the collector got from caseName's provider.
func exportsOf(all []resourceMetrics, caseName string) int { return len(caseResources(all, caseName)) }

// resourceOf returns the resource attributes of caseName's provider.
func resourceOf(all []resourceMetrics, caseName string) map[string]string {
	rms := caseResources(all, caseName)
	if len(rms) == 0 {
		return nil
	}
	return attrsMap(rms[0].Resource.Attributes)
}

// verifyAutoconfigDelta checks what TestAutoconfigToCollector's delta case
// recorded: counter 5 then 7 (delta points adding up to 12), up-down
// counter 3 then -1 (cumulative, last value 2), histogram 2.5, 40, then
// 1000 (exponential, delta, adding up to count 3 and sum 1042.5).
func verifyAutoconfigDelta(all []resourceMetrics, caseName string) error {
	rms := caseResources(all, caseName)
	if len(rms) == 0 {
		return fmt.Errorf("nothing received yet for test.case=%s", caseName)
	}
	var errs []error
	var counterTotal, upDownLast float64
	var upDownTime jsonUint
	var counterPoints, expPoints int
	var histCount uint64
	var histSum float64
	for _, rm := range rms {
		if got := attrsMap(rm.Resource.Attributes)["service.name"]; got != strconv.Quote(serviceName) {
			errs = append(errs, fmt.Errorf("service.name = %s, want %q (OTEL_SERVICE_NAME)", got, serviceName))
		}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				switch m.Name {
				case "e2e.autoconfig.counter":
					if m.Sum == nil || m.Sum.AggregationTemporality != temporalityDelta || !m.Sum.IsMonotonic {
						errs = append(errs, fmt.Errorf("%s: want a monotonic delta sum, got %+v", m.Name, m))
						continue
					}
					for _, p := range m.Sum.DataPoints {
						counterTotal += p.value()
						counterPoints++
					}
				case "e2e.autoconfig.updown":
					if m.Sum == nil || m.Sum.AggregationTemporality != temporalityCumulative || m.Sum.IsMonotonic {
						errs = append(errs, fmt.Errorf("%s: want a non-monotonic cumulative sum (delta preference), got %+v", m.Name, m))
						continue
					}
					for _, p := range m.Sum.DataPoints {
						if p.TimeUnixNano >= upDownTime {
							upDownLast, upDownTime = p.value(), p.TimeUnixNano
						}
					}
				case "e2e.autoconfig.histogram":
					if m.ExpHist == nil || m.ExpHist.AggregationTemporality != temporalityDelta {
						errs = append(errs, fmt.Errorf("%s: want a delta exponential histogram, got %+v", m.Name, m))
						continue
					}
					for _, p := range m.ExpHist.DataPoints {
						histCount += uint64(p.Count)
						if p.Sum != nil {
							histSum += float64(*p.Sum)
						}
						if p.Scale > 20 {
							errs = append(errs, fmt.Errorf("%s: scale %d above the maximum 20", m.Name, p.Scale))
						}
						expPoints++
					}
				default:
					errs = append(errs, fmt.Errorf("unexpected metric %q", m.Name))
				}
			}
		}
	}
	if counterPoints < 2 || counterTotal != 12 {
		errs = append(errs, fmt.Errorf("counter: %d delta points adding up to %v, want 2 or more adding up to 12", counterPoints, counterTotal))
	}
	if upDownLast != 2 {
		errs = append(errs, fmt.Errorf("up-down counter: last cumulative value %v, want 2", upDownLast))
	}
	if expPoints < 2 || histCount != 3 || math.Abs(histSum-1042.5) > 1e-9 {
		errs = append(errs, fmt.Errorf("histogram: %d exponential points, count %d, sum %v; want 2 or more, 3, 1042.5", expPoints, histCount, histSum))
	}
	return errors.Join(errs...)
}
