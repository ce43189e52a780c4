package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// runInfo is everything RESULTS.md says about a run besides the numbers. It
// is saved at the top of the raw output as benchmark-format configuration
// lines ("key: value", which benchstat understands), so that re-rendering a
// saved run with -input reproduces the run's own machine, load and settings
// rather than today's.
type runInfo struct {
	machine
	Command   string
	Started   time.Time
	Duration  time.Duration
	Count     int
	Benchtime string
	// HotPath is checked when the report is rendered (not saved): whether
	// commits after the run changed the measured code.
	HotPath hotPathStatus
}

// configLines renders ri as configuration lines.
func (ri runInfo) configLines() string {
	var b strings.Builder
	line := func(key, value string) { fmt.Fprintf(&b, "%s: %s\n", key, value) }
	line("report-command", ri.Command)
	line("report-started", ri.Started.UTC().Format(time.RFC3339))
	line("report-duration", ri.Duration.Round(time.Second).String())
	line("report-count", strconv.Itoa(ri.Count))
	line("report-benchtime", ri.Benchtime)
	line("cpu-model", ri.CPUModel)
	line("cores", strconv.Itoa(ri.Cores))
	line("os-arch", ri.OS)
	line("go-version", ri.GoVersion)
	line("loadavg-start", ri.LoadStart)
	line("loadavg-end", ri.LoadEnd)
	line("fastmeter-commit", ri.GitCommit)
	line("fastmeter-dirty", strconv.FormatBool(ri.GitDirty))
	return b.String()
}

// runInfoFromConfig reads back what configLines wrote; ok is false when the
// output was not saved by this command (e.g. plain go test output).
func runInfoFromConfig(config map[string]string) (ri runInfo, ok bool) {
	if _, ok := config["report-command"]; !ok {
		return ri, false
	}
	ri.Command = config["report-command"]
	ri.Started, _ = time.Parse(time.RFC3339, config["report-started"])
	ri.Duration, _ = time.ParseDuration(config["report-duration"])
	ri.Count, _ = strconv.Atoi(config["report-count"])
	ri.Benchtime = config["report-benchtime"]
	ri.CPUModel = config["cpu-model"]
	ri.Cores, _ = strconv.Atoi(config["cores"])
	ri.OS = config["os-arch"]
	ri.GoVersion = config["go-version"]
	ri.LoadStart = config["loadavg-start"]
	ri.LoadEnd = config["loadavg-end"]
	ri.GitCommit = config["fastmeter-commit"]
	ri.GitDirty, _ = strconv.ParseBool(config["fastmeter-dirty"])
	return ri, true
}
