package main

import (
	"fmt"
	"os/exec"
	"strings"
)

// hotPathSpecs are the files whose changes can move the numbers: fastmeter's
// engine, that is the root package's Go files and its internal/ packages,
// tests excluded (git pathspecs from the repository root). Test support under
// internal/ is not engine code: goroutines and realcomponent serve tests only,
// readmetest is a tests-only module.
var hotPathSpecs = []string{":(glob)*.go", ":(glob)internal/**", ":(exclude,glob)**/*_test.go",
	":(exclude)internal/goroutines", ":(exclude)internal/realcomponent", ":(exclude)internal/readmetest"}

// maxSubject shortens commit subjects in RESULTS.md.
const maxSubject = 80

// hotPathStatus says whether the measured code is still the code at HEAD.
type hotPathStatus struct {
	Known   bool     // false: git could not tell (no checkout, unknown run commit)
	Why     string   // why not Known
	Head    string   // short HEAD when the report was rendered
	Changes []string // commits after the run touching the hot path, newest first: "abc1234 2026-12-03 subject"
}

// checkHotPath lists the commits after runCommit, up to HEAD, that touch
// the hot path, in the git checkout holding dir.
func checkHotPath(dir, runCommit string) hotPathStatus {
	git := func(args ...string) (string, error) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}
	if runCommit == "" {
		return hotPathStatus{Why: "the run did not record its commit"}
	}
	root, err := git("rev-parse", "--show-toplevel")
	if err != nil {
		return hotPathStatus{Why: "not in a git checkout"}
	}
	dir = root
	head, err := git("rev-parse", "--short", "HEAD")
	if err != nil {
		return hotPathStatus{Why: "no HEAD commit"}
	}
	if _, err := git("merge-base", "--is-ancestor", runCommit, "HEAD"); err != nil {
		return hotPathStatus{Head: head, Why: fmt.Sprintf("the run's commit %s is not in HEAD's history", runCommit)}
	}
	log, err := git(append([]string{"log", "--format=%h %cs %s", runCommit + "..HEAD", "--"}, hotPathSpecs...)...)
	if err != nil {
		return hotPathStatus{Head: head, Why: "git log failed"}
	}
	s := hotPathStatus{Known: true, Head: head}
	if log != "" {
		s.Changes = strings.Split(log, "\n")
	}
	return s
}

// markdown is the RESULTS.md paragraph about s, for a run of runCommit.
func (s hotPathStatus) markdown(runCommit string) string {
	switch {
	case !s.Known:
		return fmt.Sprintf("**Whether the hot path changed after this run is unknown** (%s): these numbers describe commit %s.", s.Why, runCommit)
	case len(s.Changes) == 0:
		return fmt.Sprintf("No commit after the run (%s) up to HEAD (%s, when this file was rendered) touches the hot path "+
			"(the root package's Go files and internal/, tests excluded): the numbers hold for HEAD.", runCommit, s.Head)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**The hot path changed after this run.** %d commit(s) after the run (%s) up to HEAD (%s, when this file was rendered) "+
		"touch the root package's Go files or internal/, so the numbers describe %s, not HEAD; rerun `go run ./cmd/report` to measure HEAD. ",
		len(s.Changes), runCommit, s.Head, runCommit)
	const shown = 5
	b.WriteString("Latest first: ")
	for i, c := range s.Changes {
		if i == shown {
			fmt.Fprintf(&b, "; and %d more", len(s.Changes)-shown)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		if r := []rune(c); len(r) > maxSubject {
			c = string(r[:maxSubject]) + "…"
		}
		fmt.Fprintf(&b, "`%s`", strings.ReplaceAll(c, "`", "'"))
	}
	b.WriteString(".")
	return b.String()
}
