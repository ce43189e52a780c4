package metricz

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdkmetric "github.com/fastmeter/fastmeter"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestJSONShowsEveryKind(t *testing.T) {
	observations := []float64{0.05, 0.15, 0.15, 0.3, 0.7, 2}
	exponential := officialExponential(t, "reference", "req.duration.exp", "s", observations)
	env := newTestEnv(t, []Option{WithProducer(staticProducer(exponential))})
	ctx := context.Background()
	get := attribute.NewSet(attribute.String("method", "GET"))
	counter, _ := env.meter.Int64Counter("req.count", metric.WithUnit("{request}"), metric.WithDescription("requests served"))
	updown, _ := env.meter.Float64UpDownCounter("queue.size")
	gauge, _ := env.meter.Int64Gauge("temperature", metric.WithUnit("Cel"))
	hist, _ := env.meter.Float64Histogram("req.duration", metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.1, 0.2, 0.5, 1))
	_, _ = env.meter.Int64ObservableGauge("goroutines", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(42)
		return nil
	}))

	counter.Add(ctx, 5, metric.WithAttributeSet(get))
	counter.Add(ctx, 2, metric.WithAttributes(attribute.String("method", "POST")))
	updown.Add(ctx, 3.5)
	updown.Add(ctx, -1)
	gauge.Record(ctx, 21)
	for _, v := range observations {
		hist.Record(ctx, v, metric.WithAttributeSet(get))
	}
	env.refresh()
	snap := env.snapshot("")

	if len(snap.Scopes) != 2 || snap.Scopes[0].Name != "metricz.test" || snap.Scopes[0].Version != "1.2.3" || snap.Scopes[1].Name != "reference" {
		t.Fatalf("scopes: %+v", snap.Scopes)
	}
	if snap.Totals.Series != 7 || snap.Totals.Instruments != 6 || snap.Totals.DroppedSeries != 0 {
		t.Errorf("totals: %+v", snap.Totals)
	}
	if snap.Limits.MaxSeries != DefaultMaxSeries || snap.Limits.HistoryPoints != DefaultHistory {
		t.Errorf("limits: %+v", snap.Limits)
	}

	c := snap.instrument(t, "req.count")
	if c.Kind != "counter" || c.Unit != "{request}" || c.Description != "requests served" || c.Temporality != "cumulative" {
		t.Errorf("counter metadata: %+v", c)
	}
	if len(c.Series) != 2 || c.Series[0].Attributes[0] != (attrJSON{"method", "GET"}) || *c.Series[0].Value != 5 || *c.Series[1].Value != 2 {
		t.Errorf("counter series (sorted by attributes): %+v", c.Series)
	}
	if u := snap.instrument(t, "queue.size"); u.Kind != "updowncounter" || *u.Series[0].Value != 2.5 || len(u.Series[0].Attributes) != 0 {
		t.Errorf("updowncounter: %+v", u)
	}
	if g := snap.instrument(t, "temperature"); g.Kind != "gauge" || *g.Series[0].Value != 21 {
		t.Errorf("gauge: %+v", g)
	}
	if g := snap.instrument(t, "goroutines"); g.Kind != "gauge" || *g.Series[0].Value != 42 {
		t.Errorf("observable gauge: %+v", g)
	}

	h := snap.instrument(t, "req.duration")
	if h.Kind != "histogram" || len(h.Series) != 1 {
		t.Fatalf("histogram: %+v", h)
	}
	hj := h.Series[0].Histogram
	if hj == nil || hj.Count != 6 || math.Abs(float64(hj.Sum)-3.35) > 1e-9 || *hj.Min != 0.05 || *hj.Max != 2 {
		t.Fatalf("histogram data: %+v", hj)
	}
	// Buckets (-inf,.1]:1 (.1,.2]:2 (.2,.5]:1 (.5,1]:1 (1,inf):1. The median
	// (rank 3) is the top of (.1,.2].
	if *hj.P50 != 0.2 {
		t.Errorf("p50 = %v, want 0.2", *hj.P50)
	}
	if *hj.P99 <= 1 || *hj.P99 > 2 {
		t.Errorf("p99 = %v, want in (1, 2]", *hj.P99)
	}
	if len(hj.Buckets) != 5 || hj.Buckets[1].Count != 2 || float64(hj.Buckets[1].Lo) != 0.1 || float64(hj.Buckets[1].Hi) != 0.2 {
		t.Errorf("bars: %+v", hj.Buckets)
	}
	if hj.Buckets[4].Hi != 2 || hj.Buckets[0].Lo != 0.05 {
		t.Errorf("the open-ended bars are drawn over the recorded min and max: %+v", hj.Buckets)
	}

	e := snap.instrument(t, "req.duration.exp")
	if e.Kind != "exponential_histogram" {
		t.Fatalf("exponential histogram kind: %q", e.Kind)
	}
	ej := e.Series[0].Histogram
	if ej == nil || ej.Count != 6 || ej.Scale == nil || ej.P50 == nil || ej.P90 == nil || ej.P99 == nil || len(ej.Buckets) == 0 {
		t.Fatalf("exponential histogram data: %+v", ej)
	}
	// Six observations: the median is the 3rd (0.15), within one bucket.
	width := math.Exp2(math.Exp2(-float64(*ej.Scale))) - 1
	if p := float64(*ej.P50); math.Abs(p-0.15)/0.15 > width {
		t.Errorf("exponential p50 = %v, want 0.15 within one bucket (%.4f)", p, width)
	}
	if len(ej.Buckets) > maxBars {
		t.Errorf("%d bars, more than %d", len(ej.Buckets), maxBars)
	}
}

func TestSparklineRatesAndMeans(t *testing.T) {
	env := newTestEnv(t, []Option{WithHistory(3)})
	ctx := context.Background()
	counter, _ := env.meter.Int64Counter("c")
	hist, _ := env.meter.Int64Histogram("h")
	gauge, _ := env.meter.Float64Gauge("g")

	for i := range 5 {
		counter.Add(ctx, 10)
		hist.Record(ctx, int64(10*(i+1)))
		hist.Record(ctx, int64(10*(i+1)+2))
		gauge.Record(ctx, float64(i))
		env.refresh()
	}
	snap := env.snapshot("")

	g := snap.instrument(t, "g").Series[0]
	if len(g.Spark) != 3 || g.Spark[0] != 2 || g.Spark[1] != 3 || g.Spark[2] != 4 {
		t.Errorf("gauge spark keeps the last 3 values oldest first: %v", g.Spark)
	}
	c := snap.instrument(t, "c").Series[0]
	if len(c.Spark) != 3 || c.Rate == nil || *c.Rate <= 0 {
		t.Errorf("counter spark must be a positive rate: %v rate %v", c.Spark, c.Rate)
	}
	for _, p := range c.Spark {
		if !(p > 0) {
			t.Errorf("counter rate point %v must be positive", p)
		}
	}
	h := snap.instrument(t, "h").Series[0]
	// Each interval recorded 10(i+1) and 10(i+1)+2: mean 10(i+1)+1.
	if len(h.Spark) != 3 || h.Spark[0] != 31 || h.Spark[1] != 41 || h.Spark[2] != 51 {
		t.Errorf("histogram spark is the interval mean: %v", h.Spark)
	}
	// No new observation: a gap, not a repeated or zero point.
	env.refresh()
	h = env.snapshot("").instrument(t, "h").Series[0]
	if !math.IsNaN(h.Spark[2]) {
		t.Errorf("an interval without observations must be a gap: %v", h.Spark)
	}
}

func TestQueryValidation(t *testing.T) {
	env := newTestEnv(t, nil)
	for _, tc := range []struct {
		target string
		code   int
		says   string
	}{
		{"/debug/metricz", 200, "<!DOCTYPE html>"},
		{"/debug/metricz?format=html", 200, "<!DOCTYPE html>"},
		{"/debug/metricz?format=json", 200, `"limits"`},
		{"/debug/metricz?filter=req&format=json", 200, `"filter":"req"`},
		{"/debug/metricz?formt=json", 400, `unknown query parameter "formt"`},
		{"/debug/metricz?refresh=1", 400, "accepted: format=html|json, filter=<text>"},
		{"/debug/metricz?format=xml", 400, `unknown format "xml"`},
		{"/debug/metricz?format=json&format=html", 400, `"format" given 2 times`},
		{"/debug/metricz?filter=" + strings.Repeat("x", maxFilterLen+1), 400, "the limit is 256"},
		{"/debug/metricz?%zz", 400, "malformed query"},
	} {
		code, body, _ := env.get(tc.target)
		if code != tc.code || !strings.Contains(body, tc.says) {
			t.Errorf("GET %.60s: %d %.200q; want %d containing %q", tc.target, code, body, tc.code, tc.says)
		}
	}
	rec := httptest.NewRecorder()
	env.h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/debug/metricz", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestAttributeValuesAreEscaped(t *testing.T) {
	env := newTestEnv(t, nil)
	const evil = `</script><script>window.__metriczXSS=1</script><img src=x onerror=alert(1)>`
	counter, _ := env.meter.Int64Counter(`evil<b>name</b>`, metric.WithDescription(`<script>alert("d")</script>`))
	counter.Add(context.Background(), 1, metric.WithAttributes(attribute.String("user", evil), attribute.String(`<k>`, "&amp;")))
	env.refresh()

	code, page, hdr := env.get("/debug/metricz")
	if code != 200 {
		t.Fatalf("GET page: %d", code)
	}
	for _, raw := range []string{"<script>window.__metriczXSS", "<img src=x", "<b>name", `<script>alert("d")`, "<k>"} {
		if strings.Contains(page, raw) {
			t.Errorf("page contains the raw markup %q", raw)
		}
	}
	// The data is there, JSON-escaped inside the data element.
	if !strings.Contains(page, `\u003c/script\u003e\u003cscript\u003ewindow.__metriczXSS=1`) {
		t.Errorf("page does not carry the escaped attribute value")
	}
	// Exactly the page's own two <script> elements.
	if n := strings.Count(page, "<script"); n != 2 {
		t.Errorf("page has %d <script elements, want 2", n)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'nonce-") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q must allow only the page's own scripts", csp)
	}
	// Scripts decoding the JSON get the original value back.
	snap := env.snapshot("")
	if got := snap.instrument(t, `evil<b>name</b>`).Series[0].Attributes[1].Value; got != evil {
		t.Errorf("JSON round trip: %q", got)
	}
}

func TestFilter(t *testing.T) {
	env := newTestEnv(t, nil)
	ctx := context.Background()
	a, _ := env.meter.Int64Counter("http.requests", metric.WithDescription("Served requests"))
	b, _ := env.meter.Int64Counter("db.queries")
	a.Add(ctx, 1, metric.WithAttributes(attribute.String("route", "/a")))
	a.Add(ctx, 1, metric.WithAttributes(attribute.String("route", "/b")))
	b.Add(ctx, 1, metric.WithAttributes(attribute.String("table", "users")))
	b.Add(ctx, 1, metric.WithAttributes(attribute.String("table", "orders")))
	env.refresh()

	byName := env.snapshot("&filter=HTTP")
	if len(byName.Scopes) != 1 || len(byName.Scopes[0].Instruments) != 1 || len(byName.Scopes[0].Instruments[0].Series) != 2 {
		t.Errorf("filter by instrument name keeps all its series: %+v", byName.Scopes)
	}
	if byName.Totals.ShownSeries != 2 || byName.Totals.Series != 4 || byName.Filter != "HTTP" {
		t.Errorf("totals: %+v filter %q", byName.Totals, byName.Filter)
	}
	byAttr := env.snapshot("&filter=table%3Dorders")
	if in := byAttr.instrument(t, "db.queries"); len(in.Series) != 1 || in.Series[0].Attributes[0].Value != "orders" {
		t.Errorf("filter by attribute keeps matching series: %+v", in)
	}
	if len(byAttr.Scopes[0].Instruments) != 1 {
		t.Errorf("non-matching instruments are hidden: %+v", byAttr.Scopes[0].Instruments)
	}
	byDesc := env.snapshot("&filter=served")
	byDesc.instrument(t, "http.requests")
	none := env.snapshot("&filter=nothing-matches")
	if len(none.Scopes) != 0 || none.Totals.ShownSeries != 0 {
		t.Errorf("no match: %+v", none)
	}
}

func TestSeriesCap(t *testing.T) {
	env := newTestEnv(t, []Option{WithMaxSeries(10)})
	ctx := context.Background()
	counter, _ := env.meter.Int64Counter("many")
	for i := range 25 {
		counter.Add(ctx, 1, metric.WithAttributes(attribute.Int("i", i)))
	}
	env.refresh()
	snap := env.snapshot("")
	if snap.Totals.Series != 10 || snap.Totals.DroppedSeries != 15 || len(snap.instrument(t, "many").Series) != 10 {
		t.Errorf("cap 10 of 25: totals %+v", snap.Totals)
	}
	code, page, _ := env.get("/debug/metricz")
	if code != 200 || !strings.Contains(page, `"dropped_series":15`) || !strings.Contains(page, `"max_series":10`) {
		t.Errorf("the page must carry the cap and the drop count")
	}
	// The series already tracked keep their history across collections.
	env.refresh()
	if got := env.snapshot("").instrument(t, "many").Series[0].Spark; len(got) != 2 {
		t.Errorf("tracked series lost its history: %v", got)
	}
}

func TestSeriesThatDisappearAreForgotten(t *testing.T) {
	env := newTestEnv(t, []Option{WithMaxSeries(3)})
	var mu sync.Mutex
	observed := []string{"a", "b", "c"}
	_, _ = env.meter.Int64ObservableGauge("queue.depth", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		mu.Lock()
		defer mu.Unlock()
		for _, q := range observed {
			o.Observe(1, metric.WithAttributes(attribute.String("queue", q)))
		}
		return nil
	}))
	env.refresh()
	mu.Lock()
	observed = []string{"d", "e", "f"}
	mu.Unlock()
	env.refresh()
	snap := env.snapshot("")
	series := snap.instrument(t, "queue.depth").Series
	if len(series) != 3 || series[0].Attributes[0].Value != "d" || snap.Totals.DroppedSeries != 0 {
		t.Errorf("the cap must be freed by series that stopped reporting: %+v, totals %+v", series, snap.Totals)
	}
}

// nonFiniteProducer emits values JSON cannot represent, and a summary.
type nonFiniteProducer struct{}

func (nonFiniteProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	return []metricdata.ScopeMetrics{{
		Metrics: []metricdata.Metrics{
			{Name: "bridge.gauge", Data: metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{
				{Attributes: attribute.NewSet(attribute.String("v", "nan")), Value: math.NaN()},
				{Attributes: attribute.NewSet(attribute.String("v", "inf")), Value: math.Inf(1)},
				{Attributes: attribute.NewSet(attribute.String("v", "-inf")), Value: math.Inf(-1)},
			}}},
			{Name: "bridge.summary", Data: metricdata.Summary{DataPoints: []metricdata.SummaryDataPoint{{
				Count: 10, Sum: 55,
				QuantileValues: []metricdata.QuantileValue{{Quantile: 0.5, Value: 5}, {Quantile: 0.99, Value: 9.9}},
			}}}},
		},
	}}, nil
}

func TestProducerDataAndNonFiniteValues(t *testing.T) {
	env := newTestEnv(t, []Option{WithProducer(nonFiniteProducer{})})
	env.refresh()
	code, body, _ := env.get("/debug/metricz?format=json")
	if code != 200 || !strings.Contains(body, `"value":"NaN"`) || !strings.Contains(body, `"value":"Infinity"`) || !strings.Contains(body, `"value":"-Infinity"`) {
		t.Fatalf("non-finite values must be encoded, not break the JSON: %d %.400s", code, body)
	}
	snap := env.snapshot("")
	s := snap.instrument(t, "bridge.summary")
	if s.Kind != "summary" || s.Series[0].Histogram.Count != 10 || *s.Series[0].Histogram.P50 != 5 || *s.Series[0].Histogram.P99 != 9.9 || s.Series[0].Histogram.P90 != nil {
		t.Errorf("summary: %+v", s.Series[0].Histogram)
	}
}

func TestBeforeRegistration(t *testing.T) {
	h := New(WithInterval(time.Hour))
	t.Cleanup(func() { _ = h.Shutdown(context.Background()) })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?format=json", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "waiting for the first collection") {
		t.Errorf("before any collection: %d %s", rec.Code, rec.Body.String())
	}
	if err := h.Refresh(context.Background()); !errors.Is(err, sdkmetric.ErrReaderNotRegistered) {
		t.Errorf("Refresh before registration: %v", err)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?format=json", nil))
	if !strings.Contains(rec.Body.String(), "pass this Handler to sdkmetric.WithReader") {
		t.Errorf("the page must say how to register the Handler: %s", rec.Body.String())
	}
}

func TestShutdownKeepsServing(t *testing.T) {
	h := New(WithInterval(10 * time.Millisecond))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h))
	c, _ := mp.Meter("m").Int64Counter("c")
	c.Add(context.Background(), 3)
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := mp.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	select {
	case <-h.done:
	default:
		t.Fatal("the collection loop must have stopped")
	}
	if err := h.Refresh(context.Background()); !errors.Is(err, sdkmetric.ErrReaderShutdown) {
		t.Errorf("Refresh after shutdown: %v", err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?format=json", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"name":"c"`) {
		t.Errorf("after shutdown the last data is still served: %d %s", rec.Code, rec.Body.String())
	}
}

func TestCollectionErrorsAreShownAndReported(t *testing.T) {
	var mu sync.Mutex
	var reported []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	env := newTestEnv(t, nil)
	_, _ = env.meter.Int64ObservableGauge("flaky", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(7)
		return errors.New("sensor offline")
	}))
	ok, _ := env.meter.Int64Counter("fine")
	ok.Add(context.Background(), 1)
	for range 3 {
		_ = env.h.Refresh(context.Background())
	}
	snap := env.snapshot("")
	if !strings.Contains(snap.Error, "sensor offline") {
		t.Errorf("error not shown: %q", snap.Error)
	}
	if *snap.instrument(t, "fine").Series[0].Value != 1 {
		t.Errorf("valid data next to a failing callback must be kept")
	}
	mu.Lock()
	defer mu.Unlock()
	var mine int
	for _, err := range reported {
		if strings.Contains(err.Error(), "metricz: collect") && strings.Contains(err.Error(), "sensor offline") {
			mine++
		}
	}
	if mine != 1 {
		t.Errorf("the same collection error must be reported once, got %d: %v", mine, reported)
	}
}

func TestOptionsRejectBadValues(t *testing.T) {
	var mu sync.Mutex
	var reported []string
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		reported = append(reported, err.Error())
		mu.Unlock()
	}))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	cfg := newConfig([]Option{WithMaxSeries(-1), WithHistory(0), WithInterval(0), nil, WithProducer(nil)})
	if cfg.maxSeries != DefaultMaxSeries || cfg.history != DefaultHistory || cfg.interval != minInterval || len(cfg.producers) != 0 {
		t.Errorf("config: %+v", cfg)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 3 {
		t.Errorf("each bad option is reported: %q", reported)
	}
}

// TestConcurrentUseIsExact hammers the instruments, the collection and the
// page at once; under -race this checks the Handler's locking, and the final
// value checks nothing was lost.
func TestConcurrentUseIsExact(t *testing.T) {
	env := newTestEnv(t, nil)
	counter, _ := env.meter.Int64Counter("hits")
	const writers, adds = 4, 2000
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			attrs := metric.WithAttributes(attribute.Int("writer", w%2))
			for range adds {
				counter.Add(context.Background(), 1, attrs)
			}
		}()
	}
	var readers sync.WaitGroup
	for r := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if r == 0 {
					_ = env.h.Refresh(context.Background())
				} else {
					env.get("/debug/metricz?filter=hits")
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	readers.Wait()
	env.refresh()
	var total float64
	for _, s := range env.snapshot("").instrument(t, "hits").Series {
		total += float64(*s.Value)
	}
	if total != writers*adds {
		t.Errorf("total %v, want %d", total, writers*adds)
	}
}

// TestExponentialViewOfTheEngine checks the page on an exponential
// histogram made by the engine under test through a View.
func TestExponentialViewOfTheEngine(t *testing.T) {
	env := newTestEnv(t, nil, sdkmetric.WithView(sdkmetric.NewView(
		sdkmetric.Instrument{Name: "latency"},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}})))
	hist, _ := env.meter.Float64Histogram("latency", metric.WithUnit("s"))
	for i := 1; i <= 1000; i++ {
		hist.Record(context.Background(), float64(i)/1000) // 1 ms … 1 s, uniform
	}
	env.refresh()
	in := env.snapshot("").instrument(t, "latency")
	if in.Kind != "exponential_histogram" || len(in.Series) != 1 || in.Series[0].Histogram == nil {
		t.Fatalf("instrument: %+v", in)
	}
	h := in.Series[0].Histogram
	width := math.Exp2(math.Exp2(-float64(*h.Scale))) - 1
	for q, exact := range map[float64]float64{0.5: 0.5, 0.9: 0.9, 0.99: 0.99} {
		got := map[float64]*jsonFloat{0.5: h.P50, 0.9: h.P90, 0.99: h.P99}[q]
		if got == nil || math.Abs(float64(*got)-exact)/exact > width {
			t.Errorf("p%v = %v, want %v within one bucket (%.4f)", q*100, got, exact, width)
		}
	}
	if h.Count != 1000 || len(h.Buckets) == 0 || len(h.Buckets) > maxBars {
		t.Errorf("count %d, %d bars", h.Count, len(h.Buckets))
	}
}

// gateProducer blocks every Produce while armed, until released: it holds a
// collection in progress for as long as a test wants.
type gateProducer struct {
	armed   *atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (p gateProducer) Produce(ctx context.Context) ([]metricdata.ScopeMetrics, error) {
	if !p.armed.Load() {
		return nil, nil
	}
	p.entered <- struct{}{}
	select {
	case <-p.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return nil, nil
}

// TestRequestsDoNotWaitForACollection holds a collection in progress and
// checks that the page and the JSON are still served, from the previous
// collection.
func TestRequestsDoNotWaitForACollection(t *testing.T) {
	gate := gateProducer{armed: &atomic.Bool{}, entered: make(chan struct{}, 1), release: make(chan struct{})}
	env := newTestEnv(t, []Option{WithProducer(gate)})
	counter, _ := env.meter.Int64Counter("served")
	counter.Add(context.Background(), 4)
	env.refresh()

	gate.armed.Store(true)
	collected := make(chan error, 1)
	go func() { collected <- env.h.Refresh(context.Background()) }()
	<-gate.entered // the collection is in progress and cannot end by itself

	type answer struct {
		code int
		body string
	}
	answers := make(chan answer, 2)
	go func() {
		for _, target := range []string{"/debug/metricz?format=json", "/debug/metricz?filter=served"} {
			rec := httptest.NewRecorder()
			env.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
			answers <- answer{rec.Code, rec.Body.String()}
		}
	}()
	for range 2 {
		select {
		case a := <-answers:
			if a.code != 200 || !strings.Contains(a.body, `"name":"served"`) || !strings.Contains(a.body, `"collections":1`) {
				t.Errorf("during a collection: %d %.300s", a.code, a.body)
			}
		case <-time.After(20 * time.Second):
			close(gate.release)
			t.Fatal("a request waited for the collection in progress")
		}
	}
	gate.armed.Store(false)
	close(gate.release)
	if err := <-collected; err != nil {
		t.Fatalf("the held collection: %v", err)
	}
	if snap := env.snapshot(""); snap.Collections != 2 {
		t.Errorf("after the held collection ends: %d collections, want 2", snap.Collections)
	}
}

// TestPageIsSelfContained: the page references nothing outside itself (its
// CSS and code are inline, its data embedded) and its CSP forbids loading
// anything but its own JSON.
func TestPageIsSelfContained(t *testing.T) {
	env := newTestEnv(t, nil)
	counter, _ := env.meter.Int64Counter("c")
	counter.Add(context.Background(), 1)
	env.refresh()
	code, page, hdr := env.get("/debug/metricz")
	if code != 200 {
		t.Fatalf("GET page: %d", code)
	}
	// The SVG namespace is a name, not a location.
	rest := strings.ReplaceAll(page, "'http://www.w3.org/2000/svg'", "")
	for _, ref := range []string{"://", "src=", "url(", "@import", "<link"} {
		if strings.Contains(rest, ref) {
			t.Errorf("the page contains %q: it must not load anything", ref)
		}
	}
	if len(page) < len(pageJS)+len(pageCSS) || !strings.Contains(page, pageJS) || !strings.Contains(page, pageCSS) {
		t.Errorf("the embedded CSS and script must be inlined in the page")
	}
	csp := hdr.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
}
