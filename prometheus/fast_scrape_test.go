package prometheus

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// producedHostile is a Producer's data with what the SDK cannot record
// itself: a summary, NaN, infinities, -0, and an exemplar timestamp.
var producedHostile = producer{sms: []metricdata.ScopeMetrics{{
	Scope: instrumentation.Scope{Name: "produced", Version: "v\"1\\\n"},
	Metrics: []metricdata.Metrics{
		{Name: "rpc.latency", Unit: "s", Description: "RPC \"latency\"\\\nsecond line", Data: metricdata.Summary{DataPoints: []metricdata.SummaryDataPoint{{
			Attributes: attribute.NewSet(attribute.String("method", "a\"b\\c\nd")),
			StartTime:  time.Unix(1700000000, 5),
			Count:      3, Sum: 1e21,
			QuantileValues: []metricdata.QuantileValue{{Quantile: 0.5, Value: math.NaN()}, {Quantile: 0.99, Value: math.Inf(1)}, {Quantile: 1, Value: 1e-7}},
		}}}},
		{Name: "odd.values", Data: metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{
			{Attributes: attribute.NewSet(attribute.String("v", "nan")), Value: math.NaN()},
			{Attributes: attribute.NewSet(attribute.String("v", "-inf")), Value: math.Inf(-1)},
			{Attributes: attribute.NewSet(attribute.String("v", "-0")), Value: math.Copysign(0, -1)},
			{Attributes: attribute.NewSet(attribute.String("v", "big")), Value: 123456789012345678},
			{Attributes: attribute.NewSet(attribute.String("v", "-1")), Value: -1},
			{Attributes: attribute.NewSet(attribute.String("v", "bad\xffutf8"), attribute.String("k\xff", "bad key")), Value: 2},
		}}},
		{Name: "produced.counter", Data: metricdata.Sum[float64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true, DataPoints: []metricdata.DataPoint[float64]{{
			Attributes: attribute.NewSet(attribute.String("k", "v")),
			Value:      1e6,
			Exemplars: []metricdata.Exemplar[float64]{{
				Time: time.Unix(1700000001, 250_000_000), Value: 0.5,
				TraceID: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, SpanID: []byte{1, 2, 3, 4, 5, 6, 7, 8},
				FilteredAttributes: []attribute.KeyValue{attribute.String("user", "x\"y")},
			}},
		}}}},
		{Name: "produced.histogram", Data: metricdata.Histogram[float64]{Temporality: metricdata.CumulativeTemporality, DataPoints: []metricdata.HistogramDataPoint[float64]{{
			Count: 4000000, Sum: -2.5, Bounds: []float64{-1, 0, 1e-9, 2.5e6}, BucketCounts: []uint64{1, 0, 1000000, 2000000, 999999},
		}}}},
	},
}}}

// newRichExporter returns an exporter whose collection has every kind of
// metric, exemplars, hostile names, help texts and label values, invalid
// UTF-8, and names and labels that collide once translated.
func newRichExporter(t testing.TB, opts ...Option) *Exporter {
	t.Helper()
	exp, err := New(append([]Option{WithoutRegistration(), WithProducer(producedExponential), WithProducer(producedHostile)}, opts...)...)
	must(t, err)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithView(exponentialPayload),
		sdkmetric.WithExemplarFilter(exemplar.AlwaysOnFilter))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	recordAllKinds(t, mp)

	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c},
		SpanID:     trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31},
		TraceFlags: trace.FlagsSampled,
	})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	m := mp.Meter("hostile/scope", metric.WithInstrumentationVersion("1.0\n\"x\""),
		metric.WithInstrumentationAttributes(attribute.String("scope.attr", "s\\v")))
	hostile := metric.WithAttributes(
		attribute.String("a.b", "dot"), attribute.String("a_b", "under"), // same label name: joined
		attribute.String("quote", `say "hi"\`), attribute.String("newline", "1\n2"),
		attribute.String("bad.utf8", "x\xff\xfey"), attribute.String("le", "dropped on histograms"),
		attribute.Int("n", 7), attribute.Bool("ok", true), attribute.Float64("f", 0.1),
		attribute.StringSlice("list", []string{"a", "b\"c"}),
	)
	c, err := m.Float64Counter("hostile.counter", metric.WithDescription("Help with \\ and \n and \"quotes\"."))
	must(t, err)
	c.Add(ctx, 0.1, hostile)
	c.Add(ctx, 3, metric.WithAttributes(attribute.String("other", "")))
	c.Add(ctx, 1e-300)
	h, err := m.Int64Histogram("hostile.histogram", metric.WithUnit("ms"), metric.WithExplicitBucketBoundaries(0, 1, 10, 1e15))
	must(t, err)
	for _, v := range []int64{-5, 0, 1, 9, 11, 1 << 52} {
		h.Record(ctx, v, hostile)
	}
	h.Record(ctx, 3)
	g, err := m.Int64Gauge("hostile.gauge", metric.WithUnit("{request}"))
	must(t, err)
	g.Record(ctx, -1<<62, hostile)
	ud, err := m.Float64UpDownCounter("ratio.thing", metric.WithUnit("1"))
	must(t, err)
	ud.Add(ctx, -0.5)
	// Names that collide once translated: the later ones are dropped.
	c1, err := m.Int64Counter("collide.me")
	must(t, err)
	c1.Add(ctx, 1)
	g1, err := m.Int64Gauge("collide_me_total")
	must(t, err)
	g1.Record(ctx, 2)
	g2, _ := m.Int64Gauge("invalid.\xffname") // created under a repaired name, with an error
	g2.Record(ctx, 3)
	return exp
}

// fastScrapeHeaders are the Accept and Accept-Encoding headers the
// differential test scrapes with: every format promhttp negotiates, with
// and without compression, and odd headers.
var fastScrapeHeaders = []struct{ accept, encoding string }{
	{"", ""},
	{acceptText, ""},
	{acceptText, "gzip"},
	{acceptText + ";escaping=dots", ""},
	{acceptText + ";escaping=allow-utf-8", ""},
	{acceptText + ";escaping=values", "gzip;q=0.5, identity;q=0.9"},
	{acceptOpenMetrics, ""},
	{acceptOpenMetrics, "gzip"},
	{acceptOpenMetrics + ";escaping=allow-utf-8", "*"},
	{"application/openmetrics-text;version=0.0.1", ""},
	{acceptPrometheus, "gzip, deflate"},
	{"application/openmetrics-text;version=2.0.0", ""},
	{acceptProtobuf, ""},
	{acceptProtobuf, "gzip"},
	{acceptProtobuf + ";escaping=allow-utf-8", ""},
	{"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text", ""},
	{"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=compact-text", ""},
	{"garbage;;;/,q=x", "br;q=foo, ??"},
	{"application/json", "gzip;q=0"},
	{"*/*", "identity;q=0, gzip;q=0"},
}

// TestFastWriterMatchesExpfmt is the differential test of the fast scrape:
// for one collection, the response ServeHTTP writes itself must be byte for
// byte the one promhttp and expfmt write from the same families (the
// reference path, which Gather and every format the fast writer does not
// produce still use), headers included.
func TestFastWriterMatchesExpfmt(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"default", nil},
		{"without scope info and suffixes", []Option{WithoutScopeInfo(), WithoutUnits(), WithoutCounterSuffixes()}},
		{"namespace and resource labels", []Option{WithNamespace("ns"), WithResourceAsConstantLabels(attribute.NewAllowKeysFilter("service.name"))}},
		{"without suffixes strategy", []Option{WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithoutSuffixes)}},
		{"UTF-8 strategy (reference path)", []Option{WithTranslationStrategy(otlptranslator.NoUTF8EscapingWithSuffixes)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exp := newRichExporter(t, tc.opts...)
			for scrape := range 2 { // the second one is served from the series cache
				for _, hdr := range fastScrapeHeaders {
					compareWithReference(t, exp, hdr.accept, hdr.encoding, scrape)
				}
			}
		})
	}
}

// compareWithReference serves one collection both ways and compares.
func compareWithReference(t *testing.T, exp *Exporter, accept, encoding string, scrape int) {
	t.Helper()
	req := scrapeRequest(accept, encoding)
	families, err := exp.gather(context.Background(), nil)
	must(t, err)
	h := exp.scrapes.Get().(*scrapeHandler)
	defer exp.scrapes.Put(h)

	fast := httptest.NewRecorder()
	served := exp.fastScrape(h, fast, req, families)
	ref := httptest.NewRecorder()
	h.serve(ref, req, metricFamilies(families), nil)

	wantFast := exp.translator.cfg.strategy.ShouldEscape() && ref.Header().Get("Content-Encoding") != "zstd"
	switch ct := ref.Header().Get("Content-Type"); {
	case strings.HasPrefix(ct, "application/vnd.google.protobuf") && !strings.Contains(ct, "encoding=delimited"),
		strings.Contains(ct, "version=2.0.0"):
		wantFast = false
	}
	if served != wantFast {
		t.Fatalf("scrape %d, Accept %q, Accept-Encoding %q: fast path taken = %v, want %v", scrape, accept, encoding, served, wantFast)
	}
	if !served {
		return
	}
	for _, header := range []string{"Content-Type", "Content-Encoding"} {
		if got, want := fast.Header().Get(header), ref.Header().Get(header); got != want {
			t.Errorf("scrape %d, Accept %q, Accept-Encoding %q: %s = %q, reference %q", scrape, accept, encoding, header, got, want)
		}
	}
	got, want := decompressed(t, fast), decompressed(t, ref)
	if !bytes.Equal(got, want) {
		t.Errorf("scrape %d, Accept %q, Accept-Encoding %q: fast writer output differs from expfmt's\n--- fast\n%s\n--- reference\n%s",
			scrape, accept, encoding, got, want)
	}
}

func decompressed(t *testing.T, rec *httptest.ResponseRecorder) []byte {
	t.Helper()
	body := rec.Body.Bytes()
	if rec.Header().Get("Content-Encoding") != "gzip" {
		return body
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	must(t, err)
	out, err := io.ReadAll(zr)
	must(t, err)
	return out
}

// TestFastScrapeNameFilter: a name[] filter is promhttp's, served by the
// reference path.
func TestFastScrapeNameFilter(t *testing.T) {
	exp := newRichExporter(t)
	req := httptest.NewRequest(http.MethodGet, "/metrics?name[]=requests_total", nil)
	rec := httptest.NewRecorder()
	exp.ServeHTTP(rec, req)
	body := rec.Body.String()
	if !bytes.Contains([]byte(body), []byte("requests_total{")) || bytes.Contains([]byte(body), []byte("latency_seconds")) {
		t.Errorf("filtered scrape:\n%s", body)
	}
}

// TestFloatFormatting checks the writers' number formatting against
// strconv's shortest 'g' format, which expfmt uses, around the integer fast
// path's bounds.
func TestFloatFormatting(t *testing.T) {
	for _, f := range []float64{1, -1, 2, 999999, -999999, 1e6, -1e6, 1e6 - 0.5, 123456.5, 0.5, 1e-7, 1e21, 1 << 53, -0.0, math.SmallestNonzeroFloat64} {
		want := strconv.FormatFloat(f, 'g', -1, 64)
		if f == 0 {
			want = "0"
		}
		if got := string(appendTextFloat(nil, f)); got != want {
			t.Errorf("text %v = %q, want %q", f, got, want)
		}
		wantOM := want
		if !strings.ContainsAny(wantOM, "e.") {
			wantOM += ".0"
		}
		if got := string(appendOpenMetricsFloat(nil, f)); got != wantOM {
			t.Errorf("OpenMetrics %v = %q, want %q", f, got, wantOM)
		}
	}
	for _, c := range []uint64{0, 1, 999999, 1e6, 1234567, 1 << 60} {
		w := textWriter{}
		w.sampleCount("x", "", nil, c, "", 0)
		if got, want := string(w.buf), "x "+strconv.FormatFloat(float64(c), 'g', -1, 64); got != want {
			t.Errorf("text count %d = %q, want %q", c, got, want)
		}
	}
}

// TestFastWriterLargeFamilies: families far larger than the writers' buffer
// (written in several pieces, or on their own) are still byte for byte
// expfmt's output.
func TestFastWriterLargeFamilies(t *testing.T) {
	exp, mp := newTestExporter(t)
	m := mp.Meter("large")
	c, err := m.Int64Counter("requests")
	must(t, err)
	h, err := m.Float64Histogram("duration", metric.WithUnit("s"))
	must(t, err)
	for i := range 3000 {
		set := metric.WithAttributes(attribute.Int("i", i), attribute.String("route", "/item/"+strconv.Itoa(i%50)))
		c.Add(context.Background(), int64(i), set)
		h.Record(context.Background(), float64(i)/7, set)
	}
	for scrape := range 2 {
		for _, accept := range []string{acceptText, acceptOpenMetrics, acceptProtobuf} {
			for _, encoding := range []string{"", "gzip"} {
				compareWithReference(t, exp, accept, encoding, scrape)
			}
		}
	}
}
