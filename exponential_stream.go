package fastmeter

import (
	"github.com/fastmeter/fastmeter/internal/aggregate"
)

// newExponentialStream builds a base-2 exponential histogram stream.
func newExponentialStream[N aggregate.Number](cfg aggregate.Config, a AggregationBase2ExponentialHistogram) aggregate.Stream[N] {
	// TODO(issue 3): wire internal/exphist. Until then the stream records an
	// explicit histogram with the default boundaries, so no data is lost.
	return aggregate.NewHistogram[N](cfg, []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}, a.NoMinMax)
}
