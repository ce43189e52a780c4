package prometheus

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// TestCollectorInRegistry: the exporter joins an existing client_golang
// registry next to the Go runtime and process collectors, both through
// WithRegisterer and by registering Collector() by hand.
func TestCollectorInRegistry(t *testing.T) {
	for _, how := range []string{"WithRegisterer", "Collector"} {
		t.Run(how, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
			if how == "WithRegisterer" {
				newKindsExporter(t, WithRegisterer(reg))
			} else {
				reg.MustRegister(newKindsExporter(t).Collector())
			}

			mfs, err := reg.Gather()
			if err != nil {
				t.Fatalf("registry Gather: %v", err)
			}
			names := map[string]bool{}
			for _, mf := range mfs {
				names[mf.GetName()] = true
			}
			for _, want := range []string{"go_goroutines", "requests_total", "latency_seconds", "target_info"} {
				if !names[want] {
					t.Errorf("%s missing from the registry's output", want)
				}
			}
			h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
			for _, accept := range []string{acceptText, acceptOpenMetrics, acceptProtobuf} {
				families := parse(t, scrapeHTTP(t, h, accept, ""))
				if families["go_goroutines"] == nil {
					t.Errorf("%s: go_goroutines missing", accept)
				}
			}
			checkAllKinds(t, parse(t, scrapeHTTP(t, h, acceptProtobuf, "")), true)
		})
	}
}

// TestDefaultRegisterer: like the official exporter, New registers with
// prometheus.DefaultRegisterer unless told otherwise.
// (An unchecked collector cannot be unregistered, so this exporter stays in
// the default registry, reporting "shutdown" if someone gathers it later.)
func TestDefaultRegisterer(t *testing.T) {
	exp, err := New()
	must(t, err)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	c, err := mp.Meter("default").Int64Counter("default.registry.probe")
	must(t, err)
	c.Add(context.Background(), 1)
	mfs, err := prometheus.DefaultGatherer.Gather()
	must(t, err)
	for _, mf := range mfs {
		if mf.GetName() == "default_registry_probe_total" {
			return
		}
	}
	t.Error("the exporter's metrics are not in prometheus.DefaultGatherer")
}
