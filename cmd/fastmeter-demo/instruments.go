package main

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/metric"
)

// Instrumentation scopes: one per component, as a library would have.
const (
	scopeServer  = "github.com/fastmeter/fastmeter/cmd/fastmeter-demo/server"
	scopeClient  = "github.com/fastmeter/fastmeter/cmd/fastmeter-demo/client"
	scopeProcess = "github.com/fastmeter/fastmeter/cmd/fastmeter-demo/process"
	scopeVersion = "0.1.0"
)

// Names the console summary looks up.
const (
	requestCountName    = "http.server.request.count"
	activeRequestsName  = "http.server.active_requests"
	requestDurationName = "http.server.request.duration"
	goroutinesName      = "go.goroutine.count" // contrib runtime instrumentation
	memoryUsedName      = "go.memory.used"     // contrib runtime instrumentation
	cpuTimeName         = "process.cpu.time"
)

// requestDurationBounds are the OpenTelemetry semantic conventions'
// recommended buckets for HTTP durations, in seconds.
var requestDurationBounds = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// instruments holds the synchronous instruments of the service and its
// client. Together with the observable ones of runtime.go they cover every
// instrument kind of the API, in both number types.
type instruments struct {
	// Server side.
	requests       metric.Int64Counter         // http.server.request.count
	active         metric.Int64UpDownCounter   // http.server.active_requests
	duration       metric.Float64Histogram     // http.server.request.duration (+ exponential view)
	responseSize   metric.Int64Histogram       // http.server.response.body.size
	workDone       metric.Float64Counter       // demo.work.units: fractional work per request
	inventory      metric.Float64UpDownCounter // demo.inventory.weight: stock that goes up and down
	inventoryState *inventory                  // also observed as demo.inventory.value

	// Client side.
	targetRate metric.Float64Gauge // demo.client.target_rate
	workers    metric.Int64Gauge   // demo.client.workers
	clientErrs metric.Int64Counter // demo.client.errors
}

func newInstruments(mp metric.MeterProvider) (*instruments, error) {
	server := mp.Meter(scopeServer, metric.WithInstrumentationVersion(scopeVersion))
	client := mp.Meter(scopeClient, metric.WithInstrumentationVersion(scopeVersion))
	inst := &instruments{inventoryState: newInventory()}
	var errs []error
	check := func(err error) { errs = append(errs, err) }
	var err error

	inst.requests, err = server.Int64Counter(requestCountName, metric.WithUnit("{request}"),
		metric.WithDescription("HTTP requests served, by route, method and status code"))
	check(err)
	inst.active, err = server.Int64UpDownCounter(activeRequestsName, metric.WithUnit("{request}"),
		metric.WithDescription("HTTP requests being served right now"))
	check(err)
	inst.duration, err = server.Float64Histogram(requestDurationName, metric.WithUnit("s"),
		metric.WithDescription("Time to serve an HTTP request"),
		metric.WithExplicitBucketBoundaries(requestDurationBounds...))
	check(err)
	inst.responseSize, err = server.Int64Histogram("http.server.response.body.size", metric.WithUnit("By"),
		metric.WithDescription("Size of HTTP response bodies"))
	check(err)
	inst.workDone, err = server.Float64Counter("demo.work.units", metric.WithUnit("{unit}"),
		metric.WithDescription("Work performed by the handlers, in fractional units"))
	check(err)
	inst.inventory, err = server.Float64UpDownCounter("demo.inventory.weight", metric.WithUnit("kg"),
		metric.WithDescription("Stock on the shelves: checkouts take some, restocks add some"))
	check(err)
	if err == nil {
		inst.inventory.Add(context.Background(), inst.inventoryState.weight) // the opening stock
	}
	_, err = server.Float64ObservableUpDownCounter("demo.inventory.value", metric.WithUnit("{EUR}"),
		metric.WithDescription("Value of the stock, observed at each collection"),
		metric.WithFloat64Callback(inst.inventoryState.observeValue))
	check(err)
	_, err = server.Int64ObservableGauge("demo.inventory.pallets", metric.WithUnit("{pallet}"),
		metric.WithDescription("Pallets in use on the shelves, observed at each collection"),
		metric.WithInt64Callback(inst.inventoryState.observePallets))
	check(err)

	inst.targetRate, err = client.Float64Gauge("demo.client.target_rate", metric.WithUnit("{request}/s"),
		metric.WithDescription("Request rate the load generator aims for"))
	check(err)
	inst.workers, err = client.Int64Gauge("demo.client.workers", metric.WithUnit("{worker}"),
		metric.WithDescription("Concurrent client workers"))
	check(err)
	inst.clientErrs, err = client.Int64Counter("demo.client.errors", metric.WithUnit("{error}"),
		metric.WithDescription("Client requests that failed or got a 5xx"))
	check(err)

	check(registerRuntimeMetrics(mp))
	return inst, errors.Join(errs...)
}
