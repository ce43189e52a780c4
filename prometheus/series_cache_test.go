package prometheus

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// churningProducer returns, on each call, series for a window of attribute
// sets that moves by one: every collection drops a series and adds one, and
// each series' value is its own "i" label, so a scrape serving the cached
// labels of another set is caught.
type churningProducer struct{ calls atomic.Int64 }

func (p *churningProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	start := int(p.calls.Add(1))
	points := make([]metricdata.DataPoint[float64], 0, 8)
	for i := start; i < start+8; i++ {
		points = append(points, metricdata.DataPoint[float64]{
			Attributes: attribute.NewSet(attribute.String("i", strconv.Itoa(i)), attribute.String("pad.key", "p")),
			Value:      float64(i),
		})
	}
	return []metricdata.ScopeMetrics{{
		Scope:   instrumentation.Scope{Name: "churn"},
		Metrics: []metricdata.Metrics{{Name: "window", Data: metricdata.Gauge[float64]{DataPoints: points}}},
	}}, nil
}

// TestSeriesCacheChurnUnderConcurrentScrapes scrapes, from several
// goroutines and in every format, a provider whose series change on every
// collection while writers record: every series served must carry its own
// labels, the cache must not grow past the series of a collection, and the
// final totals must be exact.
func TestSeriesCacheChurnUnderConcurrentScrapes(t *testing.T) {
	const writers, perWriter, scrapers, scrapesEach = 4, 1000, 3, 30
	exp, err := New(WithoutRegistration(), WithProducer(&churningProducer{}))
	must(t, err)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	c, err := mp.Meter("race").Int64Counter("ops")
	must(t, err)

	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("w", w), attribute.Int("odd", i%2)))
			}
		})
	}
	accepts := []string{acceptText, acceptOpenMetrics, acceptProtobuf}
	for s := range scrapers {
		wg.Go(func() {
			for n := range scrapesEach {
				families := parse(t, scrapeHTTP(t, exp, accepts[(s+n)%len(accepts)], ""))
				window := families["window"].GetMetric()
				if len(window) != 8 {
					t.Errorf("window has %d series, want 8", len(window))
				}
				for _, m := range window {
					if got, want := labelsOf(m)["i"], strconv.FormatFloat(m.GetGauge().GetValue(), 'g', -1, 64); got != want {
						t.Errorf("series with value %s labelled i=%q", want, got)
					}
				}
			}
		})
	}
	wg.Wait()

	families := gather(t, exp)
	var total float64
	for _, m := range families["ops_total"].GetMetric() {
		total += m.GetCounter().GetValue()
	}
	if total != writers*perWriter {
		t.Errorf("ops_total = %v, want %d", total, writers*perWriter)
	}
	exp.translator.series.Range(func(key, value any) bool {
		cache := value.(*seriesCache)
		cache.mu.Lock()
		defer cache.mu.Unlock()
		if k := key.(seriesCacheKey); k.metric == "window" && len(cache.bySet) > 8 {
			t.Errorf("the cache of %q holds %d series after the last scrape, want ≤ 8", k.metric, len(cache.bySet))
		}
		return true
	})
}

// renamingProducer serves a metric under a new name on every collection.
type renamingProducer struct{ calls atomic.Int64 }

func (p *renamingProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	n := p.calls.Add(1)
	return []metricdata.ScopeMetrics{{
		Scope: instrumentation.Scope{Name: "renaming"},
		Metrics: []metricdata.Metrics{{Name: "m" + strconv.FormatInt(n, 10), Data: metricdata.Gauge[float64]{
			DataPoints: []metricdata.DataPoint[float64]{{Attributes: attribute.NewSet(attribute.Int("n", int(n))), Value: 1}},
		}}},
	}}, nil
}

// TestSeriesCacheForgetsGoneMetrics: the caches of metrics that no longer
// appear are dropped, so metrics that come and go do not grow memory.
func TestSeriesCacheForgetsGoneMetrics(t *testing.T) {
	exp, err := New(WithoutRegistration(), WithoutTargetInfo(), WithProducer(&renamingProducer{}))
	must(t, err)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	for range 20 {
		parse(t, scrapeHTTP(t, exp, acceptText, ""))
	}
	caches := 0
	exp.translator.series.Range(func(any, any) bool { caches++; return true })
	if caches > 2 {
		t.Errorf("%d series caches after 20 scrapes of one metric renamed each time, want ≤ 2", caches)
	}
}
