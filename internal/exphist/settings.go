package exphist

// maxSizeLimit caps MaxSize where it is used: 2^20 counters (8 MiB per
// array) already exceed any real need, and an unbounded size would let a
// config plus a few extreme values demand gigabytes per series.
const maxSizeLimit int32 = 1 << 20

// settings is a Config made safe to use: fields outside their valid range are
// clamped, so an unvalidated Config can never make a histogram misbehave.
type settings struct {
	maxSize, maxScale int32
	noMinMax, noSum   bool
}

func (c Config) settings() settings {
	return settings{
		maxSize:  min(max(c.MaxSize, MinSize), maxSizeLimit),
		maxScale: min(max(c.MaxScale, MinScale), MaxScale),
		noMinMax: c.NoMinMax,
		noSum:    c.NoSum,
	}
}
