package conformance

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/metric"
)

// validatesUnitsAndDescriptions says, per SDK, whether units and
// descriptions are checked against the specification's limits (unit: at most
// 63 ASCII characters; description: valid UTF-8, at most 1023 characters).
// The official SDK does not check them: it accepts any string without an
// error and exports it as given. fastmeter deliberately checks (see
// fastmeter_sdk_test.go): the instrument is created and works, an error is
// returned, a bad unit is exported as given and a bad description is
// repaired (invalid bytes → U+FFFD, cut to 1023 characters).
var validatesUnitsAndDescriptions = map[string]bool{"official": false}

func TestUnitAndDescriptionValidation(t *testing.T) {
	cases := []struct {
		name, unit, description string
		repairedDescription     string // what a validating SDK exports
	}{
		{name: "non-ASCII unit", unit: "µs"},
		{name: "long unit", unit: strings.Repeat("u", 64)},
		{name: "63-character unit", unit: strings.Repeat("u", 63)},
		{name: "long description", description: strings.Repeat("d", 1024), repairedDescription: strings.Repeat("d", 1023)},
		{name: "1023-character description", description: strings.Repeat("é", 1023), repairedDescription: strings.Repeat("é", 1023)},
		{name: "invalid UTF-8 description", description: "bad \xff byte", repairedDescription: "bad \uFFFD byte"},
	}
	forEachSDK(t, func(t *testing.T, s sdk) {
		validates, ok := validatesUnitsAndDescriptions[s.name]
		if !ok {
			t.Fatalf("no validation policy for %s", s.name)
		}
		for _, tc := range cases {
			run(t, tc.name, func(t *testing.T) {
				valid := len(tc.unit) <= 63 && !strings.ContainsFunc(tc.unit, func(r rune) bool { return r > 0x7f }) &&
					tc.description == tc.repairedDescription
				wantErr := validates && !valid
				wantDescription := tc.description
				if validates {
					wantDescription = tc.repairedDescription
				}

				h := s.manual(t, providerConfig{})
				c, err := h.provider.Meter("units").Int64Counter("c", metric.WithUnit(tc.unit), metric.WithDescription(tc.description))
				if (err != nil) != wantErr {
					t.Errorf("instrument creation error %v, want an error: %v", err, wantErr)
				}
				c.Add(context.Background(), 1)
				got := h.collectMetrics(t)
				if len(got) != 1 || got[0].Unit != tc.unit || got[0].Description != wantDescription {
					t.Errorf("exported %+v, want unit %q description %.40q", got, tc.unit, wantDescription)
				}
			})
		}
	})
}
