package exphist

import "fmt"

// Scale limits from the OpenTelemetry specification. At MinScale every normal
// float64 fits in two buckets per sign; at MaxScale neighbouring bucket
// boundaries differ by a factor of 2^(2^-20).
const (
	MinScale int32 = -10
	MaxScale int32 = 20
)

// MinSize is the smallest MaxSize that lets a histogram hold any two
// different magnitudes.
const MinSize int32 = 2

// Config selects the shape of a histogram. It mirrors the fields of the SDK's
// AggregationBase2ExponentialHistogram, plus NoSum for instruments whose sum is
// not meaningful.
type Config struct {
	// MaxSize is the maximum number of buckets in each of the positive and
	// negative ranges. Values above 2^20 are used as 2^20, bounding the
	// memory of one series whatever the values recorded.
	MaxSize int32
	// MaxScale is the scale a fresh histogram starts at; it only decreases.
	MaxScale int32
	// NoMinMax disables tracking of the minimum and maximum value.
	NoMinMax bool
	// NoSum disables tracking of the sum; Collect then reports a zero Sum.
	NoSum bool
}

// Validate reports whether the configuration can be used, naming the offending
// value and the accepted range.
func (c Config) Validate() error {
	if c.MaxSize < MinSize {
		return fmt.Errorf("exphist: MaxSize %d is invalid: must be at least %d", c.MaxSize, MinSize)
	}
	if c.MaxScale < MinScale || c.MaxScale > MaxScale {
		return fmt.Errorf("exphist: MaxScale %d is invalid: must be in [%d, %d]", c.MaxScale, MinScale, MaxScale)
	}
	return nil
}
