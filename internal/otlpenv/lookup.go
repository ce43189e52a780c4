package otlpenv

import (
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// Lookup returns the variable's value with surrounding white space removed.
// The specification treats an empty value as unset, so ok is false for both.
func Lookup(name string) (value string, ok bool) {
	v := strings.TrimSpace(os.Getenv(name))
	return v, v != ""
}

// LookupEnum is Lookup for variables whose values are case-insensitive
// keywords: it also lower-cases the value.
func LookupEnum(name string) (value string, ok bool) {
	v, ok := Lookup(name)
	return strings.ToLower(v), ok
}

// LookupFirst returns the first of names that is set, with its name. It
// serves the per-signal variables that take precedence over the general ones
// (OTEL_EXPORTER_OTLP_METRICS_X before OTEL_EXPORTER_OTLP_X).
func LookupFirst(names ...string) (name, value string, ok bool) {
	for _, n := range names {
		if v, ok := Lookup(n); ok {
			return n, v, true
		}
	}
	return "", "", false
}

// Bool reads a boolean variable the way the specification requires: "true"
// (any case) is true; unset, empty and "false" are false; any other value is
// false too, with a warning (not an error: the specification mandates that
// fallback). set reports whether the variable is set at all.
func Bool(name string) (value, set bool, warning *Error) {
	v, ok := LookupEnum(name)
	switch {
	case !ok:
		return false, false, nil
	case v == "true":
		return true, true, nil
	case v == "false":
		return false, true, nil
	}
	return false, true, &Error{Name: name, Value: os.Getenv(name), Reason: `not "true" or "false"; treated as false`}
}

// PositiveMillis reads a variable holding a positive whole number of
// milliseconds, the unit of every OTEL_* duration; ok is false when it is
// unset. Zero is rejected: an interval of zero would export in a tight loop
// and a timeout of zero would fail every export, and neither is what a user
// setting it means.
func PositiveMillis(name string) (d time.Duration, ok bool, err *Error) {
	raw, ok := Lookup(name)
	if !ok {
		return 0, false, nil
	}
	ms, perr := strconv.ParseInt(raw, 10, 64)
	switch {
	case perr != nil:
		return 0, true, &Error{Name: name, Value: raw, Reason: "not a whole number of milliseconds"}
	case ms <= 0:
		return 0, true, &Error{Name: name, Value: raw, Reason: "must be a positive number of milliseconds"}
	case ms > math.MaxInt64/int64(time.Millisecond):
		return 0, true, &Error{Name: name, Value: raw, Reason: "too large for a duration"}
	}
	return time.Duration(ms) * time.Millisecond, true, nil
}
