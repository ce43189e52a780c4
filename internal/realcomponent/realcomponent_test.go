package realcomponent

import (
	"strings"
	"testing"
)

// recorder stands in for a test, recording how Missing ends it.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Fatalf(format string, args ...any) { r.fatal = format }
func (r *recorder) Skip(args ...any)                  { r.skip = args[0].(string) }

func TestMissingFailsUnderCIAndSkipsElsewhere(t *testing.T) {
	for _, tt := range []struct {
		ci    string
		fails bool
	}{{"true", true}, {"1", true}, {"TRUE", true}, {"", false}, {"false", false}, {"0", false}, {"yes", false}} {
		t.Setenv("CI", tt.ci)
		r := &recorder{TB: t}
		Missing(r, "chromium not found")
		if tt.fails && (r.fatal == "" || r.skip != "") || !tt.fails && (r.skip != "chromium not found" || r.fatal != "") {
			t.Errorf("CI=%q: fatal %q, skip %q; want fails=%v", tt.ci, r.fatal, r.skip, tt.fails)
		}
		if tt.fails && !strings.Contains(r.fatal, "%s") {
			t.Errorf("CI=%q: the failure must carry the message: %q", tt.ci, r.fatal)
		}
	}
}
