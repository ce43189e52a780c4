// Command autoexportprog is an ordinary program written against the
// official OpenTelemetry SDK and the contrib autoexport package, the way a
// user writes one. TestAutoexportToCollector builds it twice, as written
// and with its two SDK imports switched to fastmeter's (nothing else
// changes), runs both against the real Collector and requires the same
// data from both.
package main

import (
	"context"
	"log"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	prometheusbridge "go.opentelemetry.io/contrib/bridges/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"

	"go.opentelemetry.io/contrib/exporters/autoexport"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// OTEL_METRICS_PRODUCERS=shop exports the program's own Prometheus registry.
	shopRegistry := prometheus.NewRegistry()
	autoexport.RegisterMetricProducer("shop", func(context.Context) (sdkmetric.Producer, error) {
		return prometheusbridge.NewMetricProducer(prometheusbridge.WithGatherer(shopRegistry)), nil
	})
	ovens := prometheus.NewGauge(prometheus.GaugeOpts{Name: "shop_ovens", Help: "ovens on"})
	shopRegistry.MustRegister(ovens)
	ovens.Set(3)

	// Without OTEL_METRICS_EXPORTER, a reader built by hand: the official
	// OTLP/HTTP exporter (configured by its own variables) in a periodic
	// reader.
	fallback := autoexport.WithFallbackMetricReader(func(ctx context.Context) (sdkmetric.Reader, error) {
		exp, err := otlpmetrichttp.New(ctx)
		if err != nil {
			return nil, err
		}
		return sdkmetric.NewPeriodicReader(exp), nil
	})
	reader, err := autoexport.NewMetricReader(ctx, fallback)
	if err != nil {
		log.Fatalf("autoexport: %v", err)
	}
	if autoexport.IsNoneMetricReader(reader) {
		log.Print("metrics export is disabled")
	}
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(reader),
		sdkmetric.WithView(sdkmetric.NewView(
			sdkmetric.Instrument{Name: "shop.payload.size"},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}},
		)),
	)

	// A Prometheus client metric, exported through OTEL_METRICS_PRODUCERS=prometheus.
	legacy := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shop_legacy_jobs_total", Help: "jobs"}, []string{"queue"})
	prometheus.MustRegister(legacy)

	meter := mp.Meter("shop", metric.WithInstrumentationVersion("0.1.0"))
	orders, _ := meter.Int64Counter("shop.orders", metric.WithUnit("{order}"), metric.WithDescription("orders placed"))
	latency, _ := meter.Float64Histogram("shop.latency", metric.WithUnit("s"))
	payload, _ := meter.Int64Histogram("shop.payload.size", metric.WithUnit("By"))
	carts, _ := meter.Int64UpDownCounter("shop.carts.open")
	temperature, _ := meter.Float64Gauge("shop.oven.temperature", metric.WithUnit("Cel"))
	stock := map[string]int64{"flour": 40, "sugar": 12}
	_, _ = meter.Int64ObservableGauge("shop.stock", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		for item, n := range stock {
			o.Observe(n, metric.WithAttributes(attribute.String("item", item)))
		}
		return nil
	}))

	record := func(round int) {
		for i, country := range []string{"fr", "de", "jp"} {
			attrs := metric.WithAttributes(attribute.String("country", country), attribute.Bool("member", i%2 == 0))
			orders.Add(ctx, int64(round*10+i), attrs)
			latency.Record(ctx, 0.05*float64(round+i), attrs)
			payload.Record(ctx, int64(512<<i*round), attrs)
			carts.Add(ctx, int64(round-i), attrs)
		}
		temperature.Record(ctx, 180+float64(round))
		legacy.WithLabelValues("mail").Add(float64(round))
		stock["flour"] -= int64(round)
	}

	record(1)
	if err := mp.ForceFlush(ctx); err != nil {
		log.Fatalf("flush: %v", err)
	}
	record(2)
	if err := mp.Shutdown(ctx); err != nil {
		log.Fatalf("shutdown: %v", err)
	}
}
