package otelconf

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// noopMeters is the official SDK's provider with the specification's
// meaning of a disabled meter written out: the meters named in off are the
// no-op meter. Contrib otelconf v0.27.0 does not apply
// meter_configurator/development, so this is the reference.
type noopMeters struct {
	metric.MeterProvider
	off map[string]bool
}

func (p noopMeters) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	if p.off[name] {
		return noop.NewMeterProvider().Meter(name, opts...)
	}
	return p.MeterProvider.Meter(name, opts...)
}

// TestDifferentialMeterConfigurator builds
// testdata/differential_meter_configurator.yaml with fastmeter and with the
// official SDK whose disabled meters are no-op meters (the ones the file's
// entries disable, listed here by hand), drives the same counters and
// callbacks through both and requires the same OTLP exports, and no
// callback of a disabled meter run.
func TestDifferentialMeterConfigurator(t *testing.T) {
	data, err := os.ReadFile("testdata/differential_meter_configurator.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rec, url := startHTTPReceiver(t)
	t.Setenv("OTLP_HTTP_URL", url)
	ctx := context.Background()
	names := []string{"svc", "svc.debug", "lib", "lib.keep", "lib.other"}
	off := map[string]bool{"svc.debug": true, "lib.other": true}

	official, fast := buildBoth(t, ctx, data)
	providers := map[string]metric.MeterProvider{
		"official":  noopMeters{official.MeterProvider(), off},
		"fastmeter": fast.MeterProvider(),
	}
	calls := map[string]map[string]int{"official": {}, "fastmeter": {}}
	counters := map[string][]metric.Int64Counter{}
	phase := 0
	for sdk, mp := range providers {
		for _, name := range names {
			m := mp.Meter(name)
			c, err := m.Int64Counter("requests")
			if err != nil {
				t.Fatal(err)
			}
			counters[sdk] = append(counters[sdk], c)
			if _, err := m.Int64ObservableGauge("phase", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
				calls[sdk][name]++
				o.Observe(int64(10 * phase))
				return nil
			})); err != nil {
				t.Fatal(err)
			}
		}
	}
	flush := map[string]func(context.Context) error{"official": official.MeterProvider().(interface{ ForceFlush(context.Context) error }).ForceFlush, "fastmeter": fast.MeterProvider().ForceFlush}
	for phase = 1; phase <= 2; phase++ {
		for _, sdk := range []string{"official", "fastmeter"} {
			for i, c := range counters[sdk] {
				c.Add(ctx, int64(i+phase))
			}
			if err := flush[sdk](ctx); err != nil {
				t.Fatalf("%s ForceFlush: %v", sdk, err)
			}
		}
	}
	if err := official.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := fast.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	// Every collection (two flushes, the shutdown's) runs the enabled
	// meters' callbacks, never a disabled one's.
	for _, name := range names {
		if got, want := calls["fastmeter"][name], calls["official"][name]; got != want || (want == 0) != off[name] {
			t.Errorf("meter %q: fastmeter ran its callback %d times, the official SDK %d", name, got, want)
		}
	}
	bySDK := map[string][]*metricpb.ResourceMetrics{}
	for _, req := range rec.received() {
		for _, rm := range req.body.GetResourceMetrics() {
			normalise(rm)
			slices.SortFunc(rm.ScopeMetrics, func(a, b *metricpb.ScopeMetrics) int {
				return strings.Compare(a.GetScope().GetName(), b.GetScope().GetName())
			})
			bySDK[req.headers.Get("x-sdk")] = append(bySDK[req.headers.Get("x-sdk")], rm)
		}
	}
	want, got := bySDK["official"], bySDK["fastmeter"]
	if len(want) < 2 || len(got) != len(want) {
		t.Fatalf("fastmeter made %d exports, the official SDK %d; want the same, at least the two flushes", len(got), len(want))
	}
	for i := range want {
		var scopes []string
		for _, sm := range got[i].GetScopeMetrics() {
			scopes = append(scopes, sm.GetScope().GetName())
		}
		if !slices.Equal(scopes, []string{"lib", "lib.keep", "svc"}) {
			t.Errorf("export %d has scopes %v, want the enabled lib, lib.keep and svc", i, scopes)
		}
		if !proto.Equal(want[i], got[i]) {
			t.Errorf("export %d differs:\nofficial:  %s\nfastmeter: %s", i, protojson.Format(want[i]), protojson.Format(got[i]))
		}
	}
}
