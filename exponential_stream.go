package fastmeter

import (
	"github.com/fastmeter/fastmeter/internal/aggregate"
)

// newExponentialStream builds a base-2 exponential histogram stream; a was
// validated by validateExponential.
func newExponentialStream[N aggregate.Number](cfg aggregate.Config, a AggregationBase2ExponentialHistogram, noSum bool) aggregate.Stream[N] {
	return aggregate.NewExponentialHistogram[N](cfg, aggregate.ExponentialConfig{
		MaxSize:  a.MaxSize,
		MaxScale: a.MaxScale,
		NoMinMax: a.NoMinMax,
		NoSum:    noSum,
	})
}
