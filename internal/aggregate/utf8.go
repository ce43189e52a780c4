package aggregate

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fastmeter/fastmeter/internal/globallog"
	"github.com/fastmeter/fastmeter/internal/ratelimit"
)

// Repair of invalid UTF-8.
//
// OTLP encodes every string as a protobuf string, which must be valid UTF-8:
// one invalid byte anywhere in a request — an instrument name, a scope
// attribute, one attribute value of one series — makes the exporter reject
// the whole request, and every valid neighbour is lost with it. fastmeter
// therefore repairs strings where they enter, never where they are exported,
// and never on the hot path of an existing series:
//
//   - instrument names, units and descriptions, views' stream names, the
//     scope and the resource, once, when they are created (package
//     fastmeter);
//   - measurement attributes (keys, string values, string-slice elements,
//     map keys and values at any depth) in the same pass that normalises
//     duplicate map keys (attrnorm.go), so on a series-table miss only: a
//     measurement on an existing series with a valid set pays nothing, not
//     even a scan.
//
// The repair is ValidUTF8: each maximal run of invalid bytes becomes one
// U+FFFD. The repaired set is the series' identity, as the normalised set is
// for duplicate map keys: two measurements with the same invalid set land in
// one series, and so do sets that repair to the same set — including a valid
// set that already spells U+FFFD where another has an invalid byte. They
// merge, because that is what a backend would see anyway: exporting them as
// two series with identical attributes would only make the backend merge or
// reject them. Like a set with duplicate map keys, a set with invalid UTF-8
// is never stored itself, so each measurement with it misses the lock-free
// lookup; its repair is remembered by the table (normal_forms.go), so it is
// repaired once, and a repeated invalid set costs a memo lookup and a second
// probe, without allocating: the price of the bad input, paid by it alone.
//
// Repairs of measurement attributes are reported through otel.Handle by the
// instrument's RepairReport, rate-limited like invalid measurements. The
// filtered attributes an exemplar keeps are repaired too, without a report
// of their own.

// ValidUTF8 returns s with every run of invalid UTF-8 bytes replaced by
// U+FFFD, and whether anything was replaced. A valid s is returned as it is,
// without allocating. This is fastmeter's one repair of bad strings; every
// place that repairs one calls it.
func ValidUTF8(s string) (string, bool) {
	if utf8.ValidString(s) {
		return s, false
	}
	return strings.ToValidUTF8(s, "\uFFFD"), true
}

// RepairReport reports the measurements of one instrument whose attributes
// had invalid UTF-8 and were recorded under the repaired attributes. The
// first is reported at once, later ones at most once per ratelimit.Interval
// with the count since the previous report. One RepairReport is shared by
// all the streams of an instrument; a nil *RepairReport reports nothing.
type RepairReport struct {
	// Instrument names the instrument in the report.
	Instrument string
	limit      ratelimit.Limiter
}

// repaired records that original, a set with invalid UTF-8, was repaired.
// It is called on the slow path only.
func (r *RepairReport) repaired(original *attribute.Set) {
	if r == nil {
		return
	}
	n, report := r.limit.Event(time.Now())
	if !report {
		return
	}
	// Repaired and recorded: a warning, not an error.
	globallog.Warn(fmt.Sprintf("fastmeter: instrument %q: %d measurement(s) had attributes that are not valid UTF-8 (latest: %s); "+
		"each invalid byte sequence was replaced by U+FFFD and the measurements were recorded under the repaired attributes",
		r.Instrument, n, describeInvalidUTF8(original)))
}

// describeInvalidUTF8 names the first attribute of set with invalid UTF-8
// in its key or value, quoting with %q so the report itself stays valid
// UTF-8 (invalid bytes show as \x escapes).
func describeInvalidUTF8(set *attribute.Set) string {
	for i := range set.Len() {
		kv, _ := set.Get(i)
		if !utf8.ValidString(string(kv.Key)) {
			return fmt.Sprintf("attribute key %q", string(kv.Key))
		}
		if _, f := normalizedValue(kv.Value); f&fixedInvalidUTF8 != 0 {
			if kv.Value.Type() == attribute.STRING {
				return fmt.Sprintf("attribute %q = %q", string(kv.Key), kv.Value.AsString())
			}
			return fmt.Sprintf("attribute %q (a %s value)", string(kv.Key), kv.Value.Type())
		}
	}
	return "an attribute"
}
