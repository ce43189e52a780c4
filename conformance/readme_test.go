package conformance

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeListsEveryKnownDiff keeps README's table of deliberate
// differences consistent with the suite: every test of fastmeterKnownDiffs
// and every fastmeter test its reason names appears in the section.
func TestReadmeListsEveryKnownDiff(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const heading = "## Deliberate differences from the official SDK"
	_, section, ok := strings.Cut(string(readme), heading)
	if !ok {
		t.Fatalf("README has no %q section", heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	named := regexp.MustCompile(`Test\w+`)
	for subtest, reason := range fastmeterKnownDiffs {
		top, _, _ := strings.Cut(subtest, "/")
		if !strings.Contains(section, "conformance."+top) {
			t.Errorf("README's deliberate differences do not mention conformance.%s (known diff %q)", top, subtest)
		}
		for _, test := range named.FindAllString(reason, -1) {
			if !strings.Contains(section, test) {
				t.Errorf("README's deliberate differences do not mention %s (pins %q)", test, subtest)
			}
		}
	}
}
