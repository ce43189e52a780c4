package benchmarks

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/x"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// instrumentName is the name of kind's instrument in an OpenTelemetry pipeline.
func instrumentName(kind instrumentKind) string {
	return "bench." + kind.String()
}

// expHistogramView is the View (criteria and stream) that makes the
// exp-histogram instrument a base-2 exponential histogram. The types are the
// official ones, which fastmeter aliases, so both SDKs build the same View.
func expHistogramView() (sdkmetric.Instrument, sdkmetric.Stream) {
	return sdkmetric.Instrument{Name: instrumentName(expHistogram)},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{
			MaxSize: expHistogramMaxSize, MaxScale: expHistogramMaxScale,
		}}
}

// cardinalityLimit is the only setting the OpenTelemetry pipelines change from
// the defaults: the default limit (2000 series per instrument) would fold the
// collect, memory and export workloads' 10 000 series into 2000 plus the
// overflow series, and measure the wrong thing.
const cardinalityLimit = 4 * maxPopulatedSeries

// temporalityFor returns a temporality selector that always answers t.
func temporalityFor(t metricdata.Temporality) func(sdkmetric.InstrumentKind) metricdata.Temporality {
	return func(sdkmetric.InstrumentKind) metricdata.Temporality { return t }
}

// binder builds the bound-case workloads of an SDK that has a Bind helper;
// nil for an SDK without one. The loops live with the SDK's adapter because
// the handle is the SDK's own concrete type: calling it through an interface
// here would add a dispatch its users do not pay.
type binder interface {
	boundCounterWorkload(c metric.Int64Counter, set attribute.Set) workload
	boundRecorderWorkload(r float64Recorder, set attribute.Set) workload
}

// float64Recorder is what Float64Histogram and Float64Gauge have in common.
type float64Recorder interface {
	Record(ctx context.Context, value float64, options ...metric.RecordOption)
}

// otelPipeline is a pipeline of any SDK implementing the OpenTelemetry API; the
// SDK adapters only construct it.
type otelPipeline struct {
	meter    metric.Meter
	collect  func(context.Context, *metricdata.ResourceMetrics) error
	shutdown func(context.Context) error
	bind     binder // nil: the SDK has no Bind

	// rm is reused by every collection, as a PeriodicReader does.
	rm metricdata.ResourceMetrics

	counter   metric.Int64Counter
	recorders map[instrumentKind]float64Recorder
}

func newOTelPipeline(mp metric.MeterProvider,
	collect func(context.Context, *metricdata.ResourceMetrics) error,
	shutdown func(context.Context) error, bind binder,
) *otelPipeline {
	return &otelPipeline{
		meter:     mp.Meter("github.com/fastmeter/fastmeter/benchmarks"),
		collect:   collect,
		shutdown:  shutdown,
		bind:      bind,
		recorders: map[instrumentKind]float64Recorder{},
	}
}

func (p *otelPipeline) int64Counter() (metric.Int64Counter, error) {
	if p.counter != nil {
		return p.counter, nil
	}
	c, err := p.meter.Int64Counter(instrumentName(counter))
	p.counter = c
	return c, err
}

func (p *otelPipeline) recorder(kind instrumentKind) (float64Recorder, error) {
	if r, ok := p.recorders[kind]; ok {
		return r, nil
	}
	var r float64Recorder
	var err error
	switch kind {
	case histogram, expHistogram:
		r, err = p.meter.Float64Histogram(instrumentName(kind))
	case gauge:
		r, err = p.meter.Float64Gauge(instrumentName(kind))
	default:
		return nil, fmt.Errorf("no float64 recorder for %v", kind)
	}
	if err != nil {
		return nil, err
	}
	p.recorders[kind] = r
	return r, nil
}

func (p *otelPipeline) Workload(kind instrumentKind, attrs attrCase) (workload, error) {
	fx, _ := fixtures()
	if kind == counter {
		c, err := p.int64Counter()
		if err != nil {
			return nil, err
		}
		if attrs == bound {
			if p.bind == nil {
				return nil, errNotAvailable
			}
			return p.bind.boundCounterWorkload(c, fx.set), nil
		}
		if attrs == boundX {
			b, ok := c.(x.Int64CounterBinder)
			if !ok {
				return nil, errNotAvailable
			}
			// The bound counter's Add(ctx, 1) is the no-attrs loop.
			return &otelCounterWorkload{counter: b.Bind(fx.kv[:]...), attrs: noAttrs, fx: fx}, nil
		}
		return &otelCounterWorkload{counter: c, attrs: attrs, fx: fx}, nil
	}
	r, err := p.recorder(kind)
	if err != nil {
		return nil, err
	}
	if attrs == bound {
		if p.bind == nil {
			return nil, errNotAvailable
		}
		return p.bind.boundRecorderWorkload(r, fx.set), nil
	}
	if attrs == boundX {
		var bound float64Recorder
		switch b := r.(type) {
		case x.Float64HistogramBinder:
			bound = b.Bind(fx.kv[:]...)
		case x.Float64GaugeBinder:
			bound = b.Bind(fx.kv[:]...)
		default:
			return nil, errNotAvailable
		}
		return &otelRecordWorkload{recorder: bound, attrs: noAttrs, fx: fx}, nil
	}
	return &otelRecordWorkload{recorder: r, attrs: attrs, fx: fx}, nil
}

func (p *otelPipeline) Populate(kind instrumentKind, n int) error {
	fx, _ := fixtures()
	ctx := context.Background()
	if kind == counter {
		c, err := p.int64Counter()
		if err != nil {
			return err
		}
		for _, opts := range fx.seriesAdd[:n] {
			c.Add(ctx, 1, opts...)
		}
		return nil
	}
	r, err := p.recorder(kind)
	if err != nil {
		return err
	}
	for i, opts := range fx.seriesRecord[:n] {
		r.Record(ctx, histogramValue(i), opts...)
	}
	return nil
}

func (p *otelPipeline) Collect() error {
	return p.collect(context.Background(), &p.rm)
}

func (p *otelPipeline) Export(exporter sdkmetric.Exporter) error {
	ctx := context.Background()
	if err := p.collect(ctx, &p.rm); err != nil {
		return err
	}
	return exporter.Export(ctx, &p.rm)
}

func (p *otelPipeline) Totals(kind instrumentKind) (totals, error) {
	var rm metricdata.ResourceMetrics
	if err := p.collect(context.Background(), &rm); err != nil {
		return totals{}, err
	}
	name := instrumentName(kind)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return otelTotals(m.Data)
			}
		}
	}
	return totals{}, fmt.Errorf("metric %q not collected", name)
}

// otelTotals summarises one collected metric.
func otelTotals(data metricdata.Aggregation) (totals, error) {
	var t totals
	switch d := data.(type) {
	case metricdata.Sum[int64]:
		t.Aggregation = "sum"
		for _, dp := range d.DataPoints {
			t.Series++
			t.Sum += float64(dp.Value)
		}
	case metricdata.Histogram[float64]:
		t.Aggregation = "histogram"
		for _, dp := range d.DataPoints {
			t.Series++
			t.Sum += dp.Sum
			t.Count += dp.Count
		}
	case metricdata.ExponentialHistogram[float64]:
		t.Aggregation = "exponential-histogram"
		for _, dp := range d.DataPoints {
			t.Series++
			t.Sum += dp.Sum
			t.Count += dp.Count
		}
	case metricdata.Gauge[float64]:
		t.Aggregation = "gauge"
		for _, dp := range d.DataPoints {
			t.Series++
			t.Sum += dp.Value
		}
	default:
		return t, fmt.Errorf("unexpected aggregation %T", data)
	}
	return t, nil
}

func (p *otelPipeline) Shutdown() {
	_ = p.shutdown(context.Background())
}
