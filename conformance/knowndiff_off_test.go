//go:build !fastmeter_known_diff

package conformance

const runKnownDiffs = false
