package prometheus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/points"
	"github.com/fastmeter/fastmeter/internal/selfobs"
)

// Exporter is a Reader for a fastmeter MeterProvider that serves the
// provider's metrics to Prometheus on pull. Register it with
// fastmeter.WithReader, then either mount it as an http.Handler or let
// Prometheus' client library serve it through a registry (see [New]).
//
// Every scrape collects the provider; no value is cached between scrapes
// (only each series' translated labels are), so concurrent scrapes each get
// a consistent, complete view. Collection never
// blocks instrument writers, and the response is written after collection
// has finished, so a slow scraper holds nothing writers need.
type Exporter struct {
	sdkmetric.Reader

	translator *translator
	collector  *collector
	// scrapes recycles the promhttp handlers ServeHTTP writes responses
	// with (see scrape.go).
	scrapes sync.Pool

	// buffers recycles collection buffers between scrapes: the reader
	// refills the slices of a ResourceMetrics it is handed, so a warm buffer
	// makes collection allocate little. Each scrape takes its own, which is
	// what makes concurrent scrapes independent. The pool is per exporter:
	// a buffer must only ever be refilled by the reader that filled it.
	buffers sync.Pool
	// keepBuffers is false when a Producer is configured: the reader puts
	// the ScopeMetrics a Producer returns into the buffer as they are, and
	// refilling such a slot with the SDK's own data (when a new meter
	// appears) would write into the Producer's memory.
	keepBuffers bool

	// obs is the exporter's self-instrumentation: one scrape is one
	// otel.sdk.exporter.operation.duration observation (nil unless
	// OTEL_GO_X_OBSERVABILITY=true when New ran).
	obs *selfobs.Exporter
}

var _ sdkmetric.Reader = (*Exporter)(nil)

// New returns an Exporter. Unless [WithoutRegistration] is given, its
// collector is registered with the registerer of [WithRegisterer]
// (prometheus.DefaultRegisterer by default), like the official OpenTelemetry
// Prometheus exporter, so promhttp.Handler() serves it next to the Go
// runtime metrics. An Exporter must be created by New: the zero value
// serves nothing (its scrapes get an HTTP 500 saying so).
func New(opts ...Option) (*Exporter, error) {
	cfg := newConfig(opts)
	labels := newLabelNamer(!cfg.strategy.ShouldEscape())
	namespace := cfg.namespace
	if namespace != "" {
		escaped, err := labels.namer.Build(namespace)
		if err != nil {
			return nil, fmt.Errorf("fastmeter/prometheus: invalid namespace %q: %w", namespace, err)
		}
		namespace = escaped
	}

	// Prometheus only understands cumulative series; the selector is
	// appended last so nothing overrides it.
	readerOpts := append(cfg.readerOptions[:len(cfg.readerOptions):len(cfg.readerOptions)],
		sdkmetric.WithTemporalitySelector(cumulative))
	e := &Exporter{
		Reader: sdkmetric.NewManualReader(readerOpts...),
		translator: &translator{
			cfg:         cfg,
			metricNamer: newMetricNamer(cfg, namespace),
			labelNamer:  labels,
			reporter:    &problemReporter{},
		},
	}
	e.obs = selfobs.NewExporter(selfobs.PrometheusScope, selfobs.PrometheusExporterType, selfobs.NextID(selfobs.PrometheusExporterType))
	e.collector = &collector{exporter: e}
	e.buffers.New = func() any { return new(metricdata.ResourceMetrics) }
	e.keepBuffers = !cfg.hasProducer
	e.scrapes.New = func() any { return newScrapeHandler() }
	if cfg.registerer != nil {
		if err := cfg.registerer.Register(e.collector); err != nil {
			return nil, fmt.Errorf("fastmeter/prometheus: cannot register the collector: %w", err)
		}
	}
	return e, nil
}

func cumulative(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.CumulativeTemporality
}

// Gather collects the provider and returns its metrics as Prometheus metric
// families, sorted by name. It makes the Exporter a prometheus.Gatherer, for
// use with promhttp.HandlerFor or prometheus.Gatherers.
//
// Gather has no context (client_golang#1538), so it bounds the collection
// itself by DefaultScrapeTimeout, Prometheus' default scrape_timeout: a
// callback still running halfway through is abandoned for this collection
// and the other metrics are returned (see fastmeter's Reliability notes).
// ServeHTTP uses the scraper's own timeout instead.
//
// It returns an error only when nothing can be collected (the exporter is
// not registered with a provider, or it is shut down). Problems with single
// metrics or data points are reported through otel.Handle and the affected
// items left out; everything else is served.
func (e *Exporter) Gather() ([]*dto.MetricFamily, error) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultScrapeTimeout)
	defer cancel()
	families, err := e.gather(ctx, nil)
	return metricFamilies(families), err
}

// metricFamilies returns the protobuf form of translated families.
func metricFamilies(families []*family) []*dto.MetricFamily {
	if families == nil {
		return nil
	}
	out := make([]*dto.MetricFamily, len(families))
	for i, f := range families {
		out[i] = f.mf
	}
	return out
}

// gather is Gather bounded by ctx, returning the translated families, built
// in a (nil: new arenas).
func (e *Exporter) gather(ctx context.Context, a *arenas) (families []*family, err error) {
	if e == nil || e.Reader == nil {
		return nil, errNotCreatedByNew
	}
	if e.obs != nil {
		start, collected := e.obs.Start(), 0
		var collectErr error
		defer func() {
			failure := err
			if failure == nil {
				failure = collectErr // served anyway, but reported as a failed scrape
			}
			e.obs.Done(ctx, start, collected, failure)
		}()
		families, err = e.gatherCounted(ctx, a, &collected, &collectErr)
		return families, err
	}
	return e.gatherCounted(ctx, a, nil, nil)
}

// gatherCounted is gather; when collected is set, it receives the number of
// data points collected and collectErr a partial collection failure (both
// for the self-metrics).
func (e *Exporter) gatherCounted(ctx context.Context, a *arenas, collected *int, collectErr *error) ([]*family, error) {
	rm := e.buffers.Get().(*metricdata.ResourceMetrics)
	defer func() {
		if !e.keepBuffers {
			*rm = metricdata.ResourceMetrics{}
		}
		e.buffers.Put(rm)
	}()
	err := e.Reader.Collect(ctx, rm)
	if collected != nil {
		*collectErr = err
		for i := range rm.ScopeMetrics {
			for j := range rm.ScopeMetrics[i].Metrics {
				*collected += points.Count(rm.ScopeMetrics[i].Metrics[j].Data)
			}
		}
	}
	if err != nil {
		if errors.Is(err, sdkmetric.ErrReaderShutdown) || errors.Is(err, sdkmetric.ErrReaderNotRegistered) {
			return nil, fmt.Errorf("fastmeter/prometheus: cannot collect: %w", err)
		}
		// Partial failure (a callback returned an error, or the scrape's
		// time ran out before any stream was read and rm is empty): what
		// was collected is still valid and served.
		otel.Handle(fmt.Errorf("fastmeter/prometheus: collect: %w", err))
	}
	return e.translator.translate(rm, a), nil
}

// ServeHTTP serves the provider's metrics (and only those) to a scraper. The
// format is negotiated from the Accept header: Prometheus text 0.0.4 by
// default and for unknown or bogus Accept values, OpenMetrics 1.0 (with
// exemplars) or protobuf (with native histograms) when asked for, gzip when
// Accept-Encoding allows it. If collection fails entirely the response is an
// HTTP 500 with the reason.
//
// The collection is bounded by the scraper's timeout (Prometheus sends its
// scrape_timeout in the X-Prometheus-Scrape-Timeout-Seconds header;
// DefaultScrapeTimeout without it) and by the request's context: callbacks
// get the first half of it, and one still running then is abandoned for
// this scrape, so a hanging callback costs its own metrics, never the
// response or a goroutine per scrape.
func (e *Exporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if e == nil || e.Reader == nil {
		http.Error(w, errNotCreatedByNew.Error(), http.StatusInternalServerError)
		return
	}
	ctx, cancel := scrapeContext(r)
	defer cancel()
	h := e.scrapes.Get().(*scrapeHandler)
	defer e.scrapes.Put(h)
	// The scrape's series are built in the handler's arenas, reused once
	// the response is written: nothing of it outlives ServeHTTP.
	defer h.arenas.reset()
	families, err := e.gather(ctx, &h.arenas)
	if err == nil && e.fastScrape(h, w, r, families) {
		return
	}
	h.serve(w, r, metricFamilies(families), err)
}

// Collector returns the prometheus.Collector that serves the exporter's
// metrics, for registering with a registry yourself (see
// [WithoutRegistration]).
func (e *Exporter) Collector() prometheus.Collector {
	if e == nil || e.collector == nil {
		// Collects nothing and reports errNotCreatedByNew.
		return &collector{exporter: e}
	}
	return e.collector
}

// errorLog routes promhttp's own errors (failed writes to the scraper,
// encoding errors) to otel.Handle.
type errorLog struct{}

// Println reports one promhttp error.
func (errorLog) Println(v ...any) {
	otel.Handle(fmt.Errorf("fastmeter/prometheus: serving metrics: %s", fmt.Sprint(v...)))
}
