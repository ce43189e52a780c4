package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// recordingExporter is an Exporter that records what it is given and
// detects overlapping Export calls (the Exporter contract: the SDK never
// calls Export concurrently).
type recordingExporter struct {
	temporality sdkmetric.TemporalitySelector // nil = cumulative
	aggregation sdkmetric.AggregationSelector // nil = default
	// exportErr is returned by every Export.
	exportErr error
	// exported, if set, receives a summary of every export (the reader may
	// reuse rm); exports that find it full are not recorded.
	exported chan []exportedMetric
	// block, if set, makes Export wait until it is closed or ctx is done.
	block chan struct{}
	// hold, if set, makes every Export last this long, to widen the window
	// in which an overlapping call would be seen (it is not a timing
	// assertion).
	hold time.Duration

	inExport    atomic.Int32
	overlaps    atomic.Int32
	exports     atomic.Int32
	forceFlushs atomic.Int32
	shutdowns   atomic.Int32

	mu sync.Mutex
	// lastCounter is the value of the int64 sum "counter" in the most recent
	// export that had it; -1 before that.
	lastCounter int64
	sawCounter  bool
}

func (e *recordingExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	if e.temporality != nil {
		return e.temporality(k)
	}
	return metricdata.CumulativeTemporality
}

func (e *recordingExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	if e.aggregation != nil {
		return e.aggregation(k)
	}
	return sdkmetric.DefaultAggregationSelector(k)
}

// exportedMetric summarises one exported metric.
type exportedMetric struct {
	name   string
	kind   string // the metricdata type, e.g. "metricdata.Sum[int64]"
	points int
	value  float64 // the sum of the points' values for sums and gauges
}

func (e *recordingExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if e.inExport.Add(1) > 1 {
		e.overlaps.Add(1)
	}
	defer e.inExport.Add(-1)
	e.exports.Add(1)
	if e.hold > 0 {
		time.Sleep(e.hold)
	}
	if e.block != nil {
		select {
		case <-e.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// The reader may reuse rm after Export returns: read what is needed now.
	if e.exported != nil {
		var summary []exportedMetric
		for _, m := range flatten(*rm) {
			em := exportedMetric{name: m.Name, kind: fmt.Sprintf("%T", m.Data)}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				em.points = len(d.DataPoints)
				for _, p := range d.DataPoints {
					em.value += float64(p.Value)
				}
			case metricdata.Sum[float64]:
				em.points = len(d.DataPoints)
				for _, p := range d.DataPoints {
					em.value += p.Value
				}
			case metricdata.Gauge[int64]:
				em.points = len(d.DataPoints)
				for _, p := range d.DataPoints {
					em.value += float64(p.Value)
				}
			case metricdata.Histogram[float64]:
				em.points = len(d.DataPoints)
			}
			summary = append(summary, em)
		}
		select {
		case e.exported <- summary:
		default: // a full channel must not stall the reader; tests size it
		}
	}
	if m, ok := findMetric(flatten(*rm), "counter"); ok {
		if s, ok := m.Data.(metricdata.Sum[int64]); ok && len(s.DataPoints) == 1 {
			e.mu.Lock()
			e.lastCounter, e.sawCounter = s.DataPoints[0].Value, true
			e.mu.Unlock()
		}
	}
	return e.exportErr
}

func (e *recordingExporter) ForceFlush(context.Context) error {
	e.forceFlushs.Add(1)
	return nil
}

func (e *recordingExporter) Shutdown(context.Context) error {
	e.shutdowns.Add(1)
	return nil
}

func (e *recordingExporter) counter() (int64, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastCounter, e.sawCounter
}

// never is an export interval no test waits for: exports happen only on
// ForceFlush and Shutdown.
const never = time.Hour

func (s sdk) periodic(t *testing.T, cfg periodicConfig) periodicHarness {
	t.Helper()
	h := s.newPeriodic(cfg)
	t.Cleanup(func() { _ = h.shutdown(context.Background()) })
	return h
}

// TestPeriodicReaderLifecycle: ForceFlush exports, Shutdown makes a final
// collect+export and shuts the exporter down once, and everything after
// reports ErrReaderShutdown.
func TestPeriodicReaderLifecycle(t *testing.T) {
	ctx := context.Background()
	forEachSDK(t, func(t *testing.T, s sdk) {
		exp := &recordingExporter{}
		h := s.periodic(t, periodicConfig{exporter: exp, interval: never})
		c, _ := h.provider.Meter("periodic").Int64Counter("counter")

		c.Add(ctx, 3)
		if err := h.forceFlush(ctx); err != nil {
			t.Fatalf("ForceFlush: %v", err)
		}
		if v, ok := exp.counter(); !ok || v != 3 {
			t.Errorf("after ForceFlush the exporter saw counter = %v (seen %v), want 3", v, ok)
		}
		if n := exp.forceFlushs.Load(); n != 1 {
			t.Errorf("exporter ForceFlush called %d times, want 1", n)
		}

		c.Add(ctx, 4)
		if err := h.shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if v, _ := exp.counter(); v != 7 {
			t.Errorf("Shutdown's final export saw counter = %v, want 7", v)
		}
		if n := exp.exports.Load(); n != 2 {
			t.Errorf("Export called %d times, want 2 (ForceFlush, Shutdown)", n)
		}
		if n := exp.shutdowns.Load(); n != 1 {
			t.Errorf("exporter Shutdown called %d times, want 1", n)
		}

		if err := h.readerFlush(ctx); !errors.Is(err, sdkmetric.ErrReaderShutdown) {
			t.Errorf("ForceFlush after Shutdown = %v, want ErrReaderShutdown", err)
		}
		var rm metricdata.ResourceMetrics
		if err := h.readerCollect(ctx, &rm); !errors.Is(err, sdkmetric.ErrReaderShutdown) {
			t.Errorf("Collect after Shutdown = %v, want ErrReaderShutdown", err)
		}
		if err := h.readerShutdown(ctx); !errors.Is(err, sdkmetric.ErrReaderShutdown) {
			t.Errorf("second Shutdown = %v, want ErrReaderShutdown", err)
		}
		if n := exp.shutdowns.Load(); n != 1 {
			t.Errorf("exporter Shutdown called %d times after a second Shutdown, want 1", n)
		}
	})
}

// TestPeriodicReaderContext: ForceFlush and Shutdown return when their
// context ends even if the exporter is stuck, and WithTimeout bounds an
// export.
func TestPeriodicReaderContext(t *testing.T) {
	forEachSDK(t, func(t *testing.T, s sdk) {
		run(t, "ForceFlush", func(t *testing.T) {
			exp := &recordingExporter{block: make(chan struct{})}
			h := s.periodic(t, periodicConfig{exporter: exp, interval: never})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			if err := h.forceFlush(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("ForceFlush with a stuck exporter = %v, want DeadlineExceeded", err)
			}
			close(exp.block) // unstick the export so Shutdown can finish
		})
		run(t, "Shutdown", func(t *testing.T) {
			exp := &recordingExporter{block: make(chan struct{})}
			h := s.periodic(t, periodicConfig{exporter: exp, interval: never})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			if err := h.shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Shutdown with a stuck exporter = %v, want DeadlineExceeded", err)
			}
			if n := exp.shutdowns.Load(); n != 1 {
				t.Errorf("exporter Shutdown called %d times, want 1 even when the final export fails", n)
			}
		})
		run(t, "WithTimeout", func(t *testing.T) {
			exp := &recordingExporter{block: make(chan struct{})}
			defer close(exp.block)
			h := s.periodic(t, periodicConfig{exporter: exp, interval: never, timeout: 10 * time.Millisecond})
			if err := h.forceFlush(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("ForceFlush past WithTimeout = %v, want DeadlineExceeded", err)
			}
		})
		run(t, "cancelled context", func(t *testing.T) {
			exp := &recordingExporter{}
			h := s.periodic(t, periodicConfig{exporter: exp, interval: never})
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			// With nothing stuck, a flush racing the cancellation may
			// legitimately win: the official reader selects at random
			// between its flush channel and ctx.Done. Either outcome is
			// fine; any other error is not.
			if err := h.forceFlush(ctx); err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("ForceFlush(cancelled ctx) = %v, want nil or Canceled", err)
			}
		})
	})
}

// TestExportNeverConcurrent: a short interval, many concurrent ForceFlush
// calls and writers, then Shutdown: Export must never overlap itself, and
// the final export holds exactly everything that was added.
func TestExportNeverConcurrent(t *testing.T) {
	const (
		flushers       = 4
		flushesEach    = 10
		writers        = 4
		addsPerWriter  = 500
		wantFinalCount = writers * addsPerWriter
	)
	forEachSDK(t, func(t *testing.T, s sdk) {
		exp := &recordingExporter{hold: time.Millisecond}
		h := s.periodic(t, periodicConfig{exporter: exp, interval: time.Millisecond})
		c, _ := h.provider.Meter("overlap").Int64Counter("counter")
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				for range addsPerWriter {
					c.Add(context.Background(), 1)
				}
			})
		}
		for range flushers {
			wg.Go(func() {
				for range flushesEach {
					_ = h.forceFlush(context.Background())
				}
			})
		}
		wg.Wait()
		if err := h.shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if n := exp.overlaps.Load(); n != 0 {
			t.Errorf("Export was called concurrently %d times", n)
		}
		if n := exp.exports.Load(); n < flushers*flushesEach {
			t.Errorf("Export called %d times, want at least one per ForceFlush (%d)", n, flushers*flushesEach)
		}
		if v, _ := exp.counter(); v != wantFinalCount {
			t.Errorf("final export counter = %d, want %d", v, wantFinalCount)
		}
	})
}

// lockedBuffer is an io.Writer safe for the reader's goroutine and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// recordSample records the data the export tests look for.
func recordSample(t *testing.T, mp metric.MeterProvider) {
	t.Helper()
	ctx := context.Background()
	meter := mp.Meter("export", metric.WithInstrumentationVersion("v0.1.0"))
	c, err := meter.Int64Counter("requests", metric.WithUnit("{request}"), metric.WithDescription("served"))
	if err != nil {
		t.Fatal(err)
	}
	c.Add(ctx, 3, metric.WithAttributes(attribute.String("code", "200")))
	h, err := meter.Float64Histogram("latency", metric.WithUnit("s"))
	if err != nil {
		t.Fatal(err)
	}
	h.Record(ctx, 1.5)
}

// TestStdoutExporter: the official stdoutmetric exporter behind the
// PeriodicReader; its JSON decodes to the expected data, and (without
// timestamps) every SDK writes the same document as the official one.
func TestStdoutExporter(t *testing.T) {
	documents := map[string]any{}
	forEachSDK(t, func(t *testing.T, s sdk) {
		var out lockedBuffer
		exp, err := stdoutmetric.New(stdoutmetric.WithWriter(&out), stdoutmetric.WithoutTimestamps())
		if err != nil {
			t.Fatal(err)
		}
		h := s.periodic(t, periodicConfig{exporter: exp, interval: never})
		recordSample(t, h.provider)
		if err := h.shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}

		// The fields this test checks, as stdoutmetric encodes
		// metricdata.ResourceMetrics.
		var doc struct {
			ScopeMetrics []struct {
				Scope   struct{ Name, Version string }
				Metrics []struct {
					Name, Description, Unit string
					Data                    struct {
						DataPoints []struct {
							Attributes []struct {
								Key   string
								Value struct{ Type, Value any }
							}
							Value        *float64
							Count        *uint64
							Sum          *float64
							Bounds       []float64
							BucketCounts []uint64
						}
						Temporality string
						IsMonotonic bool
					}
				}
			}
		}
		raw := out.Bytes()
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("decoding stdoutmetric output: %v\n%s", err, raw)
		}
		if len(doc.ScopeMetrics) != 1 || doc.ScopeMetrics[0].Scope.Name != "export" || doc.ScopeMetrics[0].Scope.Version != "v0.1.0" {
			t.Fatalf("scope metrics = %+v", doc.ScopeMetrics)
		}
		metrics := doc.ScopeMetrics[0].Metrics
		if len(metrics) != 2 {
			t.Fatalf("want 2 metrics, got %+v", metrics)
		}
		req, lat := metrics[0], metrics[1]
		if req.Name != "requests" || req.Unit != "{request}" || req.Description != "served" ||
			!req.Data.IsMonotonic || req.Data.Temporality != "CumulativeTemporality" ||
			len(req.Data.DataPoints) != 1 || req.Data.DataPoints[0].Value == nil || *req.Data.DataPoints[0].Value != 3 ||
			len(req.Data.DataPoints[0].Attributes) != 1 || req.Data.DataPoints[0].Attributes[0].Key != "code" {
			t.Errorf("requests metric decoded as %+v", req)
		}
		if lat.Name != "latency" || len(lat.Data.DataPoints) != 1 ||
			*lat.Data.DataPoints[0].Count != 1 || *lat.Data.DataPoints[0].Sum != 1.5 ||
			!reflect.DeepEqual(lat.Data.DataPoints[0].Bounds, defaultBounds) {
			t.Errorf("latency metric decoded as %+v", lat)
		}

		var generic any
		if err := json.Unmarshal(raw, &generic); err != nil {
			t.Fatal(err)
		}
		documents[s.name] = generic
		if ref, ok := documents["official"]; ok && s.name != "official" && !reflect.DeepEqual(ref, generic) {
			t.Errorf("stdoutmetric output differs from the official SDK's:\n%s", raw)
		}
	})
}

// otlpReceiver is an in-process OTLP/HTTP metrics endpoint.
type otlpReceiver struct {
	mu       sync.Mutex
	requests []*colmetricpb.ExportMetricsServiceRequest
}

func (r *otlpReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil || req.URL.Path != "/v1/metrics" || req.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	msg := &colmetricpb.ExportMetricsServiceRequest{}
	if err := proto.Unmarshal(body, msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.requests = append(r.requests, msg)
	r.mu.Unlock()
	resp, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

// metrics returns every metric received, by name.
func (r *otlpReceiver) metrics() (map[string]*metricpb.Metric, []*metricpb.ResourceMetrics) {
	r.mu.Lock()
	defer r.mu.Unlock()
	byName := map[string]*metricpb.Metric{}
	var resources []*metricpb.ResourceMetrics
	for _, req := range r.requests {
		for _, rm := range req.GetResourceMetrics() {
			resources = append(resources, rm)
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					byName[sm.GetScope().GetName()+"/"+m.GetName()] = m
				}
			}
		}
	}
	return byName, resources
}

// TestOTLPHTTPExporter: the official otlpmetrichttp exporter behind the
// PeriodicReader delivers the data to an OTLP/HTTP receiver.
func TestOTLPHTTPExporter(t *testing.T) {
	forEachSDK(t, func(t *testing.T, s sdk) {
		receiver := &otlpReceiver{}
		srv := httptest.NewServer(receiver)
		defer srv.Close()
		exp, err := otlpmetrichttp.New(context.Background(),
			otlpmetrichttp.WithEndpointURL(srv.URL+"/v1/metrics"),
			otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: false}))
		if err != nil {
			t.Fatal(err)
		}
		h := s.periodic(t, periodicConfig{exporter: exp, interval: never})
		recordSample(t, h.provider)
		if err := h.forceFlush(context.Background()); err != nil {
			t.Fatalf("ForceFlush: %v", err)
		}
		if err := h.shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}

		byName, resources := receiver.metrics()
		if len(resources) != 2 {
			t.Errorf("receiver got %d resource metrics, want 2 (ForceFlush, Shutdown)", len(resources))
		}
		for _, rm := range resources {
			var service string
			for _, kv := range rm.GetResource().GetAttributes() {
				if kv.GetKey() == "service.name" {
					service = kv.GetValue().GetStringValue()
				}
			}
			if service == "" {
				t.Errorf("resource without service.name: %v", rm.GetResource())
			}
		}
		req := byName["export/requests"]
		if sum := req.GetSum(); sum == nil || !sum.GetIsMonotonic() ||
			sum.GetAggregationTemporality() != metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE ||
			len(sum.GetDataPoints()) != 1 || sum.GetDataPoints()[0].GetAsInt() != 3 ||
			req.GetUnit() != "{request}" || req.GetDescription() != "served" {
			t.Errorf("requests = %v", req)
		}
		lat := byName["export/latency"]
		if hist := lat.GetHistogram(); hist == nil || len(hist.GetDataPoints()) != 1 ||
			hist.GetDataPoints()[0].GetCount() != 1 || hist.GetDataPoints()[0].GetSum() != 1.5 ||
			!reflect.DeepEqual(hist.GetDataPoints()[0].GetExplicitBounds(), defaultBounds) {
			t.Errorf("latency = %v", lat)
		}
		if p := req.GetSum().GetDataPoints(); len(p) == 1 && p[0].GetStartTimeUnixNano() == 0 {
			t.Errorf("requests point has no start time")
		}
	})
}

// TestPeriodicReaderConcurrentShutdown: Shutdown called from several
// goroutines at once (while others ForceFlush): exactly one call succeeds,
// the others report ErrReaderShutdown, the exporter is shut down once, and
// nothing is exported after Shutdown returned.
func TestPeriodicReaderConcurrentShutdown(t *testing.T) {
	const callers = 4
	forEachSDK(t, func(t *testing.T, s sdk) {
		exp := &recordingExporter{}
		h := s.periodic(t, periodicConfig{exporter: exp, interval: time.Millisecond})
		c, _ := h.provider.Meter("shutdown").Int64Counter("counter")
		c.Add(context.Background(), 1)
		var wg sync.WaitGroup
		var ok, alreadyShutdown atomic.Int32
		for range callers {
			wg.Go(func() {
				switch err := h.shutdown(context.Background()); {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, sdkmetric.ErrReaderShutdown):
					alreadyShutdown.Add(1)
				default:
					t.Errorf("Shutdown: %v", err)
				}
			})
			wg.Go(func() { _ = h.forceFlush(context.Background()) })
		}
		wg.Wait()
		if ok.Load() != 1 || alreadyShutdown.Load() != callers-1 {
			t.Errorf("%d Shutdown calls succeeded and %d returned ErrReaderShutdown, want 1 and %d", ok.Load(), alreadyShutdown.Load(), callers-1)
		}
		if n := exp.shutdowns.Load(); n != 1 {
			t.Errorf("exporter Shutdown called %d times, want 1", n)
		}
		if exp.overlaps.Load() != 0 {
			t.Errorf("Export called concurrently")
		}
		if v, _ := exp.counter(); v != 1 {
			t.Errorf("last export counter = %d, want 1", v)
		}
		exportsAtShutdown := exp.exports.Load()
		// Give a (wrongly) still-running ticker many intervals to export.
		time.Sleep(20 * time.Millisecond)
		if n := exp.exports.Load(); n != exportsAtShutdown {
			t.Errorf("%d exports after Shutdown returned", n-exportsAtShutdown)
		}
	})
}
