package prometheus

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// scrapeWorkload records 10 000 series: 4 000 counter, 2 000 up-down
// counter, 2 000 gauge and 2 000 explicit histogram series, each with three
// attributes (the histogram series alone serve 2 000 × 19 samples).
func scrapeWorkload(b testing.TB, mp metric.MeterProvider) {
	ctx := context.Background()
	m := mp.Meter("bench")
	c, err := m.Int64Counter("http.server.requests")
	must(b, err)
	ud, err := m.Int64UpDownCounter("http.server.active_requests")
	must(b, err)
	g, err := m.Float64Gauge("queue.depth")
	must(b, err)
	h, err := m.Float64Histogram("http.server.duration", metric.WithUnit("s"))
	must(b, err)
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

// BenchmarkScrape10kSeries measures one scrape of 10 000 series: Gather is
// collection plus translation; the HTTP cases add promhttp's encoding.
//
//	go test -run '^$' -bench Scrape10kSeries -benchmem -benchtime 50x -count 3 ./prometheus
func BenchmarkScrape10kSeries(b *testing.B) {
	exp, err := New(WithoutRegistration())
	must(b, err)
	// Above the default cardinality limit (2 000 per instrument).
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithCardinalityLimit(100000))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	scrapeWorkload(b, mp)
	if mfs, err := exp.Gather(); err != nil || countSeries(mfs) != 10000+1 { // + target_info
		b.Fatalf("workload: %v series, err %v", countSeries(mfs), err)
	}

	b.Run("Gather", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := exp.Gather(); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, format := range []struct{ name, accept string }{
		{"HTTP-text", acceptText},
		{"HTTP-openmetrics", acceptOpenMetrics},
		{"HTTP-protobuf", acceptProtobuf},
	} {
		b.Run(format.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			req.Header.Set("Accept", format.accept)
			b.ReportAllocs()
			for b.Loop() {
				w := &discardResponse{header: http.Header{}}
				exp.ServeHTTP(w, req)
				if w.status != 0 && w.status != http.StatusOK {
					b.Fatal(w.status)
				}
			}
		})
	}
}

func countSeries[T interface{ GetMetric() []M }, M any](mfs []T) int {
	n := 0
	for _, mf := range mfs {
		n += len(mf.GetMetric())
	}
	return n
}

// discardResponse is a ResponseWriter that drops the body, as a network connection
// would take it: the benchmark measures the server's work, not the growth
// of an in-memory copy of a multi-megabyte response.
type discardResponse struct {
	header http.Header
	status int
	bytes  int
}

func (d *discardResponse) Header() http.Header  { return d.header }
func (d *discardResponse) WriteHeader(code int) { d.status = code }
func (d *discardResponse) Write(p []byte) (int, error) {
	d.bytes += len(p)
	return len(p), nil
}
