package benchmarks

import (
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// clientGolang is github.com/prometheus/client_golang v1.25.0 with its own
// registry. It is cumulative only; "collect" is Registry.Gather.
type clientGolang struct{}

func (clientGolang) Name() string { return "prometheus" }

func (clientGolang) NewPipeline(temporality metricdata.Temporality) (pipeline, error) {
	if temporality != metricdata.CumulativeTemporality {
		return nil, errNotAvailable
	}
	return &promPipeline{registry: prometheus.NewRegistry()}, nil
}

// promPipeline holds, per instrument kind, an unlabelled metric (the no-attrs
// case) and a vector over the three labels (every other case), registered on
// first use.
type promPipeline struct {
	registry *prometheus.Registry

	counter      prometheus.Counter
	counterVec   *prometheus.CounterVec
	histograms   map[instrumentKind]prometheus.Histogram
	histogramVec map[instrumentKind]*prometheus.HistogramVec
	gaugeOne     prometheus.Gauge
	gaugeVec     *prometheus.GaugeVec
}

// promName is the metric family name prefix of kind.
func promName(kind instrumentKind) string {
	return "bench_" + strings.ReplaceAll(kind.String(), "-", "_")
}

func histogramOpts(kind instrumentKind, name string) prometheus.HistogramOpts {
	opts := prometheus.HistogramOpts{Name: name, Help: "benchmark histogram"}
	if kind == expHistogram {
		// A native histogram is client_golang's exponential histogram; the
		// bucket limit matches the OpenTelemetry default MaxSize.
		opts.NativeHistogramBucketFactor = 1.1
		opts.NativeHistogramMaxBucketNumber = expHistogramMaxSize
	} else {
		opts.Buckets = defaultHistogramBounds
	}
	return opts
}

func (p *promPipeline) unlabelled(kind instrumentKind) (prometheus.Collector, error) {
	name := promName(kind)
	var c prometheus.Collector
	switch kind {
	case counter:
		if p.counter == nil {
			p.counter = prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: "benchmark counter"})
			c = p.counter
		}
	case histogram, expHistogram:
		if p.histograms == nil {
			p.histograms = map[instrumentKind]prometheus.Histogram{}
		}
		if p.histograms[kind] == nil {
			p.histograms[kind] = prometheus.NewHistogram(histogramOpts(kind, name))
			c = p.histograms[kind]
		}
	case gauge:
		if p.gaugeOne == nil {
			p.gaugeOne = prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "benchmark gauge"})
			c = p.gaugeOne
		}
	}
	if c == nil {
		return nil, nil
	}
	return c, p.registry.Register(c)
}

func (p *promPipeline) labelled(kind instrumentKind) error {
	name := promName(kind) + "_labelled"
	var c prometheus.Collector
	switch kind {
	case counter:
		if p.counterVec == nil {
			p.counterVec = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: "benchmark counter"}, promLabelNames)
			c = p.counterVec
		}
	case histogram, expHistogram:
		if p.histogramVec == nil {
			p.histogramVec = map[instrumentKind]*prometheus.HistogramVec{}
		}
		if p.histogramVec[kind] == nil {
			p.histogramVec[kind] = prometheus.NewHistogramVec(histogramOpts(kind, name), promLabelNames)
			c = p.histogramVec[kind]
		}
	case gauge:
		if p.gaugeVec == nil {
			p.gaugeVec = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: "benchmark gauge"}, promLabelNames)
			c = p.gaugeVec
		}
	}
	if c == nil {
		return nil
	}
	return p.registry.Register(c)
}

// errNoPrebuiltSets is why client_golang has no perCallSDKShare workload.
var errNoPrebuiltSets = fmt.Errorf("%w: client_golang has no pre-built attribute-set option "+
	"(its lookups take the label values themselves), so its per-call cost cannot be split into an API and a library share", errNotAvailable)

func (p *promPipeline) Workload(kind instrumentKind, attrs attrCase) (workload, error) {
	_, fx := fixtures()
	if attrs == perCallSDKShare {
		return nil, errNoPrebuiltSets
	}
	if attrs == noAttrs {
		if _, err := p.unlabelled(kind); err != nil {
			return nil, err
		}
		switch kind {
		case counter:
			return &promCounterWorkload{attrs: attrs, fx: fx, bound: p.counter}, nil
		case gauge:
			return &promGaugeWorkload{attrs: attrs, fx: fx, bound: p.gaugeOne}, nil
		default:
			return &promHistogramWorkload{attrs: attrs, fx: fx, bound: p.histograms[kind]}, nil
		}
	}
	if err := p.labelled(kind); err != nil {
		return nil, err
	}
	// Only the bound case holds a child; looking it up now in the other cases
	// would create a series their workload never touches.
	switch kind {
	case counter:
		w := &promCounterWorkload{attrs: attrs, fx: fx, vec: p.counterVec}
		if attrs == bound || attrs == boundX {
			w.bound = p.counterVec.WithLabelValues(fx.labelValues...)
		}
		return w, nil
	case gauge:
		w := &promGaugeWorkload{attrs: attrs, fx: fx, vec: p.gaugeVec}
		if attrs == bound || attrs == boundX {
			w.bound = p.gaugeVec.WithLabelValues(fx.labelValues...)
		}
		return w, nil
	default:
		w := &promHistogramWorkload{attrs: attrs, fx: fx, vec: p.histogramVec[kind]}
		if attrs == bound || attrs == boundX {
			w.bound = w.vec.WithLabelValues(fx.labelValues...)
		}
		return w, nil
	}
}

func (p *promPipeline) Populate(kind instrumentKind, n int) error {
	_, fx := fixtures()
	if err := p.labelled(kind); err != nil {
		return err
	}
	for i, values := range fx.seriesValues[:n] {
		switch kind {
		case counter:
			p.counterVec.WithLabelValues(values...).Add(1)
		case gauge:
			p.gaugeVec.WithLabelValues(values...).Set(histogramValue(i))
		default:
			p.histogramVec[kind].WithLabelValues(values...).Observe(histogramValue(i))
		}
	}
	return nil
}

func (p *promPipeline) Collect() error {
	_, err := p.registry.Gather()
	return err
}

func (p *promPipeline) Export(sdkmetric.Exporter) error { return errNotAvailable }

func (p *promPipeline) Totals(kind instrumentKind) (totals, error) {
	families, err := p.registry.Gather()
	if err != nil {
		return totals{}, err
	}
	var t totals
	found := false
	for _, mf := range families {
		if mf.GetName() != promName(kind) && mf.GetName() != promName(kind)+"_labelled" {
			continue
		}
		found = true
		for _, m := range mf.GetMetric() {
			t.Series++
			addPromTotals(&t, m)
		}
	}
	if !found {
		return t, fmt.Errorf("metric family %q not gathered", promName(kind))
	}
	return t, nil
}

// addPromTotals adds one gathered series to t.
func addPromTotals(t *totals, m *dto.Metric) {
	switch {
	case m.Counter != nil:
		t.Aggregation = "sum"
		t.Sum += m.Counter.GetValue()
	case m.Gauge != nil:
		t.Aggregation = "gauge"
		t.Sum += m.Gauge.GetValue()
	case m.Histogram != nil:
		t.Aggregation = "histogram"
		if m.Histogram.Schema != nil { // only native histograms have a schema
			t.Aggregation = "exponential-histogram"
		}
		t.Sum += m.Histogram.GetSampleSum()
		t.Count += m.Histogram.GetSampleCount()
	}
}

func (p *promPipeline) Shutdown() {}
