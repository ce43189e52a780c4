package main

import (
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// maxWorkers bounds the client's concurrency (and the demo's CPU use).
const maxWorkers = 8

// routeWeights is how often the client calls each route, in routes order.
var routeWeights = []float64{0.35, 0.25, 0.2, 0.15, 0.05}

// runClient drives the service until ctx ends, at a target rate that
// follows a slow wave between 20 and 80 requests per second.
func runClient(ctx context.Context, baseURL string, inst *instruments) {
	transport := &http.Transport{MaxIdleConnsPerHost: maxWorkers}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 5 * time.Second}

	tokens := make(chan struct{}, maxWorkers)
	var busy atomic.Int64
	var wg sync.WaitGroup
	for range maxWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tokens:
				}
				busy.Add(1)
				call(ctx, client, baseURL, inst)
				busy.Add(-1)
			}
		}()
	}
	pace(ctx, tokens, &busy, inst)
	wg.Wait()
}

// pace hands out one token per request to send, at the target rate. When
// every worker is busy the token is dropped: the client never queues up.
func pace(ctx context.Context, tokens chan<- struct{}, busy *atomic.Int64, inst *instruments) {
	start := time.Now()
	last := start
	ticker := time.NewTicker(10 * time.Millisecond)
	defer ticker.Stop()
	var budget float64
	for {
		var now time.Time
		select {
		case <-ctx.Done():
			return
		case now = <-ticker.C:
		}
		rate := 50 + 30*math.Sin(now.Sub(start).Seconds()/30*2*math.Pi)
		inst.targetRate.Record(ctx, rate)
		inst.workers.Record(ctx, busy.Load(), metric.WithAttributes(attribute.String("state", "busy")))
		budget += rate * now.Sub(last).Seconds()
		last = now
		for budget >= 1 {
			budget--
			select {
			case tokens <- struct{}{}:
			default:
				budget = 0
			}
		}
	}
}

// call sends one request to a route chosen by routeWeights.
func call(ctx context.Context, client *http.Client, baseURL string, inst *instruments) {
	rt := pickRoute()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+rt.path, nil)
	if err != nil {
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			inst.clientErrs.Add(context.WithoutCancel(ctx), 1, metric.WithAttributes(
				attribute.String("http.route", rt.path), attribute.String("error.type", "transport")))
		}
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode >= 500 {
		inst.clientErrs.Add(ctx, 1, metric.WithAttributes(
			attribute.String("http.route", rt.path), attribute.String("error.type", resp.Status)))
	}
}

func pickRoute() route {
	x := rand.Float64()
	for i, w := range routeWeights {
		if x < w {
			return routes[i]
		}
		x -= w
	}
	return routes[len(routes)-1]
}
