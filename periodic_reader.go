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
			otel.Handle(fmt.Errorf("fastmeter: WithInterval(%v) is not positive; ignored (OTEL_METRIC_EXPORT_INTERVAL or the default %v applies)", d, defaultExportInterval))
		}
		return s
	})
}

// WithTimeout bounds one collect-and-export, including those of ForceFlush
// and Shutdown (whose context deadline applies too, if earlier). It overrides
// OTEL_METRIC_EXPORT_TIMEOUT; zero or negative keeps the default of 30
// seconds.
func WithTimeout(d time.Duration) PeriodicReaderOption {
	return periodicOptionFunc(func(s periodicSettings) periodicSettings {
		if d > 0 {
			s.timeout = d
		} else {
			otel.Handle(fmt.Errorf("fastmeter: WithTimeout(%v) is not positive; ignored (OTEL_METRIC_EXPORT_TIMEOUT or the default %v applies)", d, defaultExportTimeout))
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
		otel.Handle(fmt.Errorf("fastmeter: %s=%q is not a positive number of milliseconds; using %v", name, raw, def))
		return def
	}
	return time.Duration(ms) * time.Millisecond
}

// PeriodicReader collects and exports metric data to an Exporter at a fixed
// interval. Export is never called concurrently; ForceFlush and Shutdown
// honour their context; Shutdown performs a final collect and export.
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

	stop     chan struct{}
	loopDone chan struct{}
	start    sync.Once
	stopOnce sync.Once
}

var _ Reader = (*PeriodicReader)(nil)

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
		otel.Handle(errors.New("fastmeter: NewPeriodicReader called with a nil Exporter; the reader will collect but export nothing"))
	} else {
		s.temporality = exporter.Temporality
		s.aggregation = exporter.Aggregation
	}
	return &PeriodicReader{
		readerCore: readerCore{cfg: s.readerSettings},
		exporter:   exporter,
		interval:   s.interval,
		timeout:    s.timeout,
		maxBatch:   s.maxBatch,
		exporting:  make(chan struct{}, 1),
		stop:       make(chan struct{}),
		loopDone:   make(chan struct{}),
	}
}

func (r *PeriodicReader) register(s source) error {
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
			ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
			if err := r.collectAndExport(ctx); err != nil {
				otel.Handle(fmt.Errorf("fastmeter: periodic export: %w", err))
			}
			cancel()
		}
	}
}

// exportGrace is how long a caller whose context ended keeps waiting for the
// exporter's own result. Exporters receive the same context and usually
// return right at the deadline with an error that names the cause (the
// endpoint, the last status); waiting this little longer keeps that cause
// instead of a bare "context deadline exceeded".
const exportGrace = 25 * time.Millisecond

// collectAndExport takes the export token, collects and exports. If ctx ends
// first it returns the exporter's error if it arrives within exportGrace,
// and ctx's error otherwise; the export then finishes in the background,
// reports its own error through otel.Handle, and releases the token, so the
// next export never overlaps it.
func (r *PeriodicReader) collectAndExport(ctx context.Context) error {
	select {
	case r.exporting <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting for the previous export: %w", ctx.Err())
	}
	result := make(chan error, 1)
	go func() {
		defer func() { <-r.exporting }()
		result <- r.collectAndExportHolding(ctx)
	}()
	select {
	case err := <-result:
		return err
	case <-ctx.Done():
	}
	grace := time.NewTimer(exportGrace)
	defer grace.Stop()
	select {
	case err := <-result:
		if err == nil {
			return nil
		}
		if errors.Is(err, ctx.Err()) {
			return err
		}
		return errors.Join(err, ctx.Err())
	case <-grace.C:
		go func() {
			if err := <-result; err != nil {
				otel.Handle(fmt.Errorf("fastmeter: an export abandoned at its deadline finished later: %w", err))
			}
		}()
		return ctx.Err()
	}
}

func (r *PeriodicReader) collectAndExportHolding(ctx context.Context) error {
	box := r.src.Load()
	if box == nil {
		return ErrReaderNotRegistered
	}
	collectErr := box.s.produce(ctx, &r.rm, r.cfg.producers)
	var abandoned *collectionAbandonedError
	if r.exporter == nil || errors.As(collectErr, &abandoned) {
		return collectErr
	}
	// Whatever was collected is exported even if a callback or producer
	// failed: valid data is not dropped because a neighbour was not.
	return errors.Join(collectErr, exportInBatches(ctx, r.exporter, &r.rm, r.maxBatch))
}

// withTimeout bounds ctx by the reader's timeout: the earlier of the
// caller's deadline and now+timeout wins, as with the official SDK.
func (r *PeriodicReader) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.timeout)
}

// Collect gathers all metric data into rm without exporting it. It returns
// an error after Shutdown, before registration, when rm is nil, or when ctx
// is done. It is safe for concurrent use.
func (r *PeriodicReader) Collect(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	return r.collect(ctx, rm)
}

// ForceFlush collects and exports now, then flushes the exporter. It honours
// ctx's deadline and the reader's timeout, whichever comes first.
func (r *PeriodicReader) ForceFlush(ctx context.Context) error {
	if r.shutdown.Load() {
		return ErrReaderShutdown
	}
	ctx, cancel := r.withTimeout(ctx)
	defer cancel()
	var err error
	if r.src.Load() != nil {
		err = r.collectAndExport(ctx)
	}
	if r.exporter != nil {
		if ferr := r.exporter.ForceFlush(ctx); ferr != nil && !(err != nil && ctx.Err() != nil && errors.Is(ferr, ctx.Err())) {
			err = errors.Join(err, ferr)
		}
	}
	return err
}

// Shutdown stops the periodic exports, performs a final collect and export,
// and shuts the exporter down, honouring ctx's deadline and the reader's
// timeout, whichever comes first. Later calls return ErrReaderShutdown.
func (r *PeriodicReader) Shutdown(ctx context.Context) error {
	err := ErrReaderShutdown
	r.once.Do(func() {
		ctx, cancel := r.withTimeout(ctx)
		defer cancel()
		err = nil
		registered := r.src.Load() != nil
		r.stopOnce.Do(func() { close(r.stop) })
		if registered {
			select {
			case <-r.loopDone:
			case <-ctx.Done():
				err = errors.Join(err, fmt.Errorf("fastmeter: waiting for the periodic export loop: %w", ctx.Err()))
			}
			err = errors.Join(err, r.collectAndExport(ctx))
		}
		r.shutdown.Store(true)
		if r.exporter != nil {
			err = errors.Join(err, r.exporter.Shutdown(ctx))
		}
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
