package exphist

// settings is a Config made safe to use: fields outside their valid range are
// clamped, so an unvalidated Config can never make a histogram misbehave.
type settings struct {
	maxSize, maxScale int32
	noMinMax, noSum   bool
}

func (c Config) settings() settings {
	return settings{
		maxSize:  max(c.MaxSize, MinSize),
		maxScale: min(max(c.MaxScale, MinScale), MaxScale),
		noMinMax: c.NoMinMax,
		noSum:    c.NoSum,
	}
}
