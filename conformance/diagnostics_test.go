package conformance

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
)

// channelsOf is the sorted, deduplicated list of where ds arrived: "global
// logger error", "global logger V(1)" (the official Warn), "error handler".
func channelsOf(ds []diagnostic) []string {
	var out []string
	for _, d := range ds {
		switch {
		case d.channel == onHandler:
			out = append(out, onHandler)
		case d.level == levelError:
			out = append(out, onLogger+" error")
		default:
			out = append(out, fmt.Sprintf("%s V(%d)", onLogger, d.level))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// mentioning returns the diagnostics whose text contains token ("" keeps
// all).
func mentioning(ds []diagnostic, token string) []diagnostic {
	var out []diagnostic
	for _, d := range ds {
		if strings.Contains(d.text, token) {
			out = append(out, d)
		}
	}
	return out
}

// diagnosticScenario provokes one diagnostic. It returns the token its
// diagnostics mention (the empty string: every diagnostic sent meanwhile
// is the scenario's), and the data collected, if any, to compare too.
type diagnosticScenario struct {
	name string
	run  func(t *testing.T, s sdk, token string) (filter string, data []metricdata.Metrics)
}

// TestDiagnosticChannels (issue 16 item 4): each diagnostic the official SDK
// emits arrives, with fastmeter, on the same channel at the same verbosity:
// warnings at the global logger's V(1), configuration and recording errors
// as its errors, and only errors of running operations at the error handler.
// A temporality selector returning an undefined value is silent on both and
// gives the same (cumulative) data.
func TestDiagnosticChannels(t *testing.T) {
	ctx := context.Background()
	scenarios := []diagnosticScenario{
		{"Meter with an empty name", func(t *testing.T, s sdk, _ string) (string, []metricdata.Metrics) {
			h := s.newBare(1)
			defer func() { _ = h.shutdown(ctx) }()
			h.provider.Meter("")
			return "", nil
		}},
		{"NewView with empty criteria", func(t *testing.T, s sdk, token string) (string, []metricdata.Metrics) {
			s.newView(sdkmetric.Instrument{}, sdkmetric.Stream{Name: token})
			return token, nil
		}},
		{"NewView renaming a wildcard", func(t *testing.T, s sdk, token string) (string, []metricdata.Metrics) {
			s.newView(sdkmetric.Instrument{Name: "any.*"}, sdkmetric.Stream{Name: token})
			return token, nil
		}},
		{"observing an unregistered instrument", func(t *testing.T, s sdk, token string) (string, []metricdata.Metrics) {
			h := s.newBare(1)
			defer func() { _ = h.shutdown(ctx) }()
			m := h.provider.Meter("diag")
			registered, _ := m.Int64ObservableGauge("registered")
			stray, _ := m.Int64ObservableGauge(token)
			_, _ = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
				o.ObserveInt64(registered, 1)
				o.ObserveInt64(stray, 2)
				return nil
			}, registered)
			return token, flatten(h.collectAll(t, 0))
		}},
		{"observing an instrument of another implementation", func(t *testing.T, s sdk, _ string) (string, []metricdata.Metrics) {
			h := s.newBare(1)
			defer func() { _ = h.shutdown(ctx) }()
			m := h.provider.Meter("diag")
			registered, _ := m.Int64ObservableGauge("registered")
			_, _ = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
				o.ObserveInt64(registered, 1)
				o.ObserveInt64(noop.Int64ObservableGauge{}, 2)
				return nil
			}, registered)
			return "", flatten(h.collectAll(t, 0))
		}},
		{"conflicting registrations of one name", func(t *testing.T, s sdk, token string) (string, []metricdata.Metrics) {
			h := s.newBare(1)
			defer func() { _ = h.shutdown(ctx) }()
			m := h.provider.Meter("diag")
			_, _ = m.Int64Counter(token)
			_, _ = m.Int64Counter(token, metric.WithUnit("ms"))
			return token, nil
		}},
		{"an observable created again with callbacks", func(t *testing.T, s sdk, token string) (string, []metricdata.Metrics) {
			h := s.newBare(1)
			defer func() { _ = h.shutdown(ctx) }()
			m := h.provider.Meter("diag")
			cb := metric.WithInt64Callback(func(context.Context, metric.Int64Observer) error { return nil })
			_, _ = m.Int64ObservableGauge(token, cb)
			_, _ = m.Int64ObservableGauge(token, cb)
			return token, nil
		}},
		{"an invalid OTEL_METRIC_EXPORT_INTERVAL", func(t *testing.T, s sdk, token string) (string, []metricdata.Metrics) {
			t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", token)
			h := s.newPeriodic(periodicConfig{exporter: &recordingExporter{}})
			_ = h.shutdown(ctx)
			return token, nil
		}},
		{"a periodic export that fails", func(t *testing.T, s sdk, token string) (string, []metricdata.Metrics) {
			exportErr := errors.New(token)
			h := s.newPeriodic(periodicConfig{exporter: &recordingExporter{exportErr: exportErr}, interval: 5 * time.Millisecond})
			defer func() { _ = h.shutdown(ctx) }()
			deadline := time.Now().Add(10 * time.Second)
			for !globalLogMentions(token) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			for _, d := range mentioning(diagnosticsSince(0), token) {
				if !errors.Is(d.err, exportErr) {
					t.Errorf("the error handler got %v, not the exporter's error", d.err)
				}
			}
			return token, nil
		}},
		{"a temporality selector returning an undefined value", func(t *testing.T, s sdk, _ string) (string, []metricdata.Metrics) {
			h := s.manual(t, providerConfig{readers: []readerConfig{{temporality: func(sdkmetric.InstrumentKind) metricdata.Temporality {
				return metricdata.Temporality(0)
			}}}})
			m := h.provider.Meter("diag")
			c, _ := m.Int64Counter("c")
			c.Add(ctx, 3, metric.WithAttributes(attribute.Int("i", 1)))
			g, _ := m.Float64Histogram("h")
			g.Record(ctx, 3)
			return "", h.collectMetrics(t)
		}},
	}
	type result struct {
		channels []string
		data     []metricdata.Metrics
	}
	official := map[string]result{}
	forEachSDK(t, func(t *testing.T, s sdk) {
		for _, sc := range scenarios {
			run(t, sc.name, func(t *testing.T) {
				token := uniqueName("diag-" + s.name)
				mark := diagnosticCount()
				filter, data := sc.run(t, s, token)
				got := result{channels: channelsOf(mentioning(diagnosticsSince(mark), filter)), data: data}
				if s.name == "official" {
					official[sc.name] = got
					t.Logf("official: %v", got.channels)
					if silent := strings.Contains(sc.name, "undefined"); silent != (len(got.channels) == 0) {
						t.Errorf("the official SDK's diagnostics changed: %v; revisit this scenario", got.channels)
					}
					return
				}
				want := official[sc.name]
				if !slices.Equal(got.channels, want.channels) {
					t.Errorf("diagnostics on %v, official on %v", got.channels, want.channels)
				}
				if len(want.data) > 0 || len(got.data) > 0 {
					metricdatatest.AssertEqual(t, metricdata.ScopeMetrics{Metrics: want.data}, metricdata.ScopeMetrics{Metrics: got.data}, metricdatatest.IgnoreTimestamp())
				}
			})
		}
	})
}

// TestFastmeterReportChannels pins the channel of fastmeter's reports that
// the official SDK does not make (see README, "Deliberate differences"):
// a dropped invalid measurement is an error of the global logger (where
// the official SDK logs observations it fails to record); attributes
// repaired to valid UTF-8 and kept are a warning (V(1)).
func TestFastmeterReportChannels(t *testing.T) {
	ctx := context.Background()
	for _, s := range sdks {
		if s.name != "fastmeter" {
			continue
		}
		h := s.newBare(1)
		defer func() { _ = h.shutdown(ctx) }()
		m := h.provider.Meter("reports")
		nan, repaired := uniqueName("nan"), uniqueName("repaired")
		c, _ := m.Float64Counter(nan)
		c.Add(ctx, math.NaN())
		r, _ := m.Int64Counter(repaired)
		r.Add(ctx, 1, metric.WithAttributes(attribute.String("k", "caf\xff")))
		for _, tc := range []struct {
			token string
			want  []string
		}{
			{nan, []string{onLogger + " error"}},
			{repaired, []string{onLogger + " V(1)"}},
		} {
			if got := channelsOf(mentioning(diagnosticsSince(0), tc.token)); !slices.Equal(got, tc.want) {
				t.Errorf("%s: reported on %v, want %v", tc.token, got, tc.want)
			}
		}
	}
}
