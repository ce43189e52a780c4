package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 17 point 9: scripts/test.sh runs go test -v through
// scripts/go-test-filter.awk. The log must show every skip with its reason,
// every failure with its messages, and go test's closing ok/FAIL lines,
// drop the chatter of passing tests, and keep go test's exit status.
func TestGoTestFilterShowsSkipsAndFailures(t *testing.T) {
	filter, err := filepath.Abs("../scripts/go-test-filter.awk")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module filtered\n\ngo 1.26\n")
	write("a_test.go", `package filtered

import (
	"fmt"
	"os"
	"testing"
)

func TestPasses(t *testing.T) { t.Log("passing chatter"); fmt.Println("stdout chatter") }
func TestSkips(t *testing.T)  { t.Skip("chromium not found") }
func TestFails(t *testing.T) {
	if os.Getenv("FILTER_FAIL") == "" {
		return
	}
	t.Log("context of the failure")
	t.Run("sub", func(t *testing.T) { t.Error("the failure itself") })
}
`)
	run := func(fail bool) (string, int) {
		t.Helper()
		cmd := exec.Command("bash", "-c", `set -o pipefail; go test -v -count=1 ./... 2>&1 | awk -f "$FILTER"`)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "FILTER="+filter, "GOWORK=off", "GOFLAGS=")
		if fail {
			cmd.Env = append(cmd.Env, "FILTER_FAIL=1")
		}
		out, err := cmd.CombinedOutput()
		if _, ok := err.(*exec.ExitError); err != nil && !ok {
			t.Fatal(err)
		}
		return string(out), cmd.ProcessState.ExitCode()
	}

	out, code := run(false)
	if code != 0 || !strings.Contains(out, "chromium not found\n--- SKIP: TestSkips") || !strings.Contains(out, "ok  \tfiltered") {
		t.Errorf("passing run (exit %d):\n%s", code, out)
	}
	for _, dropped := range []string{"=== RUN", "--- PASS", "chatter", "\nPASS\n"} {
		if strings.Contains("\n"+out, dropped) {
			t.Errorf("passing run keeps %q:\n%s", dropped, out)
		}
	}

	out, code = run(true)
	for _, want := range []string{"context of the failure", "the failure itself", "--- FAIL: TestFails", "--- FAIL: TestFails/sub", "FAIL\tfiltered", "--- SKIP: TestSkips"} {
		if !strings.Contains(out, want) {
			t.Errorf("failing run lacks %q:\n%s", want, out)
		}
	}
	if code == 0 {
		t.Errorf("failing run exited 0 through the filter:\n%s", out)
	}
}
