package e2e

import "testing"

// knownDiff marks an assertion that holds with the official SDK but not yet
// with fastmeter (each one is reported to the SDK's owners). By default the
// assertion is skipped with the reason; building with
// -tags fastmeter_known_diff runs it, to see whether fastmeter still differs.
// This is the same switch the conformance suite uses.
func knownDiff(t *testing.T, reason string) {
	t.Helper()
	if !runKnownDiffs {
		t.Skipf("known fastmeter difference (run with -tags fastmeter_known_diff): %s", reason)
	}
}
