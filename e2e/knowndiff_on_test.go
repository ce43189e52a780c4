//go:build fastmeter_known_diff

package e2e

// runKnownDiffs: built with -tags fastmeter_known_diff, known differences run.
const runKnownDiffs = true
