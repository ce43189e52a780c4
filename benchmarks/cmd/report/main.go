// Command report runs the side-by-side benchmark suite (fastmeter, the
// official OpenTelemetry Go SDK, client_golang) several times, takes the
// median of every measurement and writes RESULTS.md, results.svg and the raw
// `go test` output (results.txt, headed by the run's machine and settings as
// benchmark configuration lines, so that -input can re-render it faithfully).
//
// Run it from the benchmarks directory:
//
//	go run ./cmd/report                        # full run, ~10 min on 2 cores
//	go run ./cmd/report -count=1 -benchtime=50ms -bench=CounterAdd   # quick look
//	go run ./cmd/report -input=results.txt     # re-render from a saved run
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"strings"
	"time"
)

// config is the command line.
type config struct {
	count     int
	benchtime string
	bench     string
	tags      string
	input     string
	out       string
	chart     string
	raw       string
	args      []string // as given, for the report header
}

func (c config) commandLine() string {
	return strings.TrimSpace("go run ./cmd/report " + strings.Join(c.args, " "))
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("report: ")
	var cfg config
	flag.IntVar(&cfg.count, "count", 5, "runs of each benchmark; the report shows medians")
	flag.StringVar(&cfg.benchtime, "benchtime", "200ms", "go test -benchtime for each run")
	flag.StringVar(&cfg.bench, "bench", ".", "go test -bench regexp selecting workloads")
	flag.StringVar(&cfg.tags, "tags", "", "go test -tags (e.g. extra adapters)")
	flag.StringVar(&cfg.input, "input", "", "parse this saved `go test -bench` output instead of running the suite")
	flag.StringVar(&cfg.out, "out", "RESULTS.md", "report file")
	flag.StringVar(&cfg.chart, "chart", "results.svg", "chart file (.svg or .png); empty: no chart")
	flag.StringVar(&cfg.raw, "raw", "results.txt", "where to save the raw go test output; empty: don't")
	flag.Parse()
	cfg.args = os.Args[1:]

	ri := runInfo{machine: describeMachine(), Command: cfg.commandLine(), Started: time.Now(),
		Count: cfg.count, Benchtime: cfg.benchtime}
	output, err := benchOutput(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ri.Duration = time.Since(ri.Started)
	ri.LoadEnd = loadAverage()
	if cfg.input == "" {
		output = append([]byte(ri.configLines()), output...)
		if cfg.raw != "" {
			if err := os.WriteFile(cfg.raw, output, 0o644); err != nil {
				log.Fatal(err)
			}
		}
	}

	rs, err := parseBenchOutput(bytes.NewReader(output))
	if err != nil {
		log.Fatal(err)
	}
	if len(rs.list) == 0 {
		log.Fatal("no benchmark results parsed")
	}
	if saved, ok := runInfoFromConfig(rs.Config); ok {
		ri = saved // re-rendering: describe the run that produced the numbers
	}
	ri.HotPath = checkHotPath(".", ri.GitCommit)
	if cfg.chart != "" {
		if err := writeChart(rs, cfg.chart); err != nil {
			log.Printf("chart: %v (report written without it)", err)
			cfg.chart = ""
		}
	}
	var md bytes.Buffer
	writeMarkdown(&md, rs, ri, cfg.chart)
	if err := os.WriteFile(cfg.out, md.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	for _, t := range checkTargets(rs) {
		fmt.Printf("%-13s %s — %s\n", t.Verdict, t.Target, t.Measured)
	}
	log.Printf("wrote %s (%d benchmarks)", cfg.out, len(rs.list))
}

// benchOutput returns the saved output (-input) or runs the suite, echoing its
// progress to stderr.
func benchOutput(cfg config) ([]byte, error) {
	if cfg.input != "" {
		return os.ReadFile(cfg.input)
	}
	// -v so that skipped benchmarks print their reason for the report.
	args := []string{"test", "-v", "-run=^$", "-bench=" + cfg.bench, "-benchmem",
		fmt.Sprintf("-count=%d", cfg.count), "-benchtime=" + cfg.benchtime, "-timeout=60m"}
	if cfg.tags != "" {
		args = append(args, "-tags="+cfg.tags)
	}
	args = append(args, ".")
	log.Printf("go %s", strings.Join(args, " "))
	var out bytes.Buffer
	cmd := exec.Command("go", args...)
	cmd.Stdout = io.MultiWriter(&out, os.Stderr)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test: %w", err)
	}
	return out.Bytes(), nil
}
