package metricz

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/fastmeter/fastmeter/internal/selfobs"
)

// maxBars is how many bucket bars one histogram shows at most; adjacent
// buckets are merged beyond that, so a histogram with thousands of buckets
// still costs a bounded amount of page. Percentiles are always estimated
// from the full buckets.
const maxBars = 48

// quantilesShown are the percentiles the page shows for every histogram.
var quantilesShown = [...]float64{0.5, 0.9, 0.99}

// snapshotJSON is the document served by ?format=json and embedded in the
// HTML page. Field names are part of the JSON contract for scripts.
type snapshotJSON struct {
	CollectedAt time.Time   `json:"collected_at"`
	IntervalMS  int64       `json:"interval_ms"`
	Collections uint64      `json:"collections"`
	Status      string      `json:"status,omitempty"`
	Error       string      `json:"error,omitempty"`
	Filter      string      `json:"filter,omitempty"`
	Resource    []attrJSON  `json:"resource"`
	Limits      limitsJSON  `json:"limits"`
	Totals      totalsJSON  `json:"totals"`
	Scopes      []scopeJSON `json:"scopes"`
}

// limitsJSON states the caps that bound the Handler's memory and the page.
type limitsJSON struct {
	MaxSeries          int `json:"max_series"`
	HistoryPoints      int `json:"history_points"`
	MaxAttributes      int `json:"max_attributes_per_series"`
	MaxAttributeLength int `json:"max_attribute_value_length"`
	MaxBars            int `json:"max_bucket_bars"`
}

type totalsJSON struct {
	Instruments   int `json:"instruments"`
	Series        int `json:"series"`
	ShownSeries   int `json:"shown_series"`
	DroppedSeries int `json:"dropped_series"`
}

type scopeJSON struct {
	Name string `json:"name"`
	// SelfObservability marks the scopes of the SDK's metrics about itself
	// (OTEL_GO_X_OBSERVABILITY=true), which the page shows in a section of
	// their own.
	SelfObservability bool             `json:"self_observability,omitempty"`
	Version           string           `json:"version,omitempty"`
	SchemaURL         string           `json:"schema_url,omitempty"`
	Instruments       []instrumentJSON `json:"instruments"`
}

type instrumentJSON struct {
	Name        string       `json:"name"`
	Kind        string       `json:"kind"`
	Unit        string       `json:"unit,omitempty"`
	Description string       `json:"description,omitempty"`
	Temporality string       `json:"temporality,omitempty"`
	Series      []seriesJSON `json:"series"`
}

type attrJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type seriesJSON struct {
	Attributes []attrJSON `json:"attributes"`
	// Value is the current value of sums and gauges.
	Value *jsonFloat `json:"value,omitempty"`
	// Rate is a counter's increase per second over the last interval.
	Rate *jsonFloat `json:"rate,omitempty"`
	// Spark holds the recent points, oldest first: rate per second for
	// counters, mean of the interval's observations for histograms, value
	// otherwise; null where a collection produced no point.
	Spark     sparkJSON      `json:"spark"`
	Histogram *histogramJSON `json:"histogram,omitempty"`
}

type histogramJSON struct {
	Count     uint64     `json:"count"`
	Sum       jsonFloat  `json:"sum"`
	Min       *jsonFloat `json:"min,omitempty"`
	Max       *jsonFloat `json:"max,omitempty"`
	Scale     *int32     `json:"scale,omitempty"`
	ZeroCount *uint64    `json:"zero_count,omitempty"`
	P50       *jsonFloat `json:"p50"`
	P90       *jsonFloat `json:"p90"`
	P99       *jsonFloat `json:"p99"`
	Buckets   []barJSON  `json:"buckets,omitempty"`
}

// barJSON is one bar of a histogram: the observations in (Lo, Hi].
type barJSON struct {
	Lo    jsonFloat `json:"lo"`
	Hi    jsonFloat `json:"hi"`
	Count uint64    `json:"count"`
}

// jsonFloat encodes any float64: JSON has no NaN or infinities, so those
// become the strings "NaN", "Infinity" and "-Infinity" (which JavaScript's
// Number() parses back).
type jsonFloat float64

// MarshalJSON writes f as a JSON number, or as "NaN", "Infinity" or
// "-Infinity".
func (f jsonFloat) MarshalJSON() ([]byte, error) {
	return appendJSONFloat(nil, float64(f), true), nil
}

func appendJSONFloat(b []byte, v float64, nonFiniteAsString bool) []byte {
	switch {
	case !math.IsNaN(v) && !math.IsInf(v, 0):
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	case !nonFiniteAsString:
		return append(b, "null"...)
	case math.IsNaN(v):
		return append(b, `"NaN"`...)
	case v > 0:
		return append(b, `"Infinity"`...)
	}
	return append(b, `"-Infinity"`...)
}

func ptrFloat(v float64) *jsonFloat {
	f := jsonFloat(v)
	return &f
}

// sparkJSON encodes sparkline points; a point that is not a finite number
// is a gap (null).
type sparkJSON []float64

// MarshalJSON writes the points as a JSON array with null for gaps.
func (s sparkJSON) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+len(s)*8)
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONFloat(b, v, false)
	}
	return append(b, ']'), nil
}

// snapshot builds the JSON document of the store's current state, keeping
// only what matches filter (case-insensitive substring of the scope,
// instrument name, kind, unit, description or a series' attributes).
func (s *store) snapshot(interval time.Duration, filter string) *snapshotJSON {
	out := &snapshotJSON{
		CollectedAt: s.collectedAt,
		IntervalMS:  interval.Milliseconds(),
		Collections: s.gen,
		Error:       s.lastErr,
		Filter:      filter,
		Resource:    s.resource,
		Limits: limitsJSON{
			MaxSeries:          s.maxSeries,
			HistoryPoints:      s.history,
			MaxAttributes:      maxAttrsPerSeries,
			MaxAttributeLength: maxAttrValueLen,
			MaxBars:            maxBars,
		},
		Totals: totalsJSON{
			Instruments:   len(s.instruments),
			Series:        s.tracked,
			DroppedSeries: s.dropped,
		},
		Scopes: []scopeJSON{},
	}
	needle := strings.ToLower(filter)
	for _, inst := range s.sortedInstruments() {
		k := inst.key
		instMatches := needle == "" || strings.Contains(strings.ToLower(
			k.scopeName+"\x00"+k.name+"\x00"+k.kind.String()+"\x00"+k.unit+"\x00"+inst.description), needle)
		ij := instrumentJSON{
			Name: k.name, Kind: k.kind.String(), Unit: k.unit,
			Description: inst.description, Temporality: inst.temporality,
			Series: []seriesJSON{},
		}
		for _, ser := range sortedSeries(inst) {
			if !instMatches && !strings.Contains(ser.filterBy, needle) {
				continue
			}
			ij.Series = append(ij.Series, ser.toJSON(k.kind))
		}
		if !instMatches && len(ij.Series) == 0 {
			continue
		}
		out.Totals.ShownSeries += len(ij.Series)
		n := len(out.Scopes)
		if n == 0 || out.Scopes[n-1].Name != k.scopeName || out.Scopes[n-1].Version != k.scopeVersion ||
			out.Scopes[n-1].SchemaURL != k.scopeSchemaURL {
			out.Scopes = append(out.Scopes, scopeJSON{Name: k.scopeName, Version: k.scopeVersion, SchemaURL: k.scopeSchemaURL,
				SelfObservability: selfobs.IsScope(k.scopeName)})
		}
		out.Scopes[len(out.Scopes)-1].Instruments = append(out.Scopes[len(out.Scopes)-1].Instruments, ij)
	}
	return out
}

func (ser *seriesState) toJSON(kind dataKind) seriesJSON {
	sj := seriesJSON{Attributes: ser.attrs, Spark: ser.spark.appendTo(make([]float64, 0, len(ser.spark.points)))}
	if sj.Attributes == nil {
		sj.Attributes = []attrJSON{}
	}
	switch {
	case ser.hist != nil:
		sj.Histogram = ser.hist.toJSON()
	case ser.exp != nil:
		sj.Histogram = ser.exp.toJSON()
	case ser.summary != nil:
		sj.Histogram = ser.summary.toJSON()
	default:
		sj.Value = ptrFloat(ser.value)
		if kind == kindCounter {
			if r := ser.spark.last(); !math.IsNaN(r) {
				sj.Rate = ptrFloat(r)
			}
		}
	}
	return sj
}

func (h *explicitCopy) toJSON() *histogramJSON {
	hj := &histogramJSON{Count: h.count, Sum: jsonFloat(h.sum)}
	if h.hasMin {
		hj.Min = ptrFloat(h.minV)
	}
	if h.hasMax {
		hj.Max = ptrFloat(h.maxV)
	}
	ps := [len(quantilesShown)]*jsonFloat{}
	for i, q := range quantilesShown {
		if v, ok := explicitQuantile(h.bounds, h.counts, h.minV, h.hasMin, h.maxV, h.hasMax, q); ok {
			ps[i] = ptrFloat(v)
		}
	}
	hj.P50, hj.P90, hj.P99 = ps[0], ps[1], ps[2]
	if len(h.counts) == len(h.bounds)+1 {
		hj.Buckets = bars(len(h.counts), func(i int) (float64, float64, uint64) {
			lo, hi := math.Inf(-1), math.Inf(1)
			if i > 0 {
				lo = h.bounds[i-1]
			}
			if i < len(h.bounds) {
				hi = h.bounds[i]
			}
			return lo, hi, h.counts[i]
		})
		// The open-ended buckets are drawn over the range actually seen.
		if n := len(hj.Buckets); n > 0 {
			if h.hasMin && math.IsInf(float64(hj.Buckets[0].Lo), -1) {
				hj.Buckets[0].Lo = jsonFloat(h.minV)
			}
			if h.hasMax && math.IsInf(float64(hj.Buckets[n-1].Hi), 1) {
				hj.Buckets[n-1].Hi = jsonFloat(h.maxV)
			}
		}
	}
	return hj
}

func (e *exponentialCopy) toJSON() *histogramJSON {
	scale, zero := e.layout.scale, e.layout.zeroCount
	hj := &histogramJSON{Count: e.count, Sum: jsonFloat(e.sum), Scale: &scale, ZeroCount: &zero}
	if e.hasMin {
		hj.Min = ptrFloat(e.minV)
	}
	if e.hasMax {
		hj.Max = ptrFloat(e.maxV)
	}
	ps := [len(quantilesShown)]*jsonFloat{}
	for i, q := range quantilesShown {
		if v, ok := e.layout.quantile(e.minV, e.hasMin, e.maxV, e.hasMax, q); ok {
			ps[i] = ptrFloat(v)
		}
	}
	hj.P50, hj.P90, hj.P99 = ps[0], ps[1], ps[2]
	hj.Buckets = bars(e.layout.bucketCount(), e.layout.bucket)
	return hj
}

func (s *summaryCopy) toJSON() *histogramJSON {
	hj := &histogramJSON{Count: s.count, Sum: jsonFloat(s.sum)}
	for _, qv := range s.quantiles {
		switch qv.Quantile {
		case 0:
			hj.Min = ptrFloat(qv.Value)
		case 0.5:
			hj.P50 = ptrFloat(qv.Value)
		case 0.9:
			hj.P90 = ptrFloat(qv.Value)
		case 0.99:
			hj.P99 = ptrFloat(qv.Value)
		case 1:
			hj.Max = ptrFloat(qv.Value)
		}
	}
	return hj
}

// bars turns n buckets (in ascending order, from bucket(i)) into at most
// maxBars bars covering the non-empty range: leading and trailing empty
// buckets are left out and adjacent buckets are merged evenly.
func bars(n int, bucket func(i int) (lo, hi float64, count uint64)) []barJSON {
	first, last := -1, -1
	for i := range n {
		if _, _, c := bucket(i); c > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return nil
	}
	span := last - first + 1
	per := (span + maxBars - 1) / maxBars // buckets per bar
	out := make([]barJSON, 0, (span+per-1)/per)
	for start := first; start <= last; start += per {
		end := min(start+per-1, last)
		lo, _, _ := bucket(start)
		_, hi, _ := bucket(end)
		var count uint64
		for i := start; i <= end; i++ {
			_, _, c := bucket(i)
			count += c
		}
		out = append(out, barJSON{Lo: jsonFloat(lo), Hi: jsonFloat(hi), Count: count})
	}
	return out
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case float64:
		*f = jsonFloat(v)
	case string:
		n, err := strconv.ParseFloat(v, 64) // accepts NaN, Infinity, -Infinity
		if err != nil {
			return err
		}
		*f = jsonFloat(n)
	default:
		*f = jsonFloat(math.NaN())
	}
	return nil
}

// UnmarshalJSON reads what MarshalJSON writes; gaps become NaN.
func (s *sparkJSON) UnmarshalJSON(b []byte) error {
	var points []*float64
	if err := json.Unmarshal(b, &points); err != nil {
		return err
	}
	*s = make(sparkJSON, len(points))
	for i, p := range points {
		(*s)[i] = math.NaN()
		if p != nil {
			(*s)[i] = *p
		}
	}
	return nil
}
