package fastmeter

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/fastmeter/fastmeter/internal/aggregate"
)

// Limits from the specification.
const (
	maxInstrumentNameLength = 255
	maxUnitLength           = 63
	maxDescriptionLength    = 1023
)

// validateInstrumentName checks the specification's instrument name syntax:
// an ASCII letter, then up to 254 letters, digits, '_', '.', '-' or '/'.
// An invalid name is reported to the caller with ErrInstrumentName, but the
// instrument still works: dropping its data would punish a typo with data
// loss.
func validateInstrumentName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: the name is empty", ErrInstrumentName)
	case len(name) > maxInstrumentNameLength:
		return fmt.Errorf("%w: %q is %d characters long, the limit is %d", ErrInstrumentName, name, len(name), maxInstrumentNameLength)
	case !isASCIILetter(name[0]):
		return fmt.Errorf("%w: %q must start with an ASCII letter", ErrInstrumentName, name)
	}
	for i := 1; i < len(name); i++ {
		c := name[i]
		if !isASCIILetter(c) && !('0' <= c && c <= '9') && c != '_' && c != '.' && c != '-' && c != '/' {
			return fmt.Errorf("%w: %q has %s at byte %d; allowed are letters, digits, '_', '.', '-' and '/'", ErrInstrumentName, name, describeChar(name[i:]), i)
		}
	}
	return nil
}

// describeChar names the character s starts with for an error message: the
// whole character, not its first byte, and an invalid UTF-8 byte as such.
func describeChar(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("the invalid UTF-8 byte %#02x", s[0])
	}
	return fmt.Sprintf("%q", r)
}

// sanitizeInstrumentName validates name (see validateInstrumentName) and
// repairs invalid UTF-8 in it. Such a name already fails validation (the
// syntax is ASCII), and, like any invalid name, the instrument is still
// created; but it is created under the repaired name, since the stream's
// name is exported and one invalid string fails a whole OTLP request.
func sanitizeInstrumentName(name string) (string, error) {
	err := validateInstrumentName(name)
	if repaired, changed := aggregate.ValidUTF8(name); changed {
		return repaired, fmt.Errorf("%w; the instrument is created as %q (invalid UTF-8 replaced by U+FFFD)", err, repaired)
	}
	return name, err
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// sanitizeUnit checks the specification's unit syntax: at most 63 ASCII
// characters. An invalid unit is reported and kept as given, except that
// invalid UTF-8 in it is repaired (OTLP cannot encode it).
func sanitizeUnit(instrument, unit string) (string, error) {
	if len(unit) > maxUnitLength {
		return unit, fmt.Errorf("fastmeter: instrument %q: unit %q is %d characters long, the limit is %d", instrument, unit, len(unit), maxUnitLength)
	}
	for i := 0; i < len(unit); i++ {
		if unit[i] > 0x7f {
			err := fmt.Errorf("fastmeter: instrument %q: unit %q has %s at byte %d; units must be ASCII", instrument, unit, describeChar(unit[i:]), i)
			if repaired, changed := aggregate.ValidUTF8(unit); changed {
				return repaired, fmt.Errorf("%w; the unit is kept as %q (invalid UTF-8 replaced by U+FFFD)", err, repaired)
			}
			return unit, err
		}
	}
	return unit, nil
}

// sanitizeDescription enforces valid UTF-8 and the 1023-character limit. An
// invalid description is repaired (invalid bytes become U+FFFD, the excess is
// cut) rather than kept: exporters such as OTLP cannot encode invalid UTF-8,
// and one bad description would fail every export of the batch.
func sanitizeDescription(instrument, desc string) (string, error) {
	var problems []string
	if repaired, changed := aggregate.ValidUTF8(desc); changed {
		desc = repaired
		problems = append(problems, "it is not valid UTF-8 (invalid bytes replaced by U+FFFD)")
	}
	if n := utf8.RuneCountInString(desc); n > maxDescriptionLength {
		cut := 0
		for i := range desc {
			if cut == maxDescriptionLength {
				desc = desc[:i]
				break
			}
			cut++
		}
		problems = append(problems, fmt.Sprintf("it is %d characters long, the limit is %d (truncated)", n, maxDescriptionLength))
	}
	if problems == nil {
		return desc, nil
	}
	return desc, fmt.Errorf("fastmeter: instrument %q: description repaired: %s", instrument, strings.Join(problems, "; "))
}
