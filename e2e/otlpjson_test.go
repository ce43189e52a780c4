package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// This file decodes the collector file exporter's output: one OTLP/JSON
// ExportMetricsServiceRequest per line. It is decoded with plain structs rather
// than protojson because OTLP/JSON differs from the canonical protobuf JSON
// mapping (trace and span IDs are hex, not base64).

type exportRequest struct {
	ResourceMetrics []resourceMetrics `json:"resourceMetrics"`
}

type resourceMetrics struct {
	Resource struct {
		Attributes []keyValue `json:"attributes"`
	} `json:"resource"`
	ScopeMetrics []scopeMetrics `json:"scopeMetrics"`
	SchemaURL    string         `json:"schemaUrl"`
}

type scopeMetrics struct {
	Scope struct {
		Name       string     `json:"name"`
		Version    string     `json:"version"`
		Attributes []keyValue `json:"attributes"`
	} `json:"scope"`
	Metrics   []metricJSON `json:"metrics"`
	SchemaURL string       `json:"schemaUrl"`
}

type metricJSON struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Unit        string         `json:"unit"`
	Sum         *sumJSON       `json:"sum"`
	Gauge       *gaugeJSON     `json:"gauge"`
	Histogram   *histogramJSON `json:"histogram"`
	ExpHist     *expHistJSON   `json:"exponentialHistogram"`
}

type sumJSON struct {
	DataPoints             []numberPoint `json:"dataPoints"`
	AggregationTemporality int           `json:"aggregationTemporality"`
	IsMonotonic            bool          `json:"isMonotonic"`
}

type gaugeJSON struct {
	DataPoints []numberPoint `json:"dataPoints"`
}

type histogramJSON struct {
	DataPoints             []histogramPoint `json:"dataPoints"`
	AggregationTemporality int              `json:"aggregationTemporality"`
}

// OTLP aggregation temporality enum values.
const (
	temporalityDelta      = 1
	temporalityCumulative = 2
)

type numberPoint struct {
	Attributes        []keyValue   `json:"attributes"`
	StartTimeUnixNano jsonUint     `json:"startTimeUnixNano"`
	TimeUnixNano      jsonUint     `json:"timeUnixNano"`
	AsInt             *jsonInt     `json:"asInt"`
	AsDouble          *jsonFloat   `json:"asDouble"`
	Exemplars         []exemplarJS `json:"exemplars"`
}

// value returns the point's value whichever of asInt/asDouble carries it.
func (p numberPoint) value() float64 {
	switch {
	case p.AsInt != nil:
		return float64(*p.AsInt)
	case p.AsDouble != nil:
		return float64(*p.AsDouble)
	}
	return 0 // OTLP/JSON omits a zero value entirely
}

type histogramPoint struct {
	Attributes        []keyValue   `json:"attributes"`
	StartTimeUnixNano jsonUint     `json:"startTimeUnixNano"`
	TimeUnixNano      jsonUint     `json:"timeUnixNano"`
	Count             jsonUint     `json:"count"`
	Sum               *jsonFloat   `json:"sum"`
	BucketCounts      []jsonUint   `json:"bucketCounts"`
	ExplicitBounds    []jsonFloat  `json:"explicitBounds"`
	Min               *jsonFloat   `json:"min"`
	Max               *jsonFloat   `json:"max"`
	Exemplars         []exemplarJS `json:"exemplars"`
}

type expHistJSON struct {
	DataPoints             []expHistPoint `json:"dataPoints"`
	AggregationTemporality int            `json:"aggregationTemporality"`
}

type expHistPoint struct {
	Attributes        []keyValue   `json:"attributes"`
	StartTimeUnixNano jsonUint     `json:"startTimeUnixNano"`
	TimeUnixNano      jsonUint     `json:"timeUnixNano"`
	Count             jsonUint     `json:"count"`
	Sum               *jsonFloat   `json:"sum"`
	Scale             int32        `json:"scale"`
	ZeroCount         jsonUint     `json:"zeroCount"`
	Positive          expBuckets   `json:"positive"`
	Negative          expBuckets   `json:"negative"`
	Min               *jsonFloat   `json:"min"`
	Max               *jsonFloat   `json:"max"`
	Exemplars         []exemplarJS `json:"exemplars"`
}

type expBuckets struct {
	Offset       int32      `json:"offset"`
	BucketCounts []jsonUint `json:"bucketCounts"`
}

type exemplarJS struct {
	FilteredAttributes []keyValue `json:"filteredAttributes"`
	TimeUnixNano       jsonUint   `json:"timeUnixNano"`
	AsInt              *jsonInt   `json:"asInt"`
	AsDouble           *jsonFloat `json:"asDouble"`
	SpanID             string     `json:"spanId"`
	TraceID            string     `json:"traceId"`
}

func (e exemplarJS) value() float64 {
	switch {
	case e.AsInt != nil:
		return float64(*e.AsInt)
	case e.AsDouble != nil:
		return float64(*e.AsDouble)
	}
	return 0
}

type keyValue struct {
	Key   string   `json:"key"`
	Value anyValue `json:"value"`
}

type anyValue struct {
	StringValue *string    `json:"stringValue"`
	BoolValue   *bool      `json:"boolValue"`
	IntValue    *jsonInt   `json:"intValue"`
	DoubleValue *jsonFloat `json:"doubleValue"`
	ArrayValue  *struct {
		Values []anyValue `json:"values"`
	} `json:"arrayValue"`
}

// String renders the value in the same canonical form as attrKey.
func (v anyValue) String() string {
	switch {
	case v.StringValue != nil:
		return strconv.Quote(*v.StringValue)
	case v.BoolValue != nil:
		return strconv.FormatBool(*v.BoolValue)
	case v.IntValue != nil:
		return strconv.FormatInt(int64(*v.IntValue), 10)
	case v.DoubleValue != nil:
		return strconv.FormatFloat(float64(*v.DoubleValue), 'g', -1, 64)
	case v.ArrayValue != nil:
		parts := make([]string, len(v.ArrayValue.Values))
		for i, e := range v.ArrayValue.Values {
			parts[i] = e.String()
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return "<empty>"
}

// attrsKey renders OTLP attributes canonically (sorted by key) so that they
// can be compared with attrKey of the attribute set that was recorded.
func attrsKey(kvs []keyValue) string {
	parts := make([]string, len(kvs))
	for i, kv := range kvs {
		parts[i] = kv.Key + "=" + kv.Value.String()
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

// attrsMap renders OTLP attributes as key -> canonical value.
func attrsMap(kvs []keyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.String()
	}
	return m
}

// jsonInt is an int64 that OTLP/JSON writes as a decimal string (or a number).
type jsonInt int64

func (v *jsonInt) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseInt(string(bytes.Trim(b, `"`)), 10, 64)
	*v = jsonInt(n)
	return err
}

// jsonUint is a uint64 (counts, timestamps) written as a decimal string.
type jsonUint uint64

func (v *jsonUint) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseUint(string(bytes.Trim(b, `"`)), 10, 64)
	*v = jsonUint(n)
	return err
}

// jsonFloat is a double; OTLP/JSON writes non-finite values as strings.
type jsonFloat float64

func (v *jsonFloat) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	switch s {
	case "NaN":
		*v = jsonFloat(math.NaN())
		return nil
	case "Infinity":
		*v = jsonFloat(math.Inf(1))
		return nil
	case "-Infinity":
		*v = jsonFloat(math.Inf(-1))
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	*v = jsonFloat(f)
	return err
}

// readOTLPJSONLines parses a file exporter output file. A last line without
// its newline is still being written by the collector and is ignored.
func readOTLPJSONLines(path string) ([]resourceMetrics, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// Drop an unterminated last line: the collector is still writing it.
	data = data[:bytes.LastIndexByte(data, '\n')+1]
	var out []resourceMetrics
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var req exportRequest
		if err := json.Unmarshal(line, &req); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, i+1, err)
		}
		out = append(out, req.ResourceMetrics...)
	}
	return out, nil
}
