package prometheus

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// newTestExporter returns an unregistered exporter wired into a new
// provider with a small fixed resource; the provider is shut down when the
// test ends.
func newTestExporter(t testing.TB, opts ...Option) (*Exporter, *sdkmetric.MeterProvider) {
	t.Helper()
	exp, err := New(append([]Option{WithoutRegistration()}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", "test-svc"), attribute.String("host.name", "h1"))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithResource(res))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return exp, mp
}

// gather returns the exporter's families by name.
func gather(t testing.TB, exp *Exporter) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := exp.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	out := make(map[string]*dto.MetricFamily, len(mfs))
	for _, mf := range mfs {
		if _, dup := out[mf.GetName()]; dup {
			t.Fatalf("family %q served twice", mf.GetName())
		}
		out[mf.GetName()] = mf
	}
	return out
}

// scrapeResult is one HTTP scrape.
type scrapeResult struct {
	status      int
	contentType string
	encoding    string
	body        []byte // decompressed
}

// scrapeRequest is a scrape's request with the given Accept and
// Accept-Encoding headers (none when empty).
func scrapeRequest(accept, acceptEncoding string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	return req
}

// scrapeHTTP requests h with the given Accept and Accept-Encoding headers.
func scrapeHTTP(t testing.TB, h http.Handler, accept, acceptEncoding string) scrapeResult {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, scrapeRequest(accept, acceptEncoding))
	res := scrapeResult{
		status:      rec.Code,
		contentType: rec.Header().Get("Content-Type"),
		encoding:    rec.Header().Get("Content-Encoding"),
		body:        rec.Body.Bytes(),
	}
	if res.encoding == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(res.body))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		if res.body, err = io.ReadAll(zr); err != nil {
			t.Fatalf("gzip: %v", err)
		}
	}
	return res
}

// parse decodes a scrape body in the format its Content-Type names, with
// prometheus/common/expfmt. OpenMetrics is first checked and normalised by
// parseOpenMetrics, as expfmt has no complete OpenMetrics parser.
func parse(t testing.TB, res scrapeResult) map[string]*dto.MetricFamily {
	t.Helper()
	format := expfmt.Format(res.contentType)
	body := res.body
	if format.FormatType() == expfmt.TypeOpenMetrics {
		body = openMetricsToText(t, body)
		format = expfmt.NewFormat(expfmt.TypeTextPlain)
	}
	dec := expfmt.NewDecoder(bytes.NewReader(body), format)
	out := map[string]*dto.MetricFamily{}
	for {
		var mf dto.MetricFamily
		err := dec.Decode(&mf)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("parsing %s output: %v\n%s", res.contentType, err, res.body)
		}
		if _, dup := out[mf.GetName()]; dup {
			t.Fatalf("family %q appears twice in %s output", mf.GetName(), res.contentType)
		}
		out[mf.GetName()] = &mf
	}
}

// errorCatcher installs an otel error handler for the test and returns a
// function that lists the errors reported so far.
func errorCatcher(t *testing.T) func() []string {
	t.Helper()
	var mu sync.Mutex
	var errs []string
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err.Error())
	}))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}

// anyContains reports whether one of errs contains all the parts.
func anyContains(errs []string, parts ...string) bool {
	for _, e := range errs {
		ok := true
		for _, p := range parts {
			if !strings.Contains(e, p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// labelsOf returns a metric's labels as a map.
func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// findSeries returns the metric of mf whose labels include want.
func findSeries(t testing.TB, mf *dto.MetricFamily, want map[string]string) *dto.Metric {
	t.Helper()
	if mf == nil {
		t.Fatalf("family missing")
	}
	for _, m := range mf.GetMetric() {
		got := labelsOf(m)
		match := true
		for k, v := range want {
			if got[k] != v {
				match = false
				break
			}
		}
		if match {
			return m
		}
	}
	t.Fatalf("no series of %q has labels %v; have %v", mf.GetName(), want, mf.GetMetric())
	return nil
}
