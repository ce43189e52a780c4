package metricz

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	sdkmetric "github.com/fastmeter/fastmeter"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// maxFilterLen bounds the filter query parameter.
const maxFilterLen = 256

// Handler is an http.Handler that serves the live metrics page, and the
// Reader that feeds it: pass the same value to the provider,
//
//	h := metricz.New()
//	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h))
//	mux.Handle("/debug/metricz", h)
//
// It serves GET and HEAD:
//
//	(no query)        the HTML page, which refreshes itself
//	?format=json      the same data as JSON
//	?filter=text      only instruments or series whose names, units,
//	                  descriptions or attributes contain text
//
// Any other query parameter is answered with 400 Bad Request.
//
// The Handler collects from its Reader every interval (see WithInterval)
// from New until Shutdown, always with cumulative temporality, whatever the
// other readers of the provider use. The embedded Reader's Collect method
// stays usable but bypasses the page's history; use Refresh to collect
// into the page on demand.
type Handler struct {
	// Reader is the Handler's dedicated reader. It is embedded so that the
	// Handler itself can be passed to sdkmetric.WithReader.
	sdkmetric.Reader

	cfg config

	collectMu sync.Mutex                 // serialises collections
	rm        metricdata.ResourceMetrics // reused by every collection; guarded by collectMu
	reported  string                     // last collection error sent to otel.Handle; guarded by collectMu

	mu     sync.Mutex // guards store and cached
	store  *store
	cached cachedJSON // unfiltered JSON of the latest collection

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

// cachedJSON is the encoded unfiltered snapshot of one collection, built on
// the first request after the collection so that nobody pays for encoding
// when nobody looks.
type cachedJSON struct {
	gen  uint64
	body []byte
}

// New returns a Handler with its own Reader and starts its collection loop.
// Pass the Handler to sdkmetric.WithReader, mount it on an http.ServeMux,
// and call Shutdown (the provider's Shutdown does it) to stop the loop.
func New(opts ...Option) *Handler {
	cfg := newConfig(opts)
	readerOpts := []sdkmetric.ManualReaderOption{
		sdkmetric.WithTemporalitySelector(func(sdkmetric.InstrumentKind) metricdata.Temporality {
			return metricdata.CumulativeTemporality
		}),
	}
	for _, p := range cfg.producers {
		readerOpts = append(readerOpts, sdkmetric.WithProducer(p))
	}
	if cfg.filter != nil {
		readerOpts = append(readerOpts, sdkmetric.WithMetricFilter(cfg.filter))
	}
	h := &Handler{
		Reader: sdkmetric.NewManualReader(readerOpts...),
		cfg:    cfg,
		store:  newStore(cfg.maxSeries, cfg.history),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	go h.loop()
	return h
}

// loop collects every interval until Shutdown. A collection that takes
// longer than the interval delays the next one instead of piling up.
func (h *Handler) loop() {
	defer close(h.done)
	ticker := time.NewTicker(h.cfg.interval)
	defer ticker.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-ticker.C:
			err := h.Refresh(context.Background())
			if errors.Is(err, sdkmetric.ErrReaderShutdown) {
				return
			}
		}
	}
}

// Refresh collects from the Reader now and records the result in the
// page's history, as the collection loop does every interval. The
// collection ends with ctx or after the collect timeout (see
// WithCollectTimeout), whichever comes first, so a hanging callback never
// holds it, nor the page, for longer. Errors of
// the collection are returned, reported once through otel.Handle and shown
// on the page; data collected despite them is kept.
func (h *Handler) Refresh(ctx context.Context) error {
	h.collectMu.Lock()
	defer h.collectMu.Unlock()

	// A deadline lets the SDK abandon a callback that does not return; an
	// HTTP request's or a caller's context usually has none.
	ctx, cancel := context.WithTimeout(ctx, h.cfg.collectTimeout)
	defer cancel()
	err := h.Reader.Collect(ctx, &h.rm)
	now := time.Now()
	var shown string
	switch {
	case errors.Is(err, sdkmetric.ErrReaderNotRegistered):
		shown = "waiting for the MeterProvider: pass this Handler to sdkmetric.WithReader"
	case errors.Is(err, sdkmetric.ErrReaderShutdown):
		return err // keep showing the last collection
	case err != nil:
		shown = err.Error()
		if shown != h.reported {
			otel.Handle(fmt.Errorf("metricz: collect: %w", err))
		}
	}
	h.reported = shown

	h.mu.Lock()
	h.store.apply(&h.rm, now, shown)
	h.mu.Unlock()
	return err
}

// Shutdown stops the collection loop and shuts the Reader down. The page
// keeps serving the last collected data.
func (h *Handler) Shutdown(ctx context.Context) error {
	h.stopOnce.Do(func() { close(h.stop) })
	// The Reader first: a collection in progress then ends promptly, and the
	// loop never waits on the provider that is calling this method.
	err := h.Reader.Shutdown(ctx)
	select {
	case <-h.done:
	case <-ctx.Done():
		return errors.Join(err, ctx.Err())
	}
	return err
}

// ServeHTTP serves the page or its JSON; see Handler for the query
// parameters.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "metricz: method "+r.Method+" not allowed; use GET", http.StatusMethodNotAllowed)
		return
	}
	req, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	body, err := h.snapshotJSON(req.filter)
	if err != nil {
		otel.Handle(fmt.Errorf("metricz: encode: %w", err))
		http.Error(w, "metricz: cannot encode the metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if req.json {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(body)
		return
	}
	nonce := newNonce()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; connect-src 'self'; img-src 'self' data:; "+
		"script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+"'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
	var page bytes.Buffer
	if err := renderPage(&page, nonce, body); err != nil {
		otel.Handle(fmt.Errorf("metricz: render page: %w", err))
		http.Error(w, "metricz: cannot render the page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(page.Bytes())
}

// pageRequest is a validated query.
type pageRequest struct {
	json   bool
	filter string
}

// parseQuery accepts exactly the documented parameters, so that a typo
// (?formt=json) is an error rather than a silently different answer.
func parseQuery(raw string) (pageRequest, error) {
	var req pageRequest
	values, err := url.ParseQuery(raw)
	if err != nil {
		return req, fmt.Errorf("metricz: malformed query: %v", err)
	}
	for name, vals := range values {
		switch name {
		case "format", "filter":
			if len(vals) > 1 {
				return req, fmt.Errorf("metricz: query parameter %q given %d times; give it once", name, len(vals))
			}
		default:
			return req, fmt.Errorf("metricz: unknown query parameter %q; accepted: format=html|json, filter=<text>", name)
		}
	}
	switch f := values.Get("format"); f {
	case "", "html":
	case "json":
		req.json = true
	default:
		return req, fmt.Errorf("metricz: unknown format %q; accepted: html, json", f)
	}
	req.filter = values.Get("filter")
	if len(req.filter) > maxFilterLen {
		return req, fmt.Errorf("metricz: filter is %d bytes long; the limit is %d", len(req.filter), maxFilterLen)
	}
	return req, nil
}

// snapshotJSON returns the encoded snapshot for filter. The unfiltered one
// is encoded once per collection and shared by every request.
func (h *Handler) snapshotJSON(filter string) ([]byte, error) {
	h.mu.Lock()
	if filter == "" && h.cached.body != nil && h.cached.gen == h.store.gen {
		body := h.cached.body
		h.mu.Unlock()
		return body, nil
	}
	gen := h.store.gen
	snap := h.store.snapshot(h.cfg.interval, filter)
	if gen == 0 {
		snap.Status = "waiting for the first collection"
	}
	h.mu.Unlock()

	// encoding/json escapes <, > and & so the result is safe inside a
	// <script> element.
	body, err := json.Marshal(snap)
	if err != nil {
		return nil, err
	}
	if filter == "" {
		h.mu.Lock()
		if gen >= h.cached.gen {
			h.cached = cachedJSON{gen: gen, body: body}
		}
		h.mu.Unlock()
	}
	return body, nil
}

func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}
