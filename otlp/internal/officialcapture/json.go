package officialcapture

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"

	collpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	mpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// DecodeJSON decodes an OTLP/JSON request with protojson, then undoes
// the one place the OTLP mapping departs from protojson: trace and span ids
// are hex, not base64. protojson reads the hex text as base64 (hex digits
// are base64 letters and the ids' lengths are multiples of four), so
// re-encoding those bytes in base64 gives back the hex text.
func DecodeJSON(t testing.TB, b []byte) *collpb.ExportMetricsServiceRequest {
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
