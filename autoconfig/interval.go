package autoconfig

import (
	"fmt"
	"time"

	"github.com/fastmeter/fastmeter/internal/otlpenv"
)

// The specification's defaults for the periodic reader.
const (
	defaultExportInterval = 60 * time.Second
	defaultExportTimeout  = 30 * time.Second
)

// positiveMillis reads a variable holding a positive whole number of
// milliseconds (otlpenv.PositiveMillis), or returns fallback when it is
// unset.
func positiveMillis(name string, fallback time.Duration) (time.Duration, error) {
	d, ok, err := otlpenv.PositiveMillis(name)
	switch {
	case err != nil:
		return 0, envError(err)
	case !ok:
		return fallback, nil
	}
	return d, nil
}

// positiveOption validates a programmatic duration (WithInterval,
// WithTimeout).
func positiveOption(option string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("autoconfig: %s(%v): must be positive", option, d)
	}
	return nil
}
