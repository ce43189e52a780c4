package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

const sampleOutput = `goos: linux
cpu: Test CPU
BenchmarkCounterAdd/fastmeter/no-attrs/serial-2   	1000	  10.0 ns/op	  0 B/op	  0 allocs/op
BenchmarkCounterAdd/fastmeter/no-attrs/serial-2   	1000	  30.0 ns/op	  0 B/op	  0 allocs/op
BenchmarkCounterAdd/fastmeter/no-attrs/serial-2   	1000	  20.0 ns/op	  0 B/op	  0 allocs/op
BenchmarkCounterAdd/official/no-attrs/serial-2    	1000	 130.0 ns/op	  0 B/op	  0 allocs/op
BenchmarkCounterAdd/official/bound/serial
    hotpath_test.go:58: official counter bound: not available in this library
--- SKIP: BenchmarkCounterAdd/official/bound/serial
BenchmarkMemoryPerSeries/official/counter/10000-series-2 	 3	 100 ns/op	 630 B/series	 10 B/op	 1 allocs/op
BenchmarkNoLibrary-2 	 3	 100 ns/op
PASS
`

func TestParseTakesMediansAndStripsProcs(t *testing.T) {
	rs, err := parseBenchOutput(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	if rs.Config["cpu"] != "Test CPU" {
		t.Errorf("cpu = %q", rs.Config["cpu"])
	}
	r := rs.get("CounterAdd", "fastmeter", "no-attrs/serial")
	if r == nil || r.Runs != 3 || r.Median["ns/op"] != 20 {
		t.Fatalf("fastmeter no-attrs = %+v", r)
	}
	if v, ok := rs.value("MemoryPerSeries", "official", "counter/10000-series", "B/series"); !ok || v != 630 {
		t.Errorf("B/series = %v, %v (the -2 suffix must go, the -series must stay)", v, ok)
	}
	if got := rs.Skipped["CounterAdd/official/bound/serial"]; got != "official counter bound: not available in this library" {
		t.Errorf("skip reason = %q", got)
	}
	if len(rs.list) != 3 {
		t.Errorf("%d results, want 3 (names without a library are ignored)", len(rs.list))
	}
}

func TestTargetsPassMissAndNotMeasured(t *testing.T) {
	rs, err := parseBenchOutput(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]verdict{}
	for _, tr := range checkTargets(rs) {
		got[tr.Target] = tr.Verdict
	}
	if v := got["Counter.Add, no attributes: ≥ 6× faster than official"]; v != pass {
		t.Errorf("130/20 = 6.5× should pass, got %s", v)
	}
	if v := got["Bound Counter.Add: ≤ 1.2× a client_golang pre-bound counter"]; v != notMeasured {
		t.Errorf("bound without data should be NOT MEASURED, got %s", v)
	}
}

func TestMarkdownHasOneTablePerWorkload(t *testing.T) {
	rs, err := parseBenchOutput(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	ri := runInfo{machine: machine{CPUModel: "Test CPU", Cores: 2}, Command: "go run ./cmd/report", Started: testTime, Count: 3, Benchtime: "1x"}
	writeMarkdown(&md, rs, ri, "")
	for _, want := range []string{"## CounterAdd", "## MemoryPerSeries", "| **no-attrs/serial** | fastmeter | 20 |", "0.15 (6.5× faster)", "Test CPU"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, md.String())
		}
	}
}

var testTime = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func TestRunInfoSurvivesTheRawOutput(t *testing.T) {
	want := runInfo{
		machine: machine{CPUModel: "Test CPU", Cores: 2, OS: "linux/amd64", GoVersion: "go1.26.8",
			LoadStart: "1.00 2.00 3.00", LoadEnd: "0.50 1.00 1.50", GitCommit: "abc1234", GitDirty: true},
		Command: "go run ./cmd/report -count=2", Started: testTime, Duration: 90 * time.Second, Count: 2, Benchtime: "100ms",
	}
	rs, err := parseBenchOutput(strings.NewReader(want.configLines() + sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := runInfoFromConfig(rs.Config)
	if !ok || got != want {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if len(rs.list) != 3 {
		t.Errorf("configuration lines disturbed the results: %d", len(rs.list))
	}
}

// The report must say that the hot-path loops pass a pre-made options slice,
// so that their 0 allocs/op is not read as "a literal Add call allocates
// nothing": the variadic slice of a call through the API interface is left
// out, and it is the same for every SDK.
func TestMarkdownExplainsThePremadeOptionsSlice(t *testing.T) {
	rs, err := parseBenchOutput(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	writeMarkdown(&md, rs, runInfo{Started: testTime, Count: 3, Benchtime: "1x"}, "")
	for _, want := range []string{
		"pre-made options slice, `c.Add(ctx, 1, opts...)`",
		"exclude the 16 B variadic slice",
		"`c.Add(ctx, 1, metric.WithAttributeSet(s))`",
		"the same for every SDK",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Index(md.String(), "pre-made options slice") > strings.Index(md.String(), "## CounterAdd") {
		t.Error("the note must come before the tables it explains")
	}
}
