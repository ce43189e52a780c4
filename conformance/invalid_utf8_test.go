package conformance

import (
	"context"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestInvalidUTF8 records an instrument name and an attribute value that are
// not valid UTF-8 next to a valid series. Both SDKs keep every measurement;
// the official SDK exports the strings as given, which an OTLP exporter
// cannot encode (the whole request fails, valid neighbours included), while
// fastmeter repairs them (U+FFFD) where they enter — a deliberate difference
// listed in fastmeter_sdk_test.go.
func TestInvalidUTF8(t *testing.T) {
	const bad = "caf\xff"
	ctx := context.Background()
	record := func(t *testing.T, s sdk) []metricdata.Metrics {
		h := s.manual(t, providerConfig{})
		m := h.provider.Meter("utf8")
		valid, _ := m.Int64Counter("valid")
		valid.Add(ctx, 2, metric.WithAttributes(attribute.String("u", "ok")))
		valid.Add(ctx, 3, metric.WithAttributes(attribute.String("u", bad)))
		badName, _ := m.Int64Counter("name." + bad)
		badName.Add(ctx, 5)
		return h.collectMetrics(t)
	}
	forEachSDK(t, func(t *testing.T, s sdk) {
		run(t, "every measurement is kept", func(t *testing.T) {
			var total int64
			for _, m := range record(t, s) {
				for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
					total += p.Value
				}
			}
			if total != 10 {
				t.Errorf("total %d over all series, want 10", total)
			}
		})
		run(t, "strings are exported as given", func(t *testing.T) {
			names := map[string]bool{}
			values := map[string]bool{}
			for _, m := range record(t, s) {
				names[m.Name] = true
				for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
					if v, ok := p.Attributes.Value("u"); ok {
						values[v.AsString()] = true
					}
				}
			}
			if !names["name."+bad] || !values[bad] || !values["ok"] {
				t.Errorf("names %q, values %q; want the invalid name and value kept as given", keys(names), keys(values))
			}
		})
		// Each SDK's own behaviour: the official SDK must still export the
		// invalid strings (so the documented difference cannot go stale);
		// every other SDK must export valid UTF-8 only.
		run(t, "exported strings are valid UTF-8 unless official", func(t *testing.T) {
			var invalid []string
			for _, m := range record(t, s) {
				if !utf8.ValidString(m.Name) {
					invalid = append(invalid, "metric name "+m.Name)
				}
				for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
					if v, _ := p.Attributes.Value("u"); !utf8.ValidString(v.AsString()) {
						invalid = append(invalid, "attribute value "+v.AsString())
					}
				}
			}
			switch {
			case s.name == "official" && len(invalid) != 2:
				t.Errorf("official SDK: invalid strings %q, want the name and the value as given (update the documented difference)", invalid)
			case s.name != "official" && len(invalid) != 0:
				t.Errorf("%s exports strings that are not valid UTF-8: %q", s.name, invalid)
			}
		})
	})
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
