package fastmeter

import (
	"fmt"
)

// maxInstrumentNameLength is the specification's limit.
const maxInstrumentNameLength = 255

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
			return fmt.Errorf("%w: %q has %q at byte %d; allowed are letters, digits, '_', '.', '-' and '/'", ErrInstrumentName, name, c, i)
		}
	}
	return nil
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
