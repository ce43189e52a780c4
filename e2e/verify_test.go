package e2e

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
)

// receivedMetric gathers every export of one metric for one test case.
type receivedMetric struct {
	meta   metricJSON // name, unit, description and type of the first export
	sums   []*sumJSON // one per export
	gauges []*gaugeJSON
	hists  []*histogramJSON
	exps   []*expHistJSON
}

// casePoints selects what the collector received from the provider whose
// resource has test.case=caseName, checking resource and scope on the way.
func casePoints(all []resourceMetrics, caseName string) (map[string]*receivedMetric, []error) {
	var errs []error
	out := map[string]*receivedMetric{}
	for _, rm := range all {
		res := attrsMap(rm.Resource.Attributes)
		if res["test.case"] != strconv.Quote(caseName) {
			continue
		}
		if got := res["service.name"]; got != strconv.Quote(serviceName) {
			errs = append(errs, fmt.Errorf("resource service.name = %s, want %q", got, serviceName))
		}
		for _, sm := range rm.ScopeMetrics {
			if sm.Scope.Name != meterName || sm.Scope.Version != meterVersion || sm.SchemaURL != meterSchemaURL {
				errs = append(errs, fmt.Errorf("scope = %q %q %q, want %q %q %q", sm.Scope.Name, sm.Scope.Version, sm.SchemaURL, meterName, meterVersion, meterSchemaURL))
			}
			if got := attrsKey(sm.Scope.Attributes); got != `{scope.kind="e2e"}` {
				errs = append(errs, fmt.Errorf("scope attributes = %s, want {scope.kind=\"e2e\"}", got))
			}
			for _, m := range sm.Metrics {
				r, ok := out[m.Name]
				if !ok {
					r = &receivedMetric{meta: m}
					out[m.Name] = r
				}
				if m.Sum != nil {
					r.sums = append(r.sums, m.Sum)
				}
				if m.Gauge != nil {
					r.gauges = append(r.gauges, m.Gauge)
				}
				if m.Histogram != nil {
					r.hists = append(r.hists, m.Histogram)
				}
				if m.ExpHist != nil {
					r.exps = append(r.exps, m.ExpHist)
				}
			}
		}
	}
	return out, errs
}

// verifyCase compares everything received for caseName with the ledger.
// temporality is the OTLP temporality sums and histograms must carry.
func verifyCase(all []resourceMetrics, caseName string, w *workload, temporality int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	got, errs := casePoints(all, caseName)
	if len(got) == 0 {
		return fmt.Errorf("nothing received yet for test.case=%s", caseName)
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		if w.metrics[name] == nil {
			errs = append(errs, fmt.Errorf("unexpected metric %q", name))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(w.metrics)) {
		want := w.metrics[name]
		r := got[name]
		if r == nil {
			errs = append(errs, fmt.Errorf("%s: not received", name))
			continue
		}
		if r.meta.Unit != want.unit || r.meta.Description != want.description {
			errs = append(errs, fmt.Errorf("%s: unit/description = %q/%q, want %q/%q", name, r.meta.Unit, r.meta.Description, want.unit, want.description))
		}
		var err error
		switch want.shape {
		case shapeSum:
			err = verifySums(want, r, temporality)
		case shapeGauge:
			err = verifyGauges(want, r)
		case shapeHistogram:
			err = verifyHistograms(want, r, temporality)
		case shapeExpHist:
			err = verifyExpHistograms(want, r, temporality)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// timedNumber is a number point with the temporality of its export.
type timedNumber struct {
	numberPoint
	temporality int
	monotonic   bool
}

func verifySums(want *expectedMetric, r *receivedMetric, temporality int) error {
	if len(r.sums) == 0 {
		return fmt.Errorf("received as %s, want a sum", shapeOf(r))
	}
	var points []timedNumber
	for _, s := range r.sums {
		for _, p := range s.DataPoints {
			points = append(points, timedNumber{p, s.AggregationTemporality, s.IsMonotonic})
		}
	}
	bySeries, errs := groupNumbers(want, points)
	for key, ps := range bySeries {
		exp := want.series[key]
		for _, p := range ps {
			if p.temporality != temporality || p.monotonic != want.monotonic {
				errs = append(errs, fmt.Errorf("%s: temporality %d monotonic %t, want %d %t", key, p.temporality, p.monotonic, temporality, want.monotonic))
				break
			}
		}
		var got float64
		if temporality == temporalityCumulative {
			got = ps[len(ps)-1].value()
			for _, p := range ps {
				if p.StartTimeUnixNano != ps[0].StartTimeUnixNano {
					errs = append(errs, fmt.Errorf("%s: cumulative start time changed from %d to %d", key, ps[0].StartTimeUnixNano, p.StartTimeUnixNano))
					break
				}
			}
		} else {
			for i, p := range ps {
				got += p.value()
				if i > 0 && p.StartTimeUnixNano < ps[i-1].TimeUnixNano {
					errs = append(errs, fmt.Errorf("%s: delta points overlap: start %d before previous end %d", key, p.StartTimeUnixNano, ps[i-1].TimeUnixNano))
				}
			}
		}
		if !approxEqual(got, exp.total) {
			errs = append(errs, fmt.Errorf("%s: value %v, want %v (%d points)", key, got, exp.total, len(ps)))
		}
		errs = append(errs, verifyExemplars(want, key, exp, numberExemplars(ps))...)
	}
	return errors.Join(errs...)
}

func verifyGauges(want *expectedMetric, r *receivedMetric) error {
	if len(r.gauges) == 0 {
		return fmt.Errorf("received as %s, want a gauge", shapeOf(r))
	}
	var points []timedNumber
	for _, g := range r.gauges {
		for _, p := range g.DataPoints {
			points = append(points, timedNumber{numberPoint: p})
		}
	}
	bySeries, errs := groupNumbers(want, points)
	for key, ps := range bySeries {
		exp := want.series[key]
		if got := ps[len(ps)-1].value(); !approxEqual(got, exp.last) {
			errs = append(errs, fmt.Errorf("%s: last value %v, want %v", key, got, exp.last))
		}
		errs = append(errs, verifyExemplars(want, key, exp, numberExemplars(ps))...)
	}
	return errors.Join(errs...)
}

// groupNumbers groups points by series in time order and checks that the
// received series are exactly the expected ones.
func groupNumbers(want *expectedMetric, points []timedNumber) (map[string][]timedNumber, []error) {
	var errs []error
	by := map[string][]timedNumber{}
	for _, p := range points {
		by[attrsKey(p.Attributes)] = append(by[attrsKey(p.Attributes)], p)
	}
	for key, ps := range by {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].TimeUnixNano < ps[j].TimeUnixNano })
		if want.series[key] == nil {
			errs = append(errs, fmt.Errorf("unexpected series %s", key))
			delete(by, key)
		}
	}
	for key := range want.series {
		if by[key] == nil {
			errs = append(errs, fmt.Errorf("series %s not received", key))
		}
	}
	return by, errs
}

func verifyHistograms(want *expectedMetric, r *receivedMetric, temporality int) error {
	if len(r.hists) == 0 {
		return fmt.Errorf("received as %s, want a histogram", shapeOf(r))
	}
	var errs []error
	by := map[string][]histogramPoint{}
	for _, h := range r.hists {
		if h.AggregationTemporality != temporality {
			errs = append(errs, fmt.Errorf("temporality %d, want %d", h.AggregationTemporality, temporality))
		}
		for _, p := range h.DataPoints {
			by[attrsKey(p.Attributes)] = append(by[attrsKey(p.Attributes)], p)
		}
	}
	for key := range want.series {
		if by[key] == nil {
			errs = append(errs, fmt.Errorf("series %s not received", key))
		}
	}
	for key, ps := range by {
		exp := want.series[key]
		if exp == nil {
			errs = append(errs, fmt.Errorf("unexpected series %s", key))
			continue
		}
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].TimeUnixNano < ps[j].TimeUnixNano })
		for _, p := range ps {
			if !slices.Equal(floats(p.ExplicitBounds), want.bounds) {
				errs = append(errs, fmt.Errorf("%s: bounds %v, want %v", key, floats(p.ExplicitBounds), want.bounds))
				break
			}
		}
		// Fold the points into one: the last for cumulative, the merge of all for delta.
		var count uint64
		var sum float64
		buckets := make([]uint64, len(want.bounds)+1)
		lo, hi := math.Inf(1), math.Inf(-1)
		if temporality == temporalityCumulative {
			ps = ps[len(ps)-1:]
		}
		for _, p := range ps {
			count += uint64(p.Count)
			if p.Sum != nil {
				sum += float64(*p.Sum)
			}
			if p.Min != nil {
				lo = math.Min(lo, float64(*p.Min))
			}
			if p.Max != nil {
				hi = math.Max(hi, float64(*p.Max))
			}
			if len(p.BucketCounts) != len(buckets) {
				errs = append(errs, fmt.Errorf("%s: %d bucket counts, want %d", key, len(p.BucketCounts), len(buckets)))
				continue
			}
			for i, c := range p.BucketCounts {
				buckets[i] += uint64(c)
			}
		}
		if count != exp.count || !approxEqual(sum, exp.total) || !approxEqual(lo, exp.min) || !approxEqual(hi, exp.max) || !slices.Equal(buckets, exp.bucketCounts) {
			errs = append(errs, fmt.Errorf("%s: count %d sum %v min %v max %v buckets %v, want %d %v %v %v %v",
				key, count, sum, lo, hi, buckets, exp.count, exp.total, exp.min, exp.max, exp.bucketCounts))
		}
		var exemplars []exemplarJS
		for _, p := range ps {
			exemplars = append(exemplars, p.Exemplars...)
		}
		errs = append(errs, verifyExemplars(want, key, exp, exemplars)...)
	}
	return errors.Join(errs...)
}

func numberExemplars(ps []timedNumber) []exemplarJS {
	var out []exemplarJS
	for _, p := range ps {
		out = append(out, p.Exemplars...)
	}
	return out
}

// verifyExemplars checks the exemplars of one series. Every sync measurement
// was recorded inside a sampled span with the AlwaysOn filter, so a series
// with measurements must carry exemplars, each one a measurement that was
// really recorded: same value, trace and span of its phase, and the attributes
// the view filtered out. Async callbacks run outside any span: their
// exemplars, if any, must not claim a trace.
func verifyExemplars(want *expectedMetric, key string, exp *expectedSeries, exemplars []exemplarJS) []error {
	var errs []error
	if want.async {
		for _, e := range exemplars {
			if e.TraceID != "" || e.SpanID != "" {
				errs = append(errs, fmt.Errorf("%s: async exemplar claims trace %s span %s", key, e.TraceID, e.SpanID))
			}
		}
		return errs
	}
	if len(exp.recorded) > 0 && len(exemplars) == 0 {
		errs = append(errs, fmt.Errorf("%s: no exemplars, want some (AlwaysOn filter, sampled span)", key))
	}
	for _, e := range exemplars {
		matched := false
		for _, rv := range exp.recorded {
			if approxEqual(e.value(), rv.value) && e.SpanID == rv.spanID && maps.Equal(attrsMap(e.FilteredAttributes), rv.filtered) {
				matched = true
				break
			}
		}
		if !matched || e.TraceID != workloadTraceID.String() {
			errs = append(errs, fmt.Errorf("%s: exemplar value %v trace %s span %s filtered %s matches no recorded measurement",
				key, e.value(), e.TraceID, e.SpanID, attrsKey(e.FilteredAttributes)))
		}
	}
	return errs
}

func shapeOf(r *receivedMetric) string {
	switch {
	case r.meta.Sum != nil:
		return "sum"
	case r.meta.Gauge != nil:
		return "gauge"
	case r.meta.Histogram != nil:
		return "histogram"
	case r.meta.ExpHist != nil:
		return "exponential histogram"
	}
	return "an unsupported type"
}

func floats(in []jsonFloat) []float64 {
	out := make([]float64, len(in))
	for i, f := range in {
		out[i] = float64(f)
	}
	return out
}

// approxEqual compares values that went through float64 sums.
func approxEqual(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
