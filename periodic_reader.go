package fastmeter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter/internal/globallog"
	"github.com/fastmeter/fastmeter/internal/selfobs"
)

const (
	defaultExportInterval = 60 * time.Second
	defaultExportTimeout  = 30 * time.Second
)

// periodicSettings is what PeriodicReaderOptions build.
type periodicSettings struct {
	readerSettings
	interval time.Duration
	timeout  time.Duration
	maxBatch int
}

type periodicOptionFunc func(periodicSettings) periodicSettings

func (f periodicOptionFunc) applyPeriodic(s periodicSettings) periodicSettings { return f(s) }

// WithInterval sets the time between the starts of two exports. It
// overrides OTEL_METRIC_EXPORT_INTERVAL; zero or negative keeps the default
// of 60 seconds.
func WithInterval(d time.Duration) PeriodicReaderOption {
	return periodicOptionFunc(func(s periodicSettings) periodicSettings {
		if d > 0 {
			s.interval = d
		} else {
			globallog.Warn(fmt.Sprintf("fastmeter: WithInterval(%v) is not positive; ignored (OTEL_METRIC_EXPORT_INTERVAL or the default %v applies)", d, defaultExportInterval))
		}
		return s
	})
}

// WithTimeout bounds one periodic collect-and-export (each batch of a split
// export separately), and those of ForceFlush and Shutdown when the caller's
// context has no deadline. A caller's deadline is used instead of it, even a
// later one, as in the official SDK. It overrides
// OTEL_METRIC_EXPORT_TIMEOUT; zero or negative keeps the default of 30
// seconds.
func WithTimeout(d time.Duration) PeriodicReaderOption {
	return periodicOptionFunc(func(s periodicSettings) periodicSettings {
		if d > 0 {
			s.timeout = d
		} else {
			globallog.Warn(fmt.Sprintf("fastmeter: WithTimeout(%v) is not positive; ignored (OTEL_METRIC_EXPORT_TIMEOUT or the default %v applies)", d, defaultExportTimeout))
		}
		return s
	})
}

// WithMaxExportBatchSize caps the number of data points passed to one
// Export call: a larger collection is exported in several calls, one after
// the other. Zero or negative (the default) means no cap.
func WithMaxExportBatchSize(size int) PeriodicReaderOption {
	return periodicOptionFunc(func(s periodicSettings) periodicSettings {
		s.maxBatch = size
		return s
	})
}

// durationFromEnv reads a millisecond duration; invalid values are reported
// and replaced by def.
func durationFromEnv(name string, def time.Duration) time.Duration {
	raw, ok := os.LookupEnv(name)
	if !ok || strings.TrimSpace(raw) == "" {
		return def
	}
	ms, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil || ms <= 0 {
		// The official SDK logs an invalid duration variable as an error of
		// the global logger.
		globallog.Error(fmt.Errorf("fastmeter: %s=%q is not a positive number of milliseconds; using %v", name, raw, def), "invalid duration", "environment variable", name, "value", raw)
		return def
	}
	return time.Duration(ms) * time.Millisecond
}

// PeriodicReader collects and exports metric data to an Exporter at a fixed
// interval. Export is never called concurrently; ForceFlush and Shutdown
// return by their deadline even if the exporter hangs; a panicking exporter
// is contained (the error is reported and the next interval exports);
// Shutdown performs a final collect and export.
type PeriodicReader struct {
	readerCore
	exporter Exporter
	interval time.Duration
	timeout  time.Duration
	maxBatch int

	// exporting holds one token: whoever holds it may collect into rm and
	// call the exporter. This is what keeps Export calls sequential, and rm
	// is not reused before the exporter has returned.
	exporting chan struct{}
	rm        metricdata.ResourceMetrics
	// exporterCall is the same kind of token for the exporter's ForceFlush
	// and Shutdown: one that never returns strands one goroutine, and
	// later calls wait for it (bounded by their context) instead of
	// stranding more.
	exporterCall chan struct{}

	stop     chan struct{}
	loopDone chan struct{}
	start    sync.Once
	stopOnce sync.Once
}

var _ Reader = (*PeriodicReader)(nil)

// constructed reports whether r comes from NewPeriodicReader. The zero
// value is safe to use, as the official SDK's (whose Shutdown panics): it is
// never registered, Collect returns ErrReaderNotRegistered, ForceFlush waits
// for ctx's deadline (or the reader's zero timeout, that is, none) and
// returns its error like the official one, and Shutdown returns nil, then
// ErrReaderShutdown.
func (r *PeriodicReader) constructed() bool { return r.stop != nil }

// NewPeriodicReader returns a Reader that collects and exports to exporter
// every interval (default 60 s, or OTEL_METRIC_EXPORT_INTERVAL), cancelling
// an attempt after the timeout (default 30 s, or OTEL_METRIC_EXPORT_TIMEOUT).
// The exporter chooses temporality and aggregation per instrument kind.
func NewPeriodicReader(exporter Exporter, options ...PeriodicReaderOption) *PeriodicReader {
	s := periodicSettings{readerSettings: defaultReaderSettings()}
	for _, o := range options {
		if o != nil {
			s = o.applyPeriodic(s)
		}
	}
	// The environment is read only for what no option set, so a variable
	// that an option overrides is neither used nor warned about.
	if s.interval == 0 {
		s.interval = durationFromEnv("OTEL_METRIC_EXPORT_INTERVAL", defaultExportInterval)
	}
	if s.timeout == 0 {
		s.timeout = durationFromEnv("OTEL_METRIC_EXPORT_TIMEOUT", defaultExportTimeout)
	}
	if exporter == nil {
		globallog.Error(errors.New("fastmeter: NewPeriodicReader called with a nil Exporter; the reader will collect but export nothing"), "invalid exporter")
	} else {
		s.temporality = exporter.Temporality
		s.aggregation = exporter.Aggregation
	}
	return &PeriodicReader{
		readerCore: readerCore{cfg: s.readerSettings,
			obs: selfobs.NewReader(selfobs.PeriodicReaderType, selfobs.NextID(selfobs.PeriodicReaderType))},
		exporter:     exporter,
		interval:     s.interval,
		timeout:      s.timeout,
		maxBatch:     s.maxBatch,
		exporting:    make(chan struct{}, 1),
		exporterCall: make(chan struct{}, 1),
		stop:         make(chan struct{}),
		loopDone:     make(chan struct{}),
	}
}

// errZeroPeriodicReader is why a zero PeriodicReader is not registered:
// it has no exporter to export to.
var errZeroPeriodicReader = errors.New("fastmeter: a zero PeriodicReader (not from NewPeriodicReader) has no exporter; the provider goes on without it")

func (r *PeriodicReader) register(s source) error {
	if !r.constructed() {
		return errZeroPeriodicReader
	}
	if err := r.readerCore.register(s); err != nil {
		return err
	}
	r.start.Do(func() { go r.loop() })
	return nil
}

func (r *PeriodicReader) loop() {
	defer close(r.loopDone)
	ticker := time.NewTicker(r.interval)
	defer ticker.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-ticker.C:
			cx, cancel := r.timeoutContexts(context.Background())
			if err := r.collectAndExport(cx.collect, cx); err != nil {
				otel.Handle(err) // as it is, as the official SDK hands it over
			}
			cancel()
		}
	}
}

// exportContexts says which context bounds each step of one collect and
// export, following the official SDK: collect (and an export in one call)
// run under collect; when WithMaxExportBatchSize splits the collection, each
// batch gets a context of its own from batch.
type exportContexts struct {
	collect context.Context
	batch   func() (context.Context, context.CancelFunc)
}

// timeoutContexts bounds the collection and every batch by the reader's
// timeout, each counted from its own start, as the official SDK does for
// periodic exports and ForceFlush.
func (r *PeriodicReader) timeoutContexts(parent context.Context) (exportContexts, context.CancelFunc) {
	collect, cancel := context.WithTimeout(parent, r.timeout)
	return exportContexts{
		collect: collect,
		batch:   func() (context.Context, context.CancelFunc) { return context.WithTimeout(parent, r.timeout) },
	}, cancel
}

// collectAndExport collects and exports while holding the export token, in
// a goroutine of its own (see callBounded), so that the caller returns when
// wait ends even if the exporter does not, and a panicking exporter is
// contained. The export keeps the token until it returns, so the next one
// never overlaps it.
func (r *PeriodicReader) collectAndExport(wait context.Context, cx exportContexts) error {
	tally := r.newExportTally()
	err := callBounded(wait, r.exporting, "Export", func() error { return r.collectAndExportHolding(cx, tally) })
	tally.readerGaveUp(wait, err) // counts only an export still running
	return err
}

func (r *PeriodicReader) collectAndExportHolding(cx exportContexts, tally *exportTally) error {
	box := r.src.Load()
	if box == nil {
		return ErrReaderNotRegistered
	}
	start := r.obs.Start()
	collectErr := box.s.produce(cx.collect, &r.rm, r.cfg.producers)
	r.obs.Collected(cx.collect, start, &r.rm, collectErr)
	var abandoned *collectionAbandonedError
	if r.exporter == nil || errors.As(collectErr, &abandoned) {
		return collectErr
	}
	// Whatever was collected is exported even if a callback or producer
	// failed: valid data is not dropped because a neighbour was not.
	// The exporter's error is returned as it is (joined only with a
	// collection error), so a caller comparing it finds the exporter's own.
	if r.maxBatch <= 0 {
		return joinErrors(collectErr, r.export(cx.collect, &r.rm, tally))
	}
	return joinErrors(collectErr, exportInBatches(&r.rm, r.maxBatch, func(batch *metricdata.ResourceMetrics) error {
		ctx, cancel := cx.batch()
		defer cancel()
		return r.export(ctx, batch, tally)
	}))
}

// callerDeadline is the official SDK's rule for ForceFlush and Shutdown: a
// caller's deadline is used as it is, even when it is later than the
// reader's timeout; only a context without one gets the timeout.
func (r *PeriodicReader) callerDeadline(ctx context.Context) (context.Context, context.CancelFunc, bool) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}, true
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	return ctx, cancel, false
}

// Collect gathers all metric data into rm without exporting it. It returns
// an error after Shutdown, before registration, when rm is nil, or when ctx
// is done. It is safe for concurrent use. How ctx bounds callbacks is
// described at Reader.Collect.
func (r *PeriodicReader) Collect(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	return r.collect(ctx, rm)
}

// ForceFlush collects and exports now, then flushes the exporter. As in
// the official SDK, it waits until ctx's deadline, or, if ctx has none, for
// the reader's timeout; the export itself is bounded by the reader's timeout
// like a periodic one (an export still running when ForceFlush returns
// finishes in the background). It returns by that deadline even if the
// exporter ignores its context; an exporter panic is reported through
// otel.Handle and returned as the error.
func (r *PeriodicReader) ForceFlush(ctx context.Context) error {
	if r.shutdown.Load() {
		return ErrReaderShutdown
	}
	wait, cancelWait, _ := r.callerDeadline(ctx)
	defer cancelWait()
	if !r.constructed() {
		<-wait.Done()
		return wait.Err()
	}
	if r.src.Load() != nil {
		cx, cancel := r.timeoutContexts(context.WithoutCancel(ctx))
		err := r.collectAndExport(wait, cx)
		cancel()
		if err != nil {
			// As in the official SDK: a failed export is the result, and
			// the exporter is not flushed after it.
			reportPanics(err)
			return err
		}
	}
	var err error
	if r.exporter != nil {
		err = callBounded(wait, r.exporterCall, "ForceFlush", func() error { return r.exporter.ForceFlush(wait) })
	}
	reportPanics(err)
	return err
}

// Shutdown stops the periodic exports, performs a final collect and export,
// and shuts the exporter down. As in the official SDK, ctx's deadline bounds
// all of it when ctx has one — even one later than the reader's timeout —
// and the reader's timeout otherwise (then each batch of a split export gets
// a timeout of its own). It returns by that deadline even if the exporter
// ignores its context; an exporter panic is reported through otel.Handle and
// returned as the error. Later calls return ErrReaderShutdown.
func (r *PeriodicReader) Shutdown(ctx context.Context) error {
	err := ErrReaderShutdown
	r.once.Do(func() {
		original := ctx
		ctx, cancel, callerSet := r.callerDeadline(ctx)
		defer cancel()
		err = nil
		registered := r.src.Load() != nil
		if r.constructed() {
			r.stopOnce.Do(func() { close(r.stop) })
		}
		if registered {
			select {
			case <-r.loopDone:
			case <-ctx.Done():
				err = errors.Join(err, fmt.Errorf("fastmeter: waiting for the periodic export loop: %w", ctx.Err()))
			}
			cx := exportContexts{collect: ctx, batch: func() (context.Context, context.CancelFunc) { return ctx, func() {} }}
			if !callerSet {
				cx.batch = func() (context.Context, context.CancelFunc) { return context.WithTimeout(original, r.timeout) }
			}
			err = joinErrors(err, r.collectAndExport(ctx, cx))
		}
		r.shutdown.Store(true)
		r.obs.Close()
		if r.exporter != nil {
			// The exporter is shut down whatever the final export did; as
			// in the official SDK, its error is the result only when the
			// final export succeeded.
			serr := callBounded(ctx, r.exporterCall, "Shutdown", func() error { return r.exporter.Shutdown(ctx) })
			if err == nil {
				err = serr
			} else {
				reportPanics(serr) // not returned, so reported here if it was a panic
			}
		}
		reportPanics(err)
	})
	return err
}

// MarshalLog returns logging data about the PeriodicReader.
func (r *PeriodicReader) MarshalLog() any {
	return struct {
		Type       string
		Exporter   Exporter
		Registered bool
		Shutdown   bool
		Interval   time.Duration
		Timeout    time.Duration
	}{
		Type: "PeriodicReader", Exporter: r.exporter, Registered: r.src.Load() != nil,
		Shutdown: r.shutdown.Load(), Interval: r.interval, Timeout: r.timeout,
	}
}
