package prometheus

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// DefaultScrapeTimeout bounds a collection whose scraper does not say how
// long it waits (no X-Prometheus-Scrape-Timeout-Seconds header), and every
// Gather: Prometheus' default scrape_timeout.
const DefaultScrapeTimeout = 10 * time.Second

// scrapeTimeoutHeader is where Prometheus tells a target its scrape_timeout,
// in seconds.
const scrapeTimeoutHeader = "X-Prometheus-Scrape-Timeout-Seconds"

// scrapeContext bounds one scrape's collection by the scraper's timeout and
// the request's own context (cancelled when the scraper goes away).
func scrapeContext(r *http.Request) (context.Context, context.CancelFunc) {
	timeout := DefaultScrapeTimeout
	if v, err := strconv.ParseFloat(r.Header.Get(scrapeTimeoutHeader), 64); err == nil && v > 0 && v < DefaultScrapeTimeout.Seconds()*100 {
		timeout = time.Duration(v * float64(time.Second))
	}
	return context.WithTimeout(r.Context(), timeout)
}

// scrapeHandler writes one scrape's already collected families with
// promhttp, which does the content negotiation, encoding and compression.
// promhttp only takes a Gatherer, which has no context, so ServeHTTP
// collects first (bounded by the scrape's context) and hands the result to
// a handler whose Gatherer returns it. Handlers are pooled per Exporter:
// one serves one scrape at a time, and building one allocates.
type scrapeHandler struct {
	gathered *gathered
	handler  http.Handler
	// negotiator and text serve the fast scrape (fast_scrape.go).
	negotiator *negotiator
	text       textWriter
	protobuf   protobufWriter
	// arenas hold the series of the handler's current scrape.
	arenas arenas
}

func newScrapeHandler() *scrapeHandler {
	g := &gathered{}
	return &scrapeHandler{gathered: g, handler: promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:          errorLog{},
		ErrorHandling:     promhttp.HTTPErrorOnError,
		EnableOpenMetrics: true,
	}), negotiator: newNegotiator()}
}

func (h *scrapeHandler) serve(w http.ResponseWriter, r *http.Request, families []*dto.MetricFamily, err error) {
	h.gathered.families, h.gathered.err = families, err
	h.handler.ServeHTTP(w, r)
	h.gathered.families, h.gathered.err = nil, nil
}

// gathered is a prometheus.Gatherer returning one collection's result.
type gathered struct {
	families []*dto.MetricFamily
	err      error
}

// Gather returns the collection's result.
func (g *gathered) Gather() ([]*dto.MetricFamily, error) { return g.families, g.err }
