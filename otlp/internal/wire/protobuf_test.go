package wire

import (
	"errors"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	collpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/fastmeter/fastmeter/otlp/internal/fixture"
	"github.com/fastmeter/fastmeter/otlp/internal/officialcapture"
)

// decodeProto decodes our bytes with the official generated types.
func decodeProto(t *testing.T, b []byte) *collpb.ExportMetricsServiceRequest {
	t.Helper()
	req := new(collpb.ExportMetricsServiceRequest)
	if err := proto.Unmarshal(b, req); err != nil {
		t.Fatalf("our bytes do not decode: %v", err)
	}
	return req
}

func assertSameRequest(t *testing.T, got, want *collpb.ExportMetricsServiceRequest) {
	t.Helper()
	if !proto.Equal(got, want) {
		t.Fatalf("request differs from the official exporter's\n--- ours\n%s\n--- official\n%s",
			prototext.Format(got), prototext.Format(want))
	}
}

// differentialCases are the collections both encoders are compared on, with
// n series in the large ones.
func differentialCases(n int) map[string]metricdata.ResourceMetrics {
	return map[string]metricdata.ResourceMetrics{
		"rich":             fixture.Rich(),
		"empty":            {},
		"counters":         fixture.Counters(n),
		"histograms":       fixture.Histograms(n),
		"one-scope-no-res": {ScopeMetrics: []metricdata.ScopeMetrics{{}}},
	}
}

func TestProtoMatchesOfficialExporter(t *testing.T) {
	for name, rm := range differentialCases(1000) {
		t.Run(name, func(t *testing.T) {
			want, err := officialcapture.Request(t, &rm)
			if err != nil {
				t.Fatalf("official Export: %v", err)
			}
			if name == "rich" && len(want.ResourceMetrics[0].ScopeMetrics[0].Metrics) != 11 {
				t.Fatalf("the official request lost metrics of the fixture:\n%s", prototext.Format(want))
			}
			var enc ProtoEncoder
			b, err := enc.Encode(&rm)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			assertSameRequest(t, decodeProto(t, b), want)
			// The buffer is reused: a second encoding gives the same bytes.
			first := string(b)
			b2, _ := enc.Encode(&rm)
			if string(b2) != first {
				t.Fatal("a second Encode of the same data gave other bytes")
			}
		})
	}
}

// A metric that cannot be encoded is left out and named, the others are
// sent, as the official exporter does.
func TestProtoSkipsInvalidMetrics(t *testing.T) {
	rm := fixture.Rich()
	ms := rm.ScopeMetrics[0].Metrics
	ms = append(ms,
		metricdata.Metrics{Name: "bad.temporality", Data: metricdata.Sum[int64]{Temporality: 99}},
		metricdata.Metrics{Name: "bad.aggregation", Data: nil},
	)
	rm.ScopeMetrics[0].Metrics = ms
	want, officialErr := officialcapture.Request(t, &rm)
	if officialErr == nil {
		t.Fatal("the official exporter accepted invalid metrics")
	}
	var enc ProtoEncoder
	b, err := enc.Encode(&rm)
	if !errors.Is(err, ErrUnknownTemporality) || !errors.Is(err, ErrUnknownAggregation) {
		t.Fatalf("Encode error = %v, want both unknown temporality and aggregation", err)
	}
	assertSameRequest(t, decodeProto(t, b), want)
}

func TestProtoLongLengthsShift(t *testing.T) {
	// Lengths of 1, 2 and 3 varint bytes, with bodies around the limits.
	for _, n := range []int{0, 1, 127, 128, 129, 16383, 16384, 70000} {
		body := make([]byte, n)
		for i := range body {
			body[i] = byte(i)
		}
		var want protoBuffer
		want.bytesAlways(1, body)
		for _, reserve := range []int{1, 2, 3, 4, 5} {
			var p protoBuffer
			at := p.openReserving(1, reserve)
			p.b = append(p.b, body...)
			p.close(at)
			if string(p.b) != string(want.b) {
				t.Fatalf("body of %d bytes, %d reserved: wrong framing", n, reserve)
			}
		}
	}
}

func benchmarkEncode(b *testing.B, rm metricdata.ResourceMetrics) {
	var enc ProtoEncoder
	if _, err := enc.Encode(&rm); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := enc.Encode(&rm); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProtoEncode(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run("counters-"+itoa(n), func(b *testing.B) { benchmarkEncode(b, fixture.Counters(n)) })
		b.Run("histograms-"+itoa(n), func(b *testing.B) { benchmarkEncode(b, fixture.Histograms(n)) })
	}
}

func itoa(n int) string {
	switch n {
	case 10:
		return "10"
	case 1000:
		return "1000"
	}
	return "10000"
}

// The attribute cache never changes the bytes: over exports whose series
// come, go and come back (past the sweep), a long-lived encoder writes what
// a fresh one writes.
func TestProtoAttributeCacheAcrossExports(t *testing.T) {
	var longLived ProtoEncoder
	for export := range 3 * sweepEvery {
		var rm metricdata.ResourceMetrics
		switch export % 3 {
		case 0:
			rm = fixture.Counters(50 + export)
		case 1:
			rm = fixture.Histograms(10)
		default:
			rm = fixture.Rich()
		}
		got, err := longLived.Encode(&rm)
		if err != nil {
			t.Fatal(err)
		}
		var fresh ProtoEncoder
		want, _ := fresh.Encode(&rm)
		if string(got) != string(want) {
			t.Fatalf("export %d: the cached encoding differs from a fresh one", export)
		}
	}
}
