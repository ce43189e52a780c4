package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A throwaway repository: the run's commit, then a commit touching only a
// test and the benchmarks, then one touching the engine. The report must
// say the hot path changed exactly when an engine commit follows the run.
func TestHotPathChangesAfterTheRun(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed to build the throwaway repository") // part of every checkout's toolchain
	}
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@t", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(name, text string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q", "-b", "main")
	write("meter.go", "package fastmeter\n")
	write("internal/aggregate/sum.go", "package aggregate\n")
	write("benchmarks/cmd/report/main.go", "package main\n")
	git("add", "-A")
	git("commit", "-qm", "the run")
	run := git("rev-parse", "--short", "HEAD")
	bench := filepath.Join(dir, "benchmarks")

	if s := checkHotPath(bench, run); !s.Known || len(s.Changes) != 0 || !strings.Contains(s.markdown(run), "the numbers hold for HEAD") {
		t.Errorf("at the run's commit: %+v\n%s", s, s.markdown(run))
	}

	write("meter_test.go", "package fastmeter\n")
	write("benchmarks/cmd/report/main.go", "package main\n// changed\n")
	write("README.md", "docs\n")
	write("internal/goroutines/goroutines.go", "package goroutines\n") // test support
	git("add", "-A")
	git("commit", "-qm", "tests, docs and the report only")
	if s := checkHotPath(bench, run); !s.Known || len(s.Changes) != 0 {
		t.Errorf("tests, docs and benchmarks are not the hot path: %+v", s)
	}

	write("internal/aggregate/sum.go", "package aggregate\n// faster\n")
	git("add", "-A")
	git("commit", "-qm", "aggregate: a faster sum")
	write("meter.go", "package fastmeter\n// changed\n")
	git("add", "-A")
	git("commit", "-qm", "meter: change")
	s := checkHotPath(bench, run)
	md := s.markdown(run)
	if !s.Known || len(s.Changes) != 2 || !strings.Contains(s.Changes[0], "meter: change") || !strings.Contains(s.Changes[1], "aggregate: a faster sum") {
		t.Fatalf("after two engine commits: %+v", s)
	}
	if !strings.Contains(md, "**The hot path changed after this run.** 2 commit(s)") || !strings.Contains(md, "not HEAD") {
		t.Errorf("paragraph:\n%s", md)
	}

	if s := checkHotPath(bench, "0000000"); s.Known || !strings.Contains(s.markdown("0000000"), "unknown") {
		t.Errorf("an unknown run commit: %+v", s)
	}
	if s := checkHotPath(bench, ""); s.Known {
		t.Errorf("no run commit: %+v", s)
	}
}
