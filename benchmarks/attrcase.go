package benchmarks

// attrCase is how a hot-path workload passes attributes with each measurement.
type attrCase int

const (
	// noAttrs measures with the empty attribute set.
	noAttrs attrCase = iota
	// precomputedSet passes a 3-attribute set built once, through a pre-made
	// option slice (metric.WithAttributeSet); client_golang looks the series up
	// per call with WithLabelValues and constant label values.
	precomputedSet
	// perCallAttrs builds the 3-attribute option on every call
	// (metric.WithAttributes; client_golang: a prometheus.Labels map per call).
	perCallAttrs
	// perCallSDKShare measures the SDK's own share of perCallAttrs: it passes
	// options pre-built by metric.WithAttributes from the same three
	// attributes, sdkSharePoolSize of them with equal content (and API hash)
	// but distinct storage, rotated per call, through pre-made option slices.
	// The SDK does what it does for a set built per call (take the API's
	// hash, look the series up, compare the attributes with the series' set,
	// whose storage no pooled set shares) without the API's work of building
	// the option and its garbage, and without the 16 B variadic slice.
	// client_golang has no equivalent (its lookups take label values).
	perCallSDKShare
	// rotatingSets cycles through rotationSize distinct pre-built 3-attribute sets.
	rotatingSets
	// bound measures through a handle bound once to the 3-attribute set
	// (client_golang: the Counter returned by WithLabelValues; fastmeter: Bind).
	bound
	// boundX is bound through the experimental binder interfaces of
	// go.opentelemetry.io/otel/metric/x (x.Int64CounterBinder, …): the
	// handle is an API instrument, so each call is an interface call with
	// an empty option list, as code written against those interfaces makes
	// it (client_golang: the same child as bound).
	boundX
)

// attrCases lists every case in the order the report shows them.
var attrCases = []attrCase{noAttrs, precomputedSet, perCallAttrs, perCallSDKShare, rotatingSets, bound, boundX}

// String is the benchmark sub-name of the case.
func (c attrCase) String() string {
	switch c {
	case noAttrs:
		return "no-attrs"
	case precomputedSet:
		return "precomputed-set"
	case perCallAttrs:
		return "per-call-attrs"
	case perCallSDKShare:
		return "per-call-sdk-share"
	case rotatingSets:
		return "rotating-1000-sets"
	case bound:
		return "bound"
	case boundX:
		return "bound-x"
	}
	return "unknown"
}

// seriesFor is the number of distinct series n measurements of the case create.
func (c attrCase) seriesFor(n int) int {
	if c == rotatingSets && n < rotationSize {
		return n
	}
	if c == rotatingSets {
		return rotationSize
	}
	return 1
}
