package fastmeter_test

import (
	"testing"

	"go.opentelemetry.io/otel/sdk/instrumentation"

	"github.com/fastmeter/fastmeter"
)

func TestNewViewMatching(t *testing.T) {
	inst := fastmeter.Instrument{Name: "http.server.duration", Kind: fastmeter.InstrumentKindHistogram, Unit: "s",
		Scope: instrumentation.Scope{Name: "otelhttp", Version: "1.0"}}
	cases := []struct {
		name     string
		criteria fastmeter.Instrument
		mask     fastmeter.Stream
		match    bool
		want     string
	}{
		{"exact", fastmeter.Instrument{Name: "http.server.duration"}, fastmeter.Stream{Name: "latency"}, true, "latency"},
		{"star", fastmeter.Instrument{Name: "http.*"}, fastmeter.Stream{}, true, "http.server.duration"},
		{"question", fastmeter.Instrument{Name: "http.server.duratio?"}, fastmeter.Stream{}, true, "http.server.duration"},
		{"dot is literal", fastmeter.Instrument{Name: "http?server*"}, fastmeter.Stream{}, true, "http.server.duration"},
		{"regexp chars are literal", fastmeter.Instrument{Name: "http.server.(duration)*"}, fastmeter.Stream{}, false, ""},
		{"kind mismatch", fastmeter.Instrument{Name: "*", Kind: fastmeter.InstrumentKindCounter}, fastmeter.Stream{}, false, ""},
		{"unit and scope", fastmeter.Instrument{Unit: "s", Scope: instrumentation.Scope{Name: "otelhttp"}}, fastmeter.Stream{}, true, "http.server.duration"},
		{"scope version mismatch", fastmeter.Instrument{Scope: instrumentation.Scope{Version: "2.0"}}, fastmeter.Stream{}, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := fastmeter.NewView(tc.criteria, tc.mask)(inst)
			if ok != tc.match || (ok && s.Name != tc.want) {
				t.Fatalf("match %v name %q, want %v %q", ok, s.Name, tc.match, tc.want)
			}
			if ok && (s.Unit != "s" || s.Description != "") {
				t.Fatalf("stream did not inherit the instrument's unit/description: %+v", s)
			}
		})
	}
}

func TestNewViewMistakesAreReportedAndMatchNothing(t *testing.T) {
	rec := recordDiagnostics(t)
	inst := fastmeter.Instrument{Name: "a"}
	if _, ok := fastmeter.NewView(fastmeter.Instrument{}, fastmeter.Stream{Name: "x"})(inst); ok {
		t.Error("a view with empty criteria matched")
	}
	if _, ok := fastmeter.NewView(fastmeter.Instrument{Name: "*"}, fastmeter.Stream{Name: "x"})(inst); ok {
		t.Error("a renaming wildcard view matched")
	}
	// As in the official SDK: errors of the global logger.
	rec.requireOn(t, onLogger, levelError, "empty criteria")
	rec.requireOn(t, onLogger, levelError, "wildcard")
	if !rec.contains("empty criteria") || !rec.contains("wildcard") {
		t.Errorf("mistakes not reported: %v", rec.texts())
	}
}
