package conformance

import "testing"

// knownDiffs lists subtests (full t.Name()) where an SDK under test differs
// from the official SDK or from the requirements, with the reason.
// They are skipped so the committed suite stays green, unless the suite is
// built with -tags fastmeter_known_diff, which runs them (and shows the
// failures). Every entry is also written down in the report to the lead.
var knownDiffs = map[string]string{}

// run is t.Run for scenario subtests: it skips known differences.
func run(t *testing.T, name string, fn func(t *testing.T)) bool {
	t.Helper()
	return t.Run(name, func(t *testing.T) {
		if reason, ok := knownDiffs[t.Name()]; ok && !runKnownDiffs {
			t.Skipf("known difference (run with -tags fastmeter_known_diff): %s", reason)
		}
		fn(t)
	})
}
