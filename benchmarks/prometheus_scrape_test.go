package benchmarks

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	officialprom "go.opentelemetry.io/otel/exporters/prometheus"
	officialsdk "go.opentelemetry.io/otel/sdk/metric"

	"github.com/fastmeter/fastmeter"
	fastprom "github.com/fastmeter/fastmeter/prometheus"
)

// promScrapeSeries is how many series one scrape serves: 4 000 counter,
// 2 000 up-down counter, 2 000 gauge and 2 000 histogram series, each with
// three attributes.
const promScrapeSeries = 10000

// promScrapeRecord records the scrape workload through the OTel API, so both
// SDKs receive exactly the same calls.
func promScrapeRecord(tb testing.TB, mp metric.MeterProvider) {
	ctx := context.Background()
	m := mp.Meter("bench")
	c, err := m.Int64Counter("http.server.requests")
	promScrapeMust(tb, err)
	ud, err := m.Int64UpDownCounter("http.server.active_requests")
	promScrapeMust(tb, err)
	g, err := m.Float64Gauge("queue.depth")
	promScrapeMust(tb, err)
	h, err := m.Float64Histogram("http.server.duration", metric.WithUnit("s"))
	promScrapeMust(tb, err)
	set := func(i int) metric.MeasurementOption {
		return metric.WithAttributeSet(attribute.NewSet(
			attribute.String("http.route", "/api/v1/item/"+strconv.Itoa(i%100)),
			attribute.Int("http.status_code", 200+i%5),
			attribute.String("instance.id", strconv.Itoa(i)),
		))
	}
	for i := range 4000 {
		c.Add(ctx, int64(i), set(i))
	}
	for i := range 2000 {
		ud.Add(ctx, int64(i), set(i))
		g.Record(ctx, float64(i), set(i))
		h.Record(ctx, float64(i%300), set(i))
	}
}

func promScrapeMust(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// promScrapeTarget is one SDK + Prometheus exporter pair under test.
type promScrapeTarget struct {
	gather  prometheus.Gatherer
	handler http.Handler
}

// promScrapeFastmeter: fastmeter with its own exporter, served by the
// exporter's handler.
func promScrapeFastmeter(b *testing.B) promScrapeTarget {
	exp, err := fastprom.New(fastprom.WithoutRegistration())
	promScrapeMust(b, err)
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(exp), fastmeter.WithCardinalityLimit(10*promScrapeSeries))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	promScrapeRecord(b, mp)
	return promScrapeTarget{gather: exp, handler: exp}
}

// promScrapeOfficial: the official SDK with the official exporter
// (go.opentelemetry.io/otel/exporters/prometheus v0.69.0) in its own
// registry, served by promhttp as its documentation shows.
func promScrapeOfficial(b *testing.B) promScrapeTarget {
	reg := prometheus.NewRegistry()
	exp, err := officialprom.New(officialprom.WithRegisterer(reg))
	promScrapeMust(b, err)
	mp := officialsdk.NewMeterProvider(officialsdk.WithReader(exp), officialsdk.WithCardinalityLimit(10*promScrapeSeries))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	promScrapeRecord(b, mp)
	return promScrapeTarget{gather: reg, handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true})}
}

// BenchmarkPrometheusScrape measures one Prometheus scrape of 10 000 series:
// "gather" is collection plus translation to metric families, "text",
// "openmetrics" and "protobuf" a whole HTTP scrape in that format (encoding
// included).
//
//	go test -run '^$' -bench PrometheusScrape -benchmem -benchtime 20x -count 3 .
func BenchmarkPrometheusScrape(b *testing.B) {
	for _, lib := range []struct {
		name  string
		setup func(*testing.B) promScrapeTarget
	}{
		{"fastmeter", promScrapeFastmeter},
		{"official", promScrapeOfficial},
	} {
		b.Run(lib.name, func(b *testing.B) {
			target := lib.setup(b)
			mfs, err := target.gather.Gather()
			promScrapeMust(b, err)
			series := 0
			for _, mf := range mfs {
				if mf.GetName() != "target_info" {
					series += len(mf.GetMetric())
				}
			}
			if series != promScrapeSeries {
				b.Fatalf("%s serves %d series, want %d", lib.name, series, promScrapeSeries)
			}
			b.Run("gather", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := target.gather.Gather(); err != nil {
						b.Fatal(err)
					}
				}
			})
			for _, format := range []struct{ name, accept string }{
				{"text", "text/plain;version=0.0.4"},
				{"openmetrics", "application/openmetrics-text;version=1.0.0"},
				{"protobuf", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"},
			} {
				b.Run(format.name, func(b *testing.B) {
					req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
					req.Header.Set("Accept", format.accept)
					b.ReportAllocs()
					for b.Loop() {
						w := &promScrapeDiscardResponse{header: http.Header{}}
						target.handler.ServeHTTP(w, req)
						if w.status != 0 && w.status != http.StatusOK {
							b.Fatalf("status %d", w.status)
						}
					}
				})
			}
		})
	}
}

// promScrapeDiscardResponse is a ResponseWriter that drops the body, as a network connection
// would take it: the benchmark measures the server's work, not the growth
// of an in-memory copy of a multi-megabyte response.
type promScrapeDiscardResponse struct {
	header http.Header
	status int
	bytes  int
}

func (d *promScrapeDiscardResponse) Header() http.Header  { return d.header }
func (d *promScrapeDiscardResponse) WriteHeader(code int) { d.status = code }
func (d *promScrapeDiscardResponse) Write(p []byte) (int, error) {
	d.bytes += len(p)
	return len(p), nil
}
