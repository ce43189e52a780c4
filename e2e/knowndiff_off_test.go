//go:build !fastmeter_known_diff

package e2e

// runKnownDiffs: by default known differences are skipped with their reason.
const runKnownDiffs = false
