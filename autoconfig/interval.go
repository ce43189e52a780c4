package autoconfig

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// The specification's defaults for the periodic reader.
const (
	defaultExportInterval = 60 * time.Second
	defaultExportTimeout  = 30 * time.Second
)

// positiveMillis reads a variable holding a positive whole number of
// milliseconds, the unit of every OTEL_* duration. Zero is rejected: an
// interval of zero would export in a tight loop and a timeout of zero would
// fail every export, and neither is what a user setting it means.
func positiveMillis(name string, fallback time.Duration) (time.Duration, error) {
	raw, ok := lookupEnv(name)
	if !ok {
		return fallback, nil
	}
	ms, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, &EnvError{Name: name, Value: raw, Reason: "not a whole number of milliseconds"}
	}
	if ms <= 0 {
		return 0, &EnvError{Name: name, Value: raw, Reason: "must be a positive number of milliseconds"}
	}
	if ms > math.MaxInt64/int64(time.Millisecond) {
		return 0, &EnvError{Name: name, Value: raw, Reason: "too large for a duration"}
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// positiveOption validates a programmatic duration (WithInterval,
// WithTimeout).
func positiveOption(option string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("autoconfig: %s(%v): must be positive", option, d)
	}
	return nil
}
