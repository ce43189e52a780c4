package conformance

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/fastmeter/fastmeter"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// The fastmeter adapter: the same construction as officialSDK, through
// fastmeter's own provider and readers. Configuration values (selectors,
// views, exporters) are the official types, which fastmeter aliases.
func init() {
	sdks = append(sdks, fastmeterSDK)
	// fastmeter's deliberate policy (DESIGN/issue 2 "Bad input"): NaN and
	// ±Inf are dropped from every instrument and negative increments to a
	// synchronous Counter are dropped, each reported through otel.Handle; the
	// official SDK aggregates them. A negative observation of an observable
	// counter is a cumulative value, not an increment: both SDKs keep it.
	badValuesKept["fastmeter"] = func(in instr, bad float64) bool {
		return in.observable() && !math.IsNaN(bad) && !math.IsInf(bad, 0)
	}
	// Deliberately stricter than the official SDK: returns an error for a
	// unit or description breaking the spec's limits (see TestUnitAndDescriptionValidation).
	validatesUnitsAndDescriptions["fastmeter"] = true
	for name, reason := range fastmeterKnownDiffs {
		knownDiffs[name] = reason
	}
}

// fastmeterKnownDiffs are the subtests where fastmeter differs from the
// official SDK (or from issue 2), found by this suite; see knowndiff_test.go.
var fastmeterKnownDiffs = map[string]string{
	"TestNilInputs/fastmeter/Meter(name,_nil_option)":                                                             "panics on a nil MeterOption (as the official SDK does); issue 2 says never a panic",
	"TestNilInputs/fastmeter/Int64Counter(name,_nil_option)":                                                      "panics on a nil instrument option (as the official SDK does); issue 2 says never a panic",
	"TestNilInputs/fastmeter/Add(ctx,_1,_nil_option)":                                                             "panics on a nil AddOption (as the official SDK does); issue 2 says never a panic",
	"TestNilInputs/fastmeter/RegisterCallback_with_a_nil_observable":                                              "RegisterCallback(f, nil) returns no error; official returns \"invalid observable: from different implementation\"",
	"TestAggregationOverrides/fastmeter/incompatible_LastValue_on_a_counter":                                      "a view with LastValue on a Counter: fastmeter returns no error and exports a Gauge; official returns an error and makes no stream",
	"TestAggregationOverrides/fastmeter/reader's_invalid_boundaries_fall_back_to_the_default":                     "a reader AggregationSelector with non-monotonic boundaries: fastmeter returns an error from instrument creation; official returns none (global.Error) and uses the default aggregation",
	"TestAggregationOverrides/fastmeter/histogram_of_an_up-down_counter_has_no_sum":                               "ExplicitBucketHistogram on an UpDownCounter: fastmeter reports Sum 7; official (spec) reports no sum (0) for instruments that can record negative values",
	"TestConflictingDuplicates/fastmeter/description":                                                             "Int64Counter(n, WithDescription(\"one\")) then (n, WithDescription(\"two\")): fastmeter (deliberately, commit dcb27af) returns the first instrument (one stream, value 3, description \"one\"); official keeps two streams (descriptions \"one\" = 1 and \"two\" = 2) and warns",
	"TestEdgeCasesMatchOfficial/fastmeter/view_asking_for_AggregationDefault_ignores_the_reader's_aggregation":    "a view with Stream{Aggregation: AggregationDefault{}} on a reader whose AggregationSelector gives histograms Boundaries [100]: fastmeter uses the reader's [100]; official uses the spec default (DefaultAggregationSelector: default boundaries)",
	"TestEdgeCasesMatchOfficial/fastmeter/rename_view_colliding_with_another_instrument's_name":                   "a view renames counter \"a\" to \"b\" and a counter \"b\" exists (same kind/unit/number): fastmeter exports two metrics \"b\" (1 and 2); official's streams have the same identity and share one aggregator: one metric \"b\" = 3",
	"TestEdgeCasesMatchOfficial/fastmeter/cardinality_limit_on_a_delta_reader_admits_new_sets_after_a_collection": "WithCardinalityLimit(3), delta reader, 4 new attribute sets per round: in round 2 fastmeter puts all 4 new sets into the overflow series (round 1's idle sets still hold the slots); official admits 2 new sets + overflow 2 (a delta collection frees every slot)",
	"TestViews/fastmeter/two_identical_views:_one_stream":                                                         "two views producing the identical stream: fastmeter exports two identical metrics; official de-duplicates to one stream",
}

var fastmeterSDK = sdk{
	name: "fastmeter",
	newManual: func(cfg providerConfig) manualHarness {
		var h manualHarness
		var opts []fastmeter.Option
		for _, rc := range readersOrDefault(cfg.readers) {
			var ropts []fastmeter.ManualReaderOption
			if rc.temporality != nil {
				ropts = append(ropts, fastmeter.WithTemporalitySelector(rc.temporality))
			}
			if rc.aggregation != nil {
				ropts = append(ropts, fastmeter.WithAggregationSelector(rc.aggregation))
			}
			for _, p := range rc.producers {
				ropts = append(ropts, fastmeter.WithProducer(p))
			}
			r := fastmeter.NewManualReader(ropts...)
			h.collect = append(h.collect, r.Collect)
			h.readerShutdown = append(h.readerShutdown, r.Shutdown)
			opts = append(opts, fastmeter.WithReader(r))
		}
		if len(cfg.views) > 0 {
			opts = append(opts, fastmeter.WithView(cfg.views...))
		}
		if cfg.resource != nil {
			opts = append(opts, fastmeter.WithResource(cfg.resource))
		}
		if cfg.cardinalityLimit != 0 {
			opts = append(opts, fastmeter.WithCardinalityLimit(cfg.cardinalityLimit))
		}
		mp := fastmeter.NewMeterProvider(opts...)
		h.provider, h.forceFlush, h.shutdown = mp, mp.ForceFlush, mp.Shutdown
		return h
	},
	newPeriodic: func(cfg periodicConfig) periodicHarness {
		var ropts []fastmeter.PeriodicReaderOption
		if cfg.interval > 0 {
			ropts = append(ropts, fastmeter.WithInterval(cfg.interval))
		}
		if cfg.timeout > 0 {
			ropts = append(ropts, fastmeter.WithTimeout(cfg.timeout))
		}
		if cfg.maxExportBatchSize != 0 {
			ropts = append(ropts, fastmeter.WithMaxExportBatchSize(cfg.maxExportBatchSize))
		}
		r := fastmeter.NewPeriodicReader(cfg.exporter, ropts...)
		opts := []fastmeter.Option{fastmeter.WithReader(r)}
		if len(cfg.views) > 0 {
			opts = append(opts, fastmeter.WithView(cfg.views...))
		}
		if cfg.resource != nil {
			opts = append(opts, fastmeter.WithResource(cfg.resource))
		}
		mp := fastmeter.NewMeterProvider(opts...)
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
		"NewMeterProvider(nil)": func() { _ = fastmeter.NewMeterProvider(nil) },
		"NewManualReader(nil)":  func() { _ = fastmeter.NewManualReader(nil) },
		"NewPeriodicReader(exporter, nil)": func() {
			_ = fastmeter.NewPeriodicReader(&recordingExporter{}, nil).Shutdown(context.Background())
		},
		"WithReader(nil)":   func() { _ = fastmeter.NewMeterProvider(fastmeter.WithReader(nil)) },
		"WithResource(nil)": func() { _ = fastmeter.NewMeterProvider(fastmeter.WithResource(nil)) },
		"WithView(nil view) then record": func() {
			mp := fastmeter.NewMeterProvider(fastmeter.WithView(nil), fastmeter.WithReader(fastmeter.NewManualReader()))
			c, _ := mp.Meter("nil").Int64Counter("c")
			c.Add(context.Background(), 1)
		},
	},
}

// TestSharedValues: the reused errors and selectors are the official values,
// so errors.Is and comparisons work across both SDKs.
func TestSharedValues(t *testing.T) {
	for _, tc := range []struct {
		name           string
		fast, official error
	}{
		{"ErrExporterShutdown", fastmeter.ErrExporterShutdown, sdkmetric.ErrExporterShutdown},
		{"ErrInstrumentName", fastmeter.ErrInstrumentName, sdkmetric.ErrInstrumentName},
		{"ErrReaderNotRegistered", fastmeter.ErrReaderNotRegistered, sdkmetric.ErrReaderNotRegistered},
		{"ErrReaderShutdown", fastmeter.ErrReaderShutdown, sdkmetric.ErrReaderShutdown},
	} {
		if !errors.Is(tc.fast, tc.official) {
			t.Errorf("fastmeter.%s is not the official value", tc.name)
		}
	}
	for _, k := range allKinds {
		for _, sel := range []struct {
			name           string
			fast, official sdkmetric.TemporalitySelector
		}{
			{"Default", fastmeter.DefaultTemporalitySelector, sdkmetric.DefaultTemporalitySelector},
			{"Cumulative", fastmeter.CumulativeTemporalitySelector, sdkmetric.CumulativeTemporalitySelector},
			{"Delta", fastmeter.DeltaTemporalitySelector, sdkmetric.DeltaTemporalitySelector},
			{"LowMemory", fastmeter.LowMemoryTemporalitySelector, sdkmetric.LowMemoryTemporalitySelector},
		} {
			if sel.fast(k) != sel.official(k) {
				t.Errorf("%sTemporalitySelector(%v) = %v, official %v", sel.name, k, sel.fast(k), sel.official(k))
			}
		}
		if f, o := fastmeter.DefaultAggregationSelector(k), sdkmetric.DefaultAggregationSelector(k); f == nil || o == nil {
			t.Errorf("DefaultAggregationSelector(%v) = %v, official %v", k, f, o)
		}
	}
}
