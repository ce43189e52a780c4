package main

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// machine describes where the suite ran, so readers can judge the numbers.
type machine struct {
	CPUModel   string
	Cores      int
	GoVersion  string
	OS         string
	LoadStart  string // /proc/loadavg before the run
	LoadEnd    string // /proc/loadavg after the run
	GitCommit  string // of the fastmeter checkout
	GitDirty   bool
	MemTotalKB string
}

func describeMachine() machine {
	m := machine{
		CPUModel:  cpuinfoField("model name"),
		Cores:     runtime.NumCPU(),
		GoVersion: commandOutput("go", "env", "GOVERSION"),
		OS:        runtime.GOOS + "/" + runtime.GOARCH,
		LoadStart: loadAverage(),
		GitCommit: commandOutput("git", "rev-parse", "--short", "HEAD"),
	}
	// The report's own outputs from an earlier run do not make the measured
	// code dirty.
	m.GitDirty = commandOutput("git", "status", "--porcelain", "--untracked-files=no", "--", "..",
		":(exclude)RESULTS.md", ":(exclude)results.svg", ":(exclude)results.txt") != ""
	if m.CPUModel == "" {
		m.CPUModel = "unknown"
	}
	return m
}

// cpuinfoField returns the first value of field in /proc/cpuinfo.
func cpuinfoField(field string) string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == field {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

// loadAverage is the 1, 5 and 15 minute load average from /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(b))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}

func commandOutput(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
