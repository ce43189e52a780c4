package benchmarks

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// The client_golang loops equivalent to otel_workloads.go, case by case:
// no-attrs and bound use a pre-made Counter/Observer/Gauge; precomputed-set
// looks the series up per call with WithLabelValues and constant values;
// per-call-attrs builds a prometheus.Labels map per call and uses With;
// rotating-1000-sets passes rotating label values to WithLabelValues.
// per-call-sdk-share has no equivalent (see errNoPrebuiltSets).

// promCounterWorkload drives Counter.Add(1).
type promCounterWorkload struct {
	attrs attrCase
	fx    *promFixtures
	vec   *prometheus.CounterVec
	bound prometheus.Counter
}

func (w *promCounterWorkload) RunSerial(n int) {
	switch w.attrs {
	case noAttrs, bound, boundX:
		c := w.bound
		for i := 0; i < n; i++ {
			c.Add(1)
		}
	case precomputedSet:
		vec, v := w.vec, w.fx.labelValues
		for i := 0; i < n; i++ {
			vec.WithLabelValues(v...).Add(1)
		}
	case perCallAttrs:
		vec, v := w.vec, w.fx.labelValues
		for i := 0; i < n; i++ {
			vec.With(prometheus.Labels{promLabelNames[0]: v[0], promLabelNames[1]: v[1], promLabelNames[2]: v[2]}).Add(1)
		}
	case rotatingSets:
		vec, rotation := w.vec, w.fx.rotationValues
		for i := 0; i < n; i++ {
			vec.WithLabelValues(rotation[i%rotationSize]...).Add(1)
		}
	}
}

func (w *promCounterWorkload) RunParallel(pb *testing.PB) {
	switch w.attrs {
	case noAttrs, bound, boundX:
		c := w.bound
		for pb.Next() {
			c.Add(1)
		}
	case precomputedSet:
		vec, v := w.vec, w.fx.labelValues
		for pb.Next() {
			vec.WithLabelValues(v...).Add(1)
		}
	case perCallAttrs:
		vec, v := w.vec, w.fx.labelValues
		for pb.Next() {
			vec.With(prometheus.Labels{promLabelNames[0]: v[0], promLabelNames[1]: v[1], promLabelNames[2]: v[2]}).Add(1)
		}
	case rotatingSets:
		vec, rotation := w.vec, w.fx.rotationValues
		for i := 0; pb.Next(); i++ {
			vec.WithLabelValues(rotation[i%rotationSize]...).Add(1)
		}
	}
}

// promHistogramWorkload drives Observer.Observe(histogramValue(i)).
type promHistogramWorkload struct {
	attrs attrCase
	fx    *promFixtures
	vec   *prometheus.HistogramVec
	bound prometheus.Observer
}

func (w *promHistogramWorkload) RunSerial(n int) {
	switch w.attrs {
	case noAttrs, bound, boundX:
		h := w.bound
		for i := 0; i < n; i++ {
			h.Observe(histogramValue(i))
		}
	case precomputedSet:
		vec, v := w.vec, w.fx.labelValues
		for i := 0; i < n; i++ {
			vec.WithLabelValues(v...).Observe(histogramValue(i))
		}
	case perCallAttrs:
		vec, v := w.vec, w.fx.labelValues
		for i := 0; i < n; i++ {
			vec.With(prometheus.Labels{promLabelNames[0]: v[0], promLabelNames[1]: v[1], promLabelNames[2]: v[2]}).Observe(histogramValue(i))
		}
	case rotatingSets:
		vec, rotation := w.vec, w.fx.rotationValues
		for i := 0; i < n; i++ {
			vec.WithLabelValues(rotation[i%rotationSize]...).Observe(histogramValue(i))
		}
	}
}

func (w *promHistogramWorkload) RunParallel(pb *testing.PB) {
	switch w.attrs {
	case noAttrs, bound, boundX:
		h := w.bound
		for i := 0; pb.Next(); i++ {
			h.Observe(histogramValue(i))
		}
	case precomputedSet:
		vec, v := w.vec, w.fx.labelValues
		for i := 0; pb.Next(); i++ {
			vec.WithLabelValues(v...).Observe(histogramValue(i))
		}
	case perCallAttrs:
		vec, v := w.vec, w.fx.labelValues
		for i := 0; pb.Next(); i++ {
			vec.With(prometheus.Labels{promLabelNames[0]: v[0], promLabelNames[1]: v[1], promLabelNames[2]: v[2]}).Observe(histogramValue(i))
		}
	case rotatingSets:
		vec, rotation := w.vec, w.fx.rotationValues
		for i := 0; pb.Next(); i++ {
			vec.WithLabelValues(rotation[i%rotationSize]...).Observe(histogramValue(i))
		}
	}
}

// promGaugeWorkload drives Gauge.Set(histogramValue(i)).
type promGaugeWorkload struct {
	attrs attrCase
	fx    *promFixtures
	vec   *prometheus.GaugeVec
	bound prometheus.Gauge
}

func (w *promGaugeWorkload) RunSerial(n int) {
	switch w.attrs {
	case noAttrs, bound, boundX:
		g := w.bound
		for i := 0; i < n; i++ {
			g.Set(histogramValue(i))
		}
	case precomputedSet:
		vec, v := w.vec, w.fx.labelValues
		for i := 0; i < n; i++ {
			vec.WithLabelValues(v...).Set(histogramValue(i))
		}
	case perCallAttrs:
		vec, v := w.vec, w.fx.labelValues
		for i := 0; i < n; i++ {
			vec.With(prometheus.Labels{promLabelNames[0]: v[0], promLabelNames[1]: v[1], promLabelNames[2]: v[2]}).Set(histogramValue(i))
		}
	case rotatingSets:
		vec, rotation := w.vec, w.fx.rotationValues
		for i := 0; i < n; i++ {
			vec.WithLabelValues(rotation[i%rotationSize]...).Set(histogramValue(i))
		}
	}
}

func (w *promGaugeWorkload) RunParallel(pb *testing.PB) {
	switch w.attrs {
	case noAttrs, bound, boundX:
		g := w.bound
		for i := 0; pb.Next(); i++ {
			g.Set(histogramValue(i))
		}
	case precomputedSet:
		vec, v := w.vec, w.fx.labelValues
		for i := 0; pb.Next(); i++ {
			vec.WithLabelValues(v...).Set(histogramValue(i))
		}
	case perCallAttrs:
		vec, v := w.vec, w.fx.labelValues
		for i := 0; pb.Next(); i++ {
			vec.With(prometheus.Labels{promLabelNames[0]: v[0], promLabelNames[1]: v[1], promLabelNames[2]: v[2]}).Set(histogramValue(i))
		}
	case rotatingSets:
		vec, rotation := w.vec, w.fx.rotationValues
		for i := 0; pb.Next(); i++ {
			vec.WithLabelValues(rotation[i%rotationSize]...).Set(histogramValue(i))
		}
	}
}
