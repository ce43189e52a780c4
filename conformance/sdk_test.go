package conformance

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.opentelemetry.io/otel/sdk/resource"
)

// The adapter: every scenario is written once against the OTel metric API
// and a small harness, and runs for each entry of sdks. The configuration
// types are the official ones because fastmeter reuses them (View, Stream,
// Aggregation*, selectors, Exporter, Producer are aliases); only the readers
// and the provider differ, so only their construction lives in the adapter.

// readerConfig configures one ManualReader. Nil selectors mean "the SDK's
// default", exactly as if the option were not passed.
type readerConfig struct {
	temporality sdkmetric.TemporalitySelector
	aggregation sdkmetric.AggregationSelector
	producers   []sdkmetric.Producer
}

// providerConfig configures a MeterProvider with manual readers.
type providerConfig struct {
	readers  []readerConfig // empty means one reader with default selectors
	views    []sdkmetric.View
	resource *resource.Resource // nil means the SDK's default resource
	// cardinalityLimit, if non-zero, is passed to WithCardinalityLimit.
	cardinalityLimit int
}

// manualHarness is a MeterProvider with one or more ManualReaders.
type manualHarness struct {
	provider metric.MeterProvider
	// collect[i] is readers[i].Collect.
	collect []func(context.Context, *metricdata.ResourceMetrics) error
	// readerShutdown[i] is readers[i].Shutdown.
	readerShutdown []func(context.Context) error
	forceFlush     func(context.Context) error // MeterProvider.ForceFlush
	shutdown       func(context.Context) error // MeterProvider.Shutdown
}

// periodicConfig configures a MeterProvider with one PeriodicReader.
type periodicConfig struct {
	exporter sdkmetric.Exporter
	interval time.Duration // zero means the SDK default
	timeout  time.Duration // zero means the SDK default
	// maxExportBatchSize, if non-zero, is passed to WithMaxExportBatchSize.
	maxExportBatchSize int
	views              []sdkmetric.View
	resource           *resource.Resource
}

// periodicHarness is a MeterProvider with one PeriodicReader.
type periodicHarness struct {
	provider       metric.MeterProvider
	readerCollect  func(context.Context, *metricdata.ResourceMetrics) error
	readerFlush    func(context.Context) error
	readerShutdown func(context.Context) error
	forceFlush     func(context.Context) error // MeterProvider.ForceFlush
	shutdown       func(context.Context) error // MeterProvider.Shutdown
}

type sdk struct {
	name        string
	newManual   func(providerConfig) manualHarness
	newPeriodic func(periodicConfig) periodicHarness
	// nilOptionCalls construct providers and readers from nil options; the
	// keys are the same for every SDK (see TestNilInputs).
	nilOptionCalls map[string]func()
	// newView is the SDK's NewView (fastmeter has its own; its diagnostics
	// are compared in TestDiagnosticChannels).
	newView func(sdkmetric.Instrument, sdkmetric.Stream) sdkmetric.View
	// newBare builds a provider with n default ManualReaders (n may be 0,
	// which newManual never does) and the views.
	newBare func(n int, views ...sdkmetric.View) bareHarness
	// zeroValues are the scenarios of TestZeroValues, run on the SDK's
	// zero values; the keys are the same for every SDK.
	zeroValues map[string]func() string
}

// bareHarness is a provider with zero or more ManualReaders.
type bareHarness struct {
	provider metric.MeterProvider
	collect  []func(context.Context, *metricdata.ResourceMetrics) error
	shutdown func(context.Context) error
}

// sdks lists the SDKs every scenario runs against. The official SDK is always
// first: it is the reference; fastmeter is appended by fastmeter_sdk_test.go.
var sdks = []sdk{officialSDK}

var officialSDK = sdk{
	name: "official",
	newManual: func(cfg providerConfig) manualHarness {
		var h manualHarness
		var opts []sdkmetric.Option
		for _, rc := range readersOrDefault(cfg.readers) {
			var ropts []sdkmetric.ManualReaderOption
			if rc.temporality != nil {
				ropts = append(ropts, sdkmetric.WithTemporalitySelector(rc.temporality))
			}
			if rc.aggregation != nil {
				ropts = append(ropts, sdkmetric.WithAggregationSelector(rc.aggregation))
			}
			for _, p := range rc.producers {
				ropts = append(ropts, sdkmetric.WithProducer(p))
			}
			r := sdkmetric.NewManualReader(ropts...)
			h.collect = append(h.collect, r.Collect)
			h.readerShutdown = append(h.readerShutdown, r.Shutdown)
			opts = append(opts, sdkmetric.WithReader(r))
		}
		if len(cfg.views) > 0 {
			opts = append(opts, sdkmetric.WithView(cfg.views...))
		}
		if cfg.resource != nil {
			opts = append(opts, sdkmetric.WithResource(cfg.resource))
		}
		if cfg.cardinalityLimit != 0 {
			opts = append(opts, sdkmetric.WithCardinalityLimit(cfg.cardinalityLimit))
		}
		mp := sdkmetric.NewMeterProvider(opts...)
		h.provider, h.forceFlush, h.shutdown = mp, mp.ForceFlush, mp.Shutdown
		return h
	},
	newPeriodic: func(cfg periodicConfig) periodicHarness {
		var ropts []sdkmetric.PeriodicReaderOption
		if cfg.interval > 0 {
			ropts = append(ropts, sdkmetric.WithInterval(cfg.interval))
		}
		if cfg.timeout > 0 {
			ropts = append(ropts, sdkmetric.WithTimeout(cfg.timeout))
		}
		if cfg.maxExportBatchSize != 0 {
			ropts = append(ropts, sdkmetric.WithMaxExportBatchSize(cfg.maxExportBatchSize))
		}
		r := sdkmetric.NewPeriodicReader(cfg.exporter, ropts...)
		opts := []sdkmetric.Option{sdkmetric.WithReader(r)}
		if len(cfg.views) > 0 {
			opts = append(opts, sdkmetric.WithView(cfg.views...))
		}
		if cfg.resource != nil {
			opts = append(opts, sdkmetric.WithResource(cfg.resource))
		}
		mp := sdkmetric.NewMeterProvider(opts...)
		return periodicHarness{
			provider:       mp,
			readerCollect:  r.Collect,
			readerFlush:    r.ForceFlush,
			readerShutdown: r.Shutdown,
			forceFlush:     mp.ForceFlush,
			shutdown:       mp.Shutdown,
		}
	},
	nilOptionCalls: map[string]func(){
		"NewMeterProvider(nil)": func() { _ = sdkmetric.NewMeterProvider(nil) },
		"NewManualReader(nil)":  func() { _ = sdkmetric.NewManualReader(nil) },
		"NewPeriodicReader(exporter, nil)": func() {
			_ = sdkmetric.NewPeriodicReader(&recordingExporter{}, nil).Shutdown(context.Background())
		},
		"WithReader(nil)":   func() { _ = sdkmetric.NewMeterProvider(sdkmetric.WithReader(nil)) },
		"WithResource(nil)": func() { _ = sdkmetric.NewMeterProvider(sdkmetric.WithResource(nil)) },
		"WithView(nil view) then record": func() {
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithView(nil), sdkmetric.WithReader(sdkmetric.NewManualReader()))
			c, _ := mp.Meter("nil").Int64Counter("c")
			c.Add(context.Background(), 1)
		},
	},
	newView: sdkmetric.NewView,
	newBare: func(n int, views ...sdkmetric.View) bareHarness {
		var h bareHarness
		opts := []sdkmetric.Option{sdkmetric.WithView(views...)}
		for range n {
			r := sdkmetric.NewManualReader()
			h.collect = append(h.collect, r.Collect)
			opts = append(opts, sdkmetric.WithReader(r))
		}
		mp := sdkmetric.NewMeterProvider(opts...)
		h.provider, h.shutdown = mp, mp.Shutdown
		return h
	},
	zeroValues: map[string]func() string{
		"MeterProvider": func() string { return zeroProvider(&sdkmetric.MeterProvider{}) },
		"ManualReader":  func() string { return zeroReader(&sdkmetric.ManualReader{}) },
		"ManualReader in a provider": func() string {
			good := sdkmetric.NewManualReader()
			return zeroReaderInProvider[sdkmetric.Reader](&sdkmetric.ManualReader{}, good, good.Collect, officialProviderWith)
		},
		"PeriodicReader":            func() string { return zeroReader(&sdkmetric.PeriodicReader{}) },
		"PeriodicReader ForceFlush": func() string { return errName((&sdkmetric.PeriodicReader{}).ForceFlush(context.Background())) },
		"PeriodicReader in a provider": func() string {
			good := sdkmetric.NewManualReader()
			return zeroReaderInProvider[sdkmetric.Reader](&sdkmetric.PeriodicReader{}, good, good.Collect, officialProviderWith)
		},
	},
}

// officialProviderWith is a provider with the readers given.
func officialProviderWith(readers ...sdkmetric.Reader) (metric.MeterProvider, func(context.Context) error) {
	var opts []sdkmetric.Option
	for _, r := range readers {
		opts = append(opts, sdkmetric.WithReader(r))
	}
	mp := sdkmetric.NewMeterProvider(opts...)
	return mp, mp.Shutdown
}

func readersOrDefault(rs []readerConfig) []readerConfig {
	if len(rs) == 0 {
		return []readerConfig{{}}
	}
	return rs
}

// forEachSDK runs fn as a subtest per SDK.
func forEachSDK(t *testing.T, fn func(t *testing.T, s sdk)) {
	t.Helper()
	for _, s := range sdks {
		run(t, s.name, func(t *testing.T) { fn(t, s) })
	}
}

// newManual builds a manual harness and shuts it down at the end of the test.
func (s sdk) manual(t *testing.T, cfg providerConfig) manualHarness {
	t.Helper()
	h := s.newManual(cfg)
	t.Cleanup(func() { _ = h.shutdown(context.Background()) })
	return h
}

// collectReader collects reader i and fails the test on error.
func (h manualHarness) collectReader(t *testing.T, i int) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.collect[i](context.Background(), &rm); err != nil {
		t.Fatalf("Collect(reader %d): %v", i, err)
	}
	return rm
}

// collectMetrics collects the first reader and returns all metrics of all
// scopes, flattened (most scenarios use one scope).
func (h manualHarness) collectMetrics(t *testing.T) []metricdata.Metrics {
	t.Helper()
	return flatten(h.collectReader(t, 0))
}

func flatten(rm metricdata.ResourceMetrics) []metricdata.Metrics {
	var out []metricdata.Metrics
	for _, sm := range rm.ScopeMetrics {
		out = append(out, sm.Metrics...)
	}
	return out
}

// findMetric returns the metric called name, or false.
func findMetric(ms []metricdata.Metrics, name string) (metricdata.Metrics, bool) {
	for _, m := range ms {
		if m.Name == name {
			return m, true
		}
	}
	return metricdata.Metrics{}, false
}

// ---- global log/error capture ----------------------------------------------

// globalLog records everything sent to the OTel global logger (errors and
// warnings: logr verbosity up to 1) and to the global error handler, for the
// whole test binary, with the channel and level each arrived on. Tests look
// for messages mentioning their own unique instrument names, so they stay
// independent of each other; diagnostics_test.go compares channels.
var globalLog struct {
	mu      sync.Mutex
	entries []diagnostic
}

// Channels of a diagnostic, as the official SDK splits them.
const (
	onLogger  = "global logger"
	onHandler = "error handler"
)

// Levels of a diagnostic on the logger: logr's Error, or the V level of an
// Info call (the official SDK's Warn is V(1), Info V(4), Debug V(8)).
const (
	levelError = -1
	levelWarn  = 1
)

// diagnostic is one message sent to the global logger or error handler.
type diagnostic struct {
	channel string
	level   int   // levelError for the error handler and logr Error calls
	err     error // the error, for the handler and logr Error calls
	text    string
}

func recordGlobal(d diagnostic) {
	globalLog.mu.Lock()
	globalLog.entries = append(globalLog.entries, d)
	globalLog.mu.Unlock()
}

// diagnosticsSince returns the diagnostics recorded after the first n
// (n from diagnosticCount).
func diagnosticsSince(n int) []diagnostic {
	globalLog.mu.Lock()
	defer globalLog.mu.Unlock()
	return append([]diagnostic(nil), globalLog.entries[n:]...)
}

// diagnosticCount is how many diagnostics were recorded so far.
func diagnosticCount() int {
	globalLog.mu.Lock()
	defer globalLog.mu.Unlock()
	return len(globalLog.entries)
}

var nameSequence atomic.Int64

// uniqueName returns prefix with a process-wide sequence number appended, so
// a message about it found in the shared global log is from this test run
// (also under -count=N).
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s.%d", prefix, nameSequence.Add(1))
}

// globalLogMentions reports whether any message logged so far contains every
// one of the substrings.
func globalLogMentions(substrings ...string) bool {
	globalLog.mu.Lock()
	defer globalLog.mu.Unlock()
	for _, d := range globalLog.entries {
		all := true
		for _, s := range substrings {
			all = all && strings.Contains(d.text, s)
		}
		if all {
			return true
		}
	}
	return false
}

// recordingSink is the logr.LogSink installed as the OTel global logger.
// Verbosity 1 is the official Warn level: the level of "duplicate metric
// stream definitions"; Info (4) and Debug (8, which formats every collected
// ResourceMetrics) are not recorded.
type recordingSink struct{}

func (recordingSink) Init(logr.RuntimeInfo)            {}
func (recordingSink) Enabled(level int) bool           { return level <= levelWarn }
func (s recordingSink) WithValues(...any) logr.LogSink { return s }
func (s recordingSink) WithName(string) logr.LogSink   { return s }
func (recordingSink) Info(level int, msg string, kv ...any) {
	recordGlobal(diagnostic{channel: onLogger, level: level, text: logLine(msg, nil, kv)})
}
func (recordingSink) Error(err error, msg string, kv ...any) {
	recordGlobal(diagnostic{channel: onLogger, level: levelError, err: err, text: logLine(msg, err, kv)})
}

// logLine renders a log call as one line: message, error, key=value pairs.
func logLine(msg string, err error, kv []any) string {
	parts := []string{msg}
	if err != nil {
		parts = append(parts, "error="+err.Error())
	}
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, fmt.Sprintf("%v=%+v", kv[i], kv[i+1]))
	}
	return strings.Join(parts, " ")
}

func TestMain(m *testing.M) {
	otel.SetLogger(logr.New(recordingSink{}))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		recordGlobal(diagnostic{channel: onHandler, level: levelError, err: err, text: "error handler: " + err.Error()})
	}))
	os.Exit(m.Run())
}

// assertMetric asserts one metric, ignoring timestamps.
func assertMetric(t *testing.T, want, got metricdata.Metrics) {
	t.Helper()
	metricdatatest.AssertEqual(t, want, got, metricdatatest.IgnoreTimestamp())
}
