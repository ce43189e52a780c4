package prometheus

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel"
)

// collector adapts an Exporter to prometheus.Collector. It cannot be the
// Exporter itself: a Reader already has a Collect method with another
// signature.
type collector struct {
	exporter *Exporter
}

// Describe sends nothing: which metrics exist is only known at collection
// time, which makes this an "unchecked" collector to the registry. The
// exporter does the consistency checks itself (see translator).
func (*collector) Describe(chan<- *prometheus.Desc) {}

// Collect sends every series of one collection of the provider.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	families, err := c.exporter.Gather()
	if err != nil {
		otel.Handle(err)
		return
	}
	for _, mf := range families {
		desc := prometheus.NewDesc(mf.GetName(), mf.GetHelp(), nil, nil)
		for _, m := range mf.Metric {
			ch <- &translatedMetric{desc: desc, m: m}
		}
	}
}

// translatedMetric is one already-translated series handed to a registry.
// The labels live in the dto.Metric rather than in the Desc, which an
// unchecked collector is allowed to do; it saves building one Desc per
// series.
type translatedMetric struct {
	desc *prometheus.Desc
	m    *dto.Metric
}

// Desc returns the family's description (name and help, no labels).
func (t *translatedMetric) Desc() *prometheus.Desc { return t.desc }

// Write fills out with the series. The registry owns out; the fields point
// to immutable data produced for this collection only.
func (t *translatedMetric) Write(out *dto.Metric) error {
	out.Label = t.m.Label
	out.Gauge = t.m.Gauge
	out.Counter = t.m.Counter
	out.Summary = t.m.Summary
	out.Untyped = t.m.Untyped
	out.Histogram = t.m.Histogram
	out.TimestampMs = t.m.TimestampMs
	return nil
}
