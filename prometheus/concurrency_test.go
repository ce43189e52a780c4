package prometheus

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestConcurrentScrapesAndWriters runs writers and scrapers (HTTP in every
// format, and Gather) at once. Every scrape must parse, show counters that
// never go backwards, and the final scrape must show the exact totals.
func TestConcurrentScrapesAndWriters(t *testing.T) {
	const writers, perWriter, scrapers = 4, 2000, 3
	exp, mp := newTestExporter(t)
	m := mp.Meter("race")
	c, err := m.Int64Counter("ops")
	must(t, err)
	h, err := m.Float64Histogram("size", metric.WithExplicitBucketBoundaries(10, 100))
	must(t, err)
	sets := []metric.MeasurementOption{
		metric.WithAttributeSet(attribute.NewSet(attribute.String("shard", "a"))),
		metric.WithAttributeSet(attribute.NewSet(attribute.String("shard", "b"))),
	}

	ctx := context.Background()
	var writersDone sync.WaitGroup
	stop := make(chan struct{})
	for w := range writers {
		writersDone.Add(1)
		go func() {
			defer writersDone.Done()
			for i := range perWriter {
				c.Add(ctx, 1, sets[(w+i)%2])
				h.Record(ctx, float64(i%150), sets[(w+i)%2])
			}
		}()
	}
	var scrapersDone sync.WaitGroup
	for s := range scrapers {
		scrapersDone.Add(1)
		go func() {
			defer scrapersDone.Done()
			accepts := []string{acceptText, acceptOpenMetrics, acceptProtobuf}
			last := map[string]float64{}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				families := parse(t, scrapeHTTP(t, exp, accepts[(s+n)%len(accepts)], "gzip"))
				// A shard's series appears with its first measurement.
				for _, m := range families["ops_total"].GetMetric() {
					shard, v := labelsOf(m)["shard"], m.GetCounter().GetValue()
					if v < last[shard] {
						t.Errorf("counter went backwards: %v after %v", v, last[shard])
					}
					last[shard] = v
				}
				if _, err := exp.Gather(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	writersDone.Wait()
	close(stop)
	scrapersDone.Wait()

	families := gather(t, exp)
	var total float64
	var count uint64
	for _, m := range families["ops_total"].GetMetric() {
		total += m.GetCounter().GetValue()
	}
	for _, m := range families["size"].GetMetric() {
		count += m.GetHistogram().GetSampleCount()
	}
	if total != writers*perWriter || count != writers*perWriter {
		t.Errorf("final totals: ops %v, size count %d; want %d each", total, count, writers*perWriter)
	}
}

// blockingWriter is a ResponseWriter for a scraper that stops reading: its
// first Write signals and then blocks until released.
type blockingWriter struct {
	header  http.Header
	writing chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingWriter) Header() http.Header { return b.header }
func (b *blockingWriter) WriteHeader(int)     {}
func (b *blockingWriter) Write(p []byte) (int, error) {
	b.once.Do(func() { close(b.writing) })
	<-b.release
	return len(p), nil
}

// TestSlowScrapeDoesNotBlockWriters: while a scrape is stuck writing its
// response, instruments keep recording and other scrapes keep working.
func TestSlowScrapeDoesNotBlockWriters(t *testing.T) {
	exp, mp := newTestExporter(t)
	c, err := mp.Meter("slow").Int64Counter("ops")
	must(t, err)
	ctx := context.Background()
	c.Add(ctx, 1)

	w := &blockingWriter{header: http.Header{}, writing: make(chan struct{}), release: make(chan struct{})}
	scrapeDone := make(chan struct{})
	go func() {
		defer close(scrapeDone)
		exp.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	}()
	<-w.writing // the slow scrape is now mid-response

	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 10000 {
			c.Add(ctx, 1)
		}
		// A second scrape is served meanwhile too.
		parse(t, scrapeHTTP(t, exp, acceptText, ""))
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("writers or another scrape blocked behind a stalled scrape")
	}
	close(w.release)
	<-scrapeDone
	if v := gather(t, exp)["ops_total"].GetMetric()[0].GetCounter().GetValue(); v != 10001 {
		t.Errorf("ops_total = %v, want 10001", v)
	}
}

// TestProducerDataNotOverwritten: a new meter appearing between scrapes must
// not make the reader write the SDK's data into the memory a Producer
// returned (collection buffers are not recycled when a Producer is set).
func TestProducerDataNotOverwritten(t *testing.T) {
	p := producer{sms: []metricdata.ScopeMetrics{{
		Scope: instrumentation.Scope{Name: "bridge"},
		Metrics: []metricdata.Metrics{{Name: "bridged", Data: metricdata.Gauge[int64]{
			DataPoints: []metricdata.DataPoint[int64]{{Value: 1}},
		}}},
	}}}
	exp, mp := newTestExporter(t, WithProducer(p))
	ctx := context.Background()
	for i := range 5 {
		// One more scope each time: the reader needs more slots than the
		// previous collection filled.
		c, err := mp.Meter("scope" + strconv.Itoa(i)).Int64Counter("c" + strconv.Itoa(i))
		must(t, err)
		c.Add(ctx, 1)
		families := gather(t, exp)
		if families["bridged"] == nil || p.sms[0].Metrics[0].Name != "bridged" {
			t.Fatalf("scrape %d: producer data overwritten: %q", i, p.sms[0].Metrics[0].Name)
		}
	}
}
