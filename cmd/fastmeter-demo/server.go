package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// route is one endpoint of the demo service and how it behaves.
type route struct {
	path      string
	median    time.Duration // typical latency
	errorRate float64       // share of requests answered with 500
	body      int           // typical response size in bytes
	work      float64       // work units per request
	stock     float64       // kg taken (negative) or added per request
}

var routes = []route{
	{path: "/api/products", median: 4 * time.Millisecond, body: 8000, work: 0.2},
	{path: "/api/search", median: 15 * time.Millisecond, errorRate: 0.01, body: 3000, work: 1.5},
	{path: "/api/cart", median: 8 * time.Millisecond, body: 600, work: 0.5},
	{path: "/api/checkout", median: 40 * time.Millisecond, errorRate: 0.04, body: 300, work: 3, stock: -1.25},
	{path: "/api/restock", median: 25 * time.Millisecond, body: 100, work: 2, stock: 30},
}

// newMux serves the demo API, the live page and the Prometheus endpoint.
func newMux(inst *instruments, tel *telemetry) *http.ServeMux {
	mux := http.NewServeMux()
	started := time.Now()
	for _, rt := range routes {
		mux.Handle("GET "+rt.path, instrumented(inst, rt.path, rt.handler(inst, started)))
	}
	mux.Handle("GET /debug/metricz", tel.metricz)
	if tel.disabled {
		// The exporter was never registered: say why there is nothing, in
		// the exposition format (a comment), rather than fail the scrape.
		mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
			_, _ = io.WriteString(w, "# OTEL_SDK_DISABLED=true: the SDK is disabled, nothing is recorded\n")
		})
	} else {
		mux.Handle("GET /metrics", tel.prometheus)
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><meta charset="utf-8"><title>fastmeter demo</title>
<h1>fastmeter demo</h1><ul>
<li><a href="/debug/metricz">/debug/metricz</a>: the live metrics page</li>
<li><a href="/metrics">/metrics</a>: Prometheus exposition</li>
<li><a href="/debug/metricz?format=json">/debug/metricz?format=json</a>: the same data for scripts</li>
</ul>`)
	})
	return mux
}

// handler simulates the route's work: a log-normal latency whose median
// drifts slowly over time, so that the page's sparklines have a shape.
func (rt route) handler(inst *instruments, started time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		elapsed := time.Since(started).Seconds()
		drift := 1 + 0.5*math.Sin(elapsed/20*2*math.Pi) // ±50% over 20 s
		latency := time.Duration(float64(rt.median) * drift * math.Exp(rand.NormFloat64()*0.5))
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
		inst.workDone.Add(r.Context(), rt.work*(0.5+rand.Float64()))
		if rt.stock != 0 {
			taken := inst.inventoryState.move(rt.stock)
			inst.inventory.Add(r.Context(), taken)
		}
		if rand.Float64() < rt.errorRate {
			http.Error(w, "simulated failure", http.StatusInternalServerError)
			return
		}
		size := int(float64(rt.body) * (0.5 + rand.ExpFloat64()))
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(size))
		_, _ = w.Write(make([]byte, size))
	}
}

// instrumented records the server-side metrics of every request: the
// in-flight count around the handler, then count, duration and size with
// the route, method and status as attributes.
func instrumented(inst *instruments, path string, next http.Handler) http.Handler {
	routeAttr := attribute.String("http.route", path)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		method := attribute.String("http.request.method", r.Method)
		inFlight := metric.WithAttributes(method)
		inst.active.Add(ctx, 1, inFlight)
		defer inst.active.Add(context.WithoutCancel(ctx), -1, inFlight)

		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		// Measurements use a context that outlives the request: a client
		// that hung up still counts.
		ctx = context.WithoutCancel(ctx)
		attrs := metric.WithAttributeSet(attribute.NewSet(routeAttr, method,
			attribute.Int("http.response.status_code", rec.status)))
		inst.requests.Add(ctx, 1, attrs)
		inst.duration.Record(ctx, time.Since(start).Seconds(), attrs)
		inst.responseSize.Record(ctx, rec.bytes, attrs)
	})
}

// statusRecorder remembers the status code and body size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// WriteHeader records the status code and sends it.
func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Write counts the body bytes and sends them.
func (s *statusRecorder) Write(b []byte) (int, error) {
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// inventory is the demo's bit of business state, measured both by a
// synchronous up-down counter (every change) and an observable one (its
// value at collection time).
type inventory struct {
	mu     sync.Mutex
	weight float64 // kg on the shelves
}

const pricePerKg = 12.5

func newInventory() *inventory { return &inventory{weight: 500} }

// move adds delta kg (or takes -delta, never more than what is left) and
// returns the change actually made.
func (inv *inventory) move(delta float64) float64 {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.weight+delta < 0 {
		delta = -inv.weight
	}
	inv.weight += delta
	return delta
}

func (inv *inventory) observeValue(_ context.Context, o metric.Float64Observer) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	o.Observe(inv.weight * pricePerKg)
	return nil
}

// kgPerPallet is how much one pallet on the shelves holds.
const kgPerPallet = 50

// observePallets reports the pallets in use: whole pallets, rounded up.
func (inv *inventory) observePallets(_ context.Context, o metric.Int64Observer) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	o.Observe(int64(math.Ceil(inv.weight / kgPerPallet)))
	return nil
}
