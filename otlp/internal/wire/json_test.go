package wire

import (
	"strings"
	"testing"

	"github.com/fastmeter/fastmeter/otlp/internal/fixture"
	"github.com/fastmeter/fastmeter/otlp/internal/officialcapture"
)

func TestJSONMatchesOfficialExporter(t *testing.T) {
	for name, rm := range differentialCases(100) {
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
			assertSameRequest(t, officialcapture.DecodeJSON(t, b), want)
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
