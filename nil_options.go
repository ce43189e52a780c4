package fastmeter

// withoutNil returns opts without nil entries. The OTel API's option helpers
// (metric.NewAddConfig, metric.NewInt64CounterConfig, …) call every option and
// panic on a nil one; a nil option is a caller's mistake that must not take
// the process down, so it is ignored. No allocation unless a nil is present.
func withoutNil[T comparable](opts []T) []T {
	var zero T
	for i, o := range opts {
		if o == zero {
			clean := append(make([]T, 0, len(opts)-1), opts[:i]...)
			for _, o := range opts[i+1:] {
				if o != zero {
					clean = append(clean, o)
				}
			}
			return clean
		}
	}
	return opts
}
