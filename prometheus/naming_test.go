package prometheus

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/metric"
)

// TestMetricNames checks the OpenTelemetry → Prometheus naming rules for
// each instrument kind and option, end to end through Gather.
func TestMetricNames(t *testing.T) {
	ctx := context.Background()
	type instrument struct {
		kind, name, unit string
	}
	record := func(t *testing.T, mp metric.MeterProvider, in instrument) {
		m := mp.Meter("naming")
		switch in.kind {
		case "counter":
			c, err := m.Int64Counter(in.name, metric.WithUnit(in.unit))
			must(t, err)
			c.Add(ctx, 1)
		case "updown":
			c, err := m.Int64UpDownCounter(in.name, metric.WithUnit(in.unit))
			must(t, err)
			c.Add(ctx, -1)
		case "gauge":
			g, err := m.Float64Gauge(in.name, metric.WithUnit(in.unit))
			must(t, err)
			g.Record(ctx, 0.5)
		case "histogram":
			h, err := m.Float64Histogram(in.name, metric.WithUnit(in.unit))
			must(t, err)
			h.Record(ctx, 1)
		}
	}
	tests := []struct {
		desc string
		opts []Option
		in   instrument
		want string
	}{
		{"counter gets _total", nil, instrument{"counter", "http.server.requests", "{request}"}, "http_server_requests_total"},
		{"seconds unit", nil, instrument{"counter", "process.cpu.time", "s"}, "process_cpu_time_seconds_total"},
		{"milliseconds histogram", nil, instrument{"histogram", "http.server.request.duration", "ms"}, "http_server_request_duration_milliseconds"},
		{"ratio gauge", nil, instrument{"gauge", "system.cpu.utilization", "1"}, "system_cpu_utilization_ratio"},
		{"up-down counter bytes, no _total", nil, instrument{"updown", "queue.size", "By"}, "queue_size_bytes"},
		{"per unit", nil, instrument{"gauge", "net.rate", "By/s"}, "net_rate_bytes_per_second"},
		{"existing _total not doubled", nil, instrument{"counter", "jobs_total", ""}, "jobs_total"},
		{"invalid characters escaped", nil, instrument{"gauge", "my-app/queue.depth", ""}, "my_app_queue_depth"},
		{"without units", []Option{WithoutUnits()}, instrument{"histogram", "http.server.request.duration", "ms"}, "http_server_request_duration"},
		{"without counter suffix", []Option{WithoutCounterSuffixes()}, instrument{"counter", "http.server.requests", ""}, "http_server_requests"},
		{"escaping without suffixes", []Option{WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithoutSuffixes)}, instrument{"counter", "process.cpu.time", "s"}, "process_cpu_time"},
		{"UTF-8 with suffixes", []Option{WithTranslationStrategy(otlptranslator.NoUTF8EscapingWithSuffixes)}, instrument{"counter", "http.server.requests", "s"}, "http.server.requests_seconds_total"},
		{"no translation", []Option{WithTranslationStrategy(otlptranslator.NoTranslation)}, instrument{"counter", "http.server.requests", "s"}, "http.server.requests"},
		{"namespace", []Option{WithNamespace("shop")}, instrument{"counter", "orders", ""}, "shop_orders_total"},
		{"namespace is escaped", []Option{WithNamespace("my.shop")}, instrument{"gauge", "stock", ""}, "my_shop_stock"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			exp, mp := newTestExporter(t, tt.opts...)
			record(t, mp, tt.in)
			families := gather(t, exp)
			if families[tt.want] == nil {
				t.Fatalf("want family %q, have %v", tt.want, familyNames(families))
			}
			if families["target_info"] == nil {
				t.Errorf("target_info missing (it is never namespaced or renamed): have %v", familyNames(families))
			}
		})
	}
}

// TestUTF8NamesNegotiated checks that a UTF-8 name is served as is to a
// scraper that announces UTF-8 support, and escaped for one that does not.
func TestUTF8NamesNegotiated(t *testing.T) {
	exp, mp := newTestExporter(t, WithTranslationStrategy(otlptranslator.NoTranslation))
	c, err := mp.Meter("utf8").Int64Counter("http.server.requests")
	must(t, err)
	c.Add(context.Background(), 2)

	legacy := parse(t, scrapeHTTP(t, exp, "text/plain;version=0.0.4", ""))
	if legacy["http_server_requests"] == nil {
		t.Errorf("legacy scraper: want escaped name, have %v", familyNames(legacy))
	}
	utf8 := scrapeHTTP(t, exp, "text/plain;version=1.0.0;escaping=allow-utf-8", "")
	if !strings.Contains(string(utf8.body), `{"http.server.requests"`) {
		t.Errorf("UTF-8 scraper: want quoted UTF-8 name, got\n%s", utf8.body)
	}
	if parsed := parse(t, utf8); parsed["http.server.requests"] == nil {
		t.Errorf("UTF-8 output does not parse back to the UTF-8 name: %v", familyNames(parsed))
	}
}

func familyNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
