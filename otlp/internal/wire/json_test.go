package wire

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	collpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	mpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/fastmeter/fastmeter/otlp/internal/fixture"
	"github.com/fastmeter/fastmeter/otlp/internal/officialcapture"
)

// DecodeOTLPJSON decodes an OTLP/JSON request with protojson, then undoes
// the one place the OTLP mapping departs from protojson: trace and span ids
// are hex, not base64. protojson reads the hex text as base64 (hex digits
// are base64 letters and the ids' lengths are multiples of four), so
// re-encoding those bytes in base64 gives back the hex text.
func decodeOTLPJSON(t *testing.T, b []byte) *collpb.ExportMetricsServiceRequest {
	t.Helper()
	if !json.Valid(b) {
		t.Fatalf("not valid JSON: %s", b)
	}
	req := new(collpb.ExportMetricsServiceRequest)
	if err := protojson.Unmarshal(b, req); err != nil {
		t.Fatalf("protojson cannot decode our JSON: %v\n%s", err, b)
	}
	unhex := func(id []byte) []byte {
		if len(id) == 0 {
			return id
		}
		raw, err := hex.DecodeString(base64.StdEncoding.EncodeToString(id))
		if err != nil {
			t.Fatalf("id is not hex: %v", err)
		}
		return raw
	}
	fix := func(exs []*mpb.Exemplar) {
		for _, ex := range exs {
			ex.SpanId, ex.TraceId = unhex(ex.SpanId), unhex(ex.TraceId)
		}
	}
	for _, rm := range req.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				switch d := m.Data.(type) {
				case *mpb.Metric_Sum:
					for _, p := range d.Sum.DataPoints {
						fix(p.Exemplars)
					}
				case *mpb.Metric_Gauge:
					for _, p := range d.Gauge.DataPoints {
						fix(p.Exemplars)
					}
				case *mpb.Metric_Histogram:
					for _, p := range d.Histogram.DataPoints {
						fix(p.Exemplars)
					}
				case *mpb.Metric_ExponentialHistogram:
					for _, p := range d.ExponentialHistogram.DataPoints {
						fix(p.Exemplars)
					}
				}
			}
		}
	}
	return req
}

func TestJSONMatchesOfficialExporter(t *testing.T) {
	cases := map[string]metricdata.ResourceMetrics{
		"rich":             fixture.Rich(),
		"empty":            {},
		"counters-100":     fixture.Counters(100),
		"histograms-100":   fixture.Histograms(100),
		"one-scope-no-res": {ScopeMetrics: []metricdata.ScopeMetrics{{}}},
	}
	for name, rm := range cases {
		t.Run(name, func(t *testing.T) {
			want, err := officialcapture.Request(t, &rm)
			if err != nil {
				t.Fatalf("official Export: %v", err)
			}
			var enc JSONEncoder
			b, err := enc.Encode(&rm)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			assertSameRequest(t, decodeOTLPJSON(t, b), want)
		})
	}
}

// The OTLP JSON mapping's specifics, checked on the text itself.
func TestJSONMapping(t *testing.T) {
	rm := fixture.Rich()
	var enc JSONEncoder
	b, err := enc.Encode(&rm)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`"traceId":"0102030405060708090a0b0c0d0e0f10"`, // hex ids
		`"spanId":"0102030405060708"`,
		`"aggregationTemporality":2`,     // enums as integers
		`"asInt":"-9223372036854775808"`, // 64-bit integers as strings
		`"startTimeUnixNano":"1700000000123456789"`,
		`"isMonotonic":true`,
		`"schemaUrl":"https://opentelemetry.io/schemas/1.26.0"`,
		`"bytesValue":"AAH/"`, // base64 for AnyValue bytes
		`"scale":-2`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}

func TestJSONQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain":      `"plain"`,
		"q\"b\\":     `"q\"b\\"`,
		"\n\r\t\x01": `"\n\r\t\u0001"`,
		"é€😀":        `"é€😀"`,
		"bad\xffend": `"bad\ufffdend"`,
		"":           `""`,
	} {
		var j jsonBuffer
		j.quote(in)
		if string(j.b) != want {
			t.Errorf("quote(%q) = %s, want %s", in, j.b, want)
		}
	}
}

func BenchmarkJSONEncode(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run("counters-"+itoa(n), func(b *testing.B) {
			rm := fixture.Counters(n)
			var enc JSONEncoder
			_, _ = enc.Encode(&rm)
			b.ReportAllocs()
			for b.Loop() {
				_, _ = enc.Encode(&rm)
			}
		})
	}
}
