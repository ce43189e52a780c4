package main

import (
	"bytes"
	"fmt"
	"reflect"
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
	if !ok || !reflect.DeepEqual(got, want) {
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

// perCallOutput has the per-call benchmarks: the direct SDK share (fastmeter
// median 18 ns, official 300 ns) and the end-to-end numbers with their floor.
const perCallOutput = `BenchmarkCounterAdd/api/per-call-attrs/serial-2                	1000	 500.0 ns/op	 408 B/op	 3 allocs/op
BenchmarkCounterAdd/api/per-call-attrs/serial-2                	1000	 450.0 ns/op	 408 B/op	 3 allocs/op
BenchmarkCounterAdd/api/per-call-attrs/serial-2                	1000	 600.0 ns/op	 408 B/op	 3 allocs/op
BenchmarkCounterAdd/fastmeter/per-call-attrs/serial-2          	1000	 560.0 ns/op	 424 B/op	 4 allocs/op
BenchmarkCounterAdd/fastmeter/per-call-attrs/serial-2          	1000	 480.0 ns/op	 424 B/op	 4 allocs/op
BenchmarkCounterAdd/fastmeter/per-call-attrs/serial-2          	1000	 700.0 ns/op	 424 B/op	 4 allocs/op
BenchmarkCounterAdd/fastmeter/per-call-sdk-share/serial-2      	1000	  18.0 ns/op	   0 B/op	 0 allocs/op
BenchmarkCounterAdd/fastmeter/per-call-sdk-share/serial-2      	1000	  %s ns/op	   0 B/op	 0 allocs/op
BenchmarkCounterAdd/fastmeter/per-call-sdk-share/serial-2      	1000	  25.0 ns/op	   0 B/op	 0 allocs/op
BenchmarkCounterAdd/official/per-call-sdk-share/serial-2       	1000	 300.0 ns/op	   0 B/op	 0 allocs/op
BenchmarkCounterAdd/minimal/per-call-sdk-share/serial-2         	1000	  16.0 ns/op	   0 B/op	 0 allocs/op
BenchmarkCounterAdd/prometheus/per-call-attrs/serial-2         	1000	 900.0 ns/op	 400 B/op	 3 allocs/op
BenchmarkCounterAdd/prometheus/per-call-sdk-share/serial
    hotpath_test.go:55: prometheus counter per-call-sdk-share: not available in this library: no pre-built sets
--- SKIP: BenchmarkCounterAdd/prometheus/per-call-sdk-share/serial
`

func apiFloorResult(t *testing.T, output string) targetResult {
	t.Helper()
	rs, err := parseBenchOutput(strings.NewReader(output))
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range checkTargets(rs) {
		if tr.Target == apiFloorTargetName {
			return tr
		}
	}
	t.Fatal("no per-call target")
	return targetResult{}
}

// The per-call target is judged on the direct measurement of the SDK's
// share (its median), not on the end-to-end difference, which is shown for
// reference: here the end-to-end medians differ by 60 ns and the fastest
// runs by 30 ns, while the direct share is 18 ns.
func TestAPIFloorTargetJudgesTheDirectSDKShare(t *testing.T) {
	tr := apiFloorResult(t, fmt.Sprintf(perCallOutput, "10.0"))
	if tr.Verdict != pass {
		t.Errorf("median share 18 ns ≤ 20 should pass, got %s (%s)", tr.Verdict, tr.Measured)
	}
	for _, want := range []string{
		"fastmeter 18 ns/op (runs 10–25)",
		"official 300 ns/op",
		"floor on this machine: 16 ns/op for library `minimal`",
		"30 ns by fastest runs (480 vs 450 ns/op)",
		"60 ns by medians (560 vs 500)",
	} {
		if !strings.Contains(tr.Measured, want) {
			t.Errorf("Measured lacks %q: %s", want, tr.Measured)
		}
	}
	for _, want := range []string{"SDK's own cost above the API ≤ 20 ns", "per-call-sdk-share", "16 B variadic slice"} {
		if !strings.Contains(tr.Target, want) {
			t.Errorf("target wording lacks %q: %s", want, tr.Target)
		}
	}

	if tr := apiFloorResult(t, fmt.Sprintf(perCallOutput, "21.0")); tr.Verdict != miss {
		t.Errorf("median share 21 ns > 20 should miss, got %s (%s)", tr.Verdict, tr.Measured)
	}
}

// Results saved before the per-call-sdk-share case existed still render: the
// target is NOT MEASURED, with the end-to-end numbers for reference.
func TestAPIFloorTargetWithoutTheShareIsNotMeasured(t *testing.T) {
	var old strings.Builder
	for _, line := range strings.SplitAfter(fmt.Sprintf(perCallOutput, "18.0"), "\n") {
		if !strings.Contains(line, "per-call-sdk-share") && !strings.HasPrefix(strings.TrimSpace(line), "hotpath_test.go") {
			old.WriteString(line)
		}
	}
	tr := apiFloorResult(t, old.String())
	if tr.Verdict != notMeasured {
		t.Errorf("without the share the verdict should be NOT MEASURED, got %s", tr.Verdict)
	}
	if !strings.Contains(tr.Measured, "not measured") || !strings.Contains(tr.Measured, "60 ns by medians") {
		t.Errorf("Measured = %q", tr.Measured)
	}
	if tr := apiFloorResult(t, sampleOutput); tr.Verdict != notMeasured || tr.Measured != "fastmeter per-call-sdk-share/serial not measured" {
		t.Errorf("no per-call data at all: %s, %q", tr.Verdict, tr.Measured)
	}
}

// The share rows sit in the CounterAdd table; client_golang's is n/a with its
// reason in "Not measured".
func TestMarkdownShowsTheSDKShareCase(t *testing.T) {
	rs, err := parseBenchOutput(strings.NewReader(fmt.Sprintf(perCallOutput, "18.0")))
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	writeMarkdown(&md, rs, runInfo{Started: testTime, Count: 3, Benchtime: "1x"}, "")
	for _, want := range []string{
		"| **per-call-sdk-share/serial** | fastmeter | 18 |",
		"|  | prometheus | n/a |",
		"|  | minimal | 16 |",
		"Library `minimal` is not a library",
		"| CounterAdd/prometheus/per-call-sdk-share/serial | prometheus counter per-call-sdk-share: not available in this library: no pre-built sets |",
		"per-call-sdk-share measures the SDK's own cost directly",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, md.String())
		}
	}
}
