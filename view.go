package fastmeter

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/sdk/instrumentation"

	"github.com/fastmeter/fastmeter/internal/globallog"
)

// NewView returns a View that applies the Stream mask to every instrument
// matching criteria, with the official SDK's semantics: every non-zero field
// of criteria must equal the instrument's (Name, Description, Kind, Unit, and
// the Scope's Name, Version and SchemaURL); the Name accepts the wildcards
// "*" (any run of characters) and "?" (one character); the returned Stream
// takes the instrument's Name, Description and Unit unless the mask sets
// them, and the mask's Aggregation, AttributeFilter and exemplar reservoir
// selector.
//
// Empty criteria would match every instrument by accident, so such a view
// matches none; a view that renames (mask.Name) must select one instrument,
// so a wildcard with a rename matches none. Both mistakes are logged as
// errors of the OpenTelemetry global logger, as in the official SDK. Unlike the official SDK, an invalid mask Aggregation
// is kept in the view: the instrument's creation then returns the error and
// the stream falls back to the default aggregation, so the mistake is seen
// where the instrument is made.
func NewView(criteria Instrument, mask Stream) View {
	if criteria.IsEmpty() {
		globallog.Error(errors.New("fastmeter: NewView with empty criteria would match every instrument; the view matches none. Use Name \"*\" to match all"), "dropping view", "mask", mask)
		return matchesNothing
	}
	matchName := func(name string) bool { return criteria.Name == "" || criteria.Name == name }
	if strings.ContainsAny(criteria.Name, "*?") {
		if mask.Name != "" {
			globallog.Error(fmt.Errorf("fastmeter: NewView renames to %q but its criteria name %q is a wildcard that may select several instruments, which would collide under one name; the view matches none", mask.Name, criteria.Name), "dropping view", "criteria", criteria, "mask", mask)
			return matchesNothing
		}
		re := wildcardPattern(criteria.Name)
		matchName = re.MatchString
	}
	if h, ok := mask.Aggregation.(AggregationExplicitBucketHistogram); ok {
		// Detach from the caller's slice: views may run long after.
		h.Boundaries = slices.Clone(h.Boundaries)
		mask.Aggregation = h
	}
	return func(i Instrument) (Stream, bool) {
		if !matchName(i.Name) ||
			!matchesField(criteria.Description, i.Description) ||
			!matchesField(criteria.Kind, i.Kind) ||
			!matchesField(criteria.Unit, i.Unit) ||
			!matchesScope(criteria.Scope, i.Scope) {
			return Stream{}, false
		}
		return Stream{
			Name:                              nonZero(mask.Name, i.Name),
			Description:                       nonZero(mask.Description, i.Description),
			Unit:                              nonZero(mask.Unit, i.Unit),
			Aggregation:                       mask.Aggregation,
			AttributeFilter:                   mask.AttributeFilter,
			ExemplarReservoirProviderSelector: mask.ExemplarReservoirProviderSelector,
		}, true
	}
}

func matchesNothing(Instrument) (Stream, bool) { return Stream{}, false }

// wildcardPattern turns a name with "*" and "?" into an anchored regexp;
// every other character matches itself.
func wildcardPattern(name string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range name {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// matchesField reports whether a criteria field is unset or equal.
func matchesField[T comparable](criteria, actual T) bool {
	var zero T
	return criteria == zero || criteria == actual
}

func matchesScope(criteria, actual instrumentation.Scope) bool {
	return matchesField(criteria.Name, actual.Name) &&
		matchesField(criteria.Version, actual.Version) &&
		matchesField(criteria.SchemaURL, actual.SchemaURL)
}

func nonZero[T comparable](v, fallback T) T {
	var zero T
	if v != zero {
		return v
	}
	return fallback
}
