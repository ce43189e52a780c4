package prometheus

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// The fast scrape: ServeHTTP writes the text and OpenMetrics formats itself
// from the translated families (with each series' cached label block)
// instead of handing them to promhttp and expfmt, which format every label
// of every sample again on every scrape. promhttp still decides everything
// about the response: for each scrape it runs once, over no metrics, to
// negotiate the format and the compression from the request, and the fast
// writer then produces what promhttp's encoder would have written for that
// format, and the delimited protobuf format is encoded directly (see
// protobufWriter). Anything the fast writers do not produce (the compact and
// text protobuf formats, OpenMetrics 2.0, a compression other than gzip,
// names that need escaping, a name[] filter) is served by promhttp as
// before.

// negotiation is what promhttp decided for a request: the Content-Type and
// Content-Encoding it sets.
type negotiation struct {
	contentType, contentEncoding string
}

// negotiator runs promhttp over an empty collection to learn what it
// negotiates for a request. One serves one request at a time (it is part
// of a pooled scrapeHandler).
type negotiator struct {
	handler  http.Handler
	recorder headerRecorder
}

func newNegotiator() *negotiator {
	return &negotiator{
		handler: promhttp.HandlerFor(prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return nil, nil }),
			promhttp.HandlerOpts{ErrorLog: errorLog{}, ErrorHandling: promhttp.HTTPErrorOnError, EnableOpenMetrics: true}),
		recorder: headerRecorder{header: http.Header{}},
	}
}

// negotiate returns promhttp's choices for r.
func (n *negotiator) negotiate(r *http.Request) negotiation {
	clear(n.recorder.header)
	n.handler.ServeHTTP(&n.recorder, r)
	return negotiation{
		contentType:     n.recorder.header.Get("Content-Type"),
		contentEncoding: n.recorder.header.Get("Content-Encoding"),
	}
}

// headerRecorder is the ResponseWriter of a negotiation: it keeps the
// headers and drops the (empty) body.
type headerRecorder struct {
	header http.Header
}

func (h *headerRecorder) Header() http.Header         { return h.header }
func (h *headerRecorder) WriteHeader(int)             {}
func (h *headerRecorder) Write(p []byte) (int, error) { return len(p), nil }

// gzipWriters recycles the gzip writers of fast scrapes.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// fastScrape serves families with the text writer when it can produce what
// promhttp would for r, and reports whether it did.
func (e *Exporter) fastScrape(h *scrapeHandler, w http.ResponseWriter, r *http.Request, families []*family) bool {
	if !e.translator.cfg.strategy.ShouldEscape() {
		// UTF-8 names: expfmt quotes or escapes them per scraper.
		return false
	}
	if r.URL != nil && r.URL.RawQuery != "" && r.URL.Query().Has("name[]") {
		return false
	}
	n := h.negotiator.negotiate(r)
	var write func(io.Writer, []*family) error
	switch expfmt.Format(n.contentType).FormatType() {
	case expfmt.TypeTextPlain:
		h.text.openMetrics = false
		write = h.text.writeFamilies
	case expfmt.TypeOpenMetrics:
		if strings.Contains(n.contentType, "version="+expfmt.OpenMetricsVersion_2_0_0) {
			return false
		}
		h.text.openMetrics = true
		write = h.text.writeFamilies
	case expfmt.TypeProtoDelim:
		write = h.protobuf.writeFamilies
	default:
		return false
	}
	if n.contentEncoding != "" && n.contentEncoding != "gzip" {
		return false
	}
	w.Header().Set("Content-Type", n.contentType)
	var err error
	if n.contentEncoding == "gzip" {
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzipWriters.Get().(*gzip.Writer)
		gz.Reset(w)
		err = write(gz, families)
		if cerr := gz.Close(); err == nil {
			err = cerr
		}
		gz.Reset(nil)
		gzipWriters.Put(gz)
	} else {
		err = write(w, families)
	}
	if err != nil {
		errorLog{}.Println("error encoding and sending metric family:", err)
	}
	return true
}
