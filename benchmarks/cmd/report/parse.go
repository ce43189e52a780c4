package main

import (
	"bufio"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// result is one benchmark's medians across every run of it.
type result struct {
	// Workload is the top-level benchmark without "Benchmark" (e.g. "CounterAdd").
	Workload string
	// Library is the second name element ("fastmeter", "official", "prometheus", "api").
	Library string
	// Case is the rest of the name (e.g. "precomputed-set/serial").
	Case string
	// Median maps a unit ("ns/op", "B/op", "allocs/op", "B/series", ...) to
	// the median of its values.
	Median map[string]float64
	// Min and Max map a unit to the extreme values of the runs.
	Min, Max map[string]float64
	// Runs is how many runs the medians are taken over.
	Runs int
}

// results holds every parsed benchmark, in first-seen order.
type results struct {
	list   []*result
	byName map[string]*result
	// Config holds the configuration lines ("key: value", e.g. "cpu: …"
	// from go test, or the report's own run information).
	Config map[string]string
	// Skipped maps a skipped benchmark (name without "Benchmark") to the
	// reason it gave; go test prints these only with -v.
	Skipped map[string]string
	// skippedOrder lists Skipped's keys in first-seen order.
	skippedOrder []string
}

// get returns the result for workload/library/case, or nil.
func (rs *results) get(workload, library, kase string) *result {
	return rs.byName[workload+"/"+library+"/"+kase]
}

// value returns one median and whether it was measured.
func (rs *results) value(workload, library, kase, unit string) (float64, bool) {
	r := rs.get(workload, library, kase)
	if r == nil {
		return 0, false
	}
	v, ok := r.Median[unit]
	return v, ok
}

// procsSuffix is the "-GOMAXPROCS" go test appends to benchmark names. The
// suite never ends a name element with a number, so stripping it is safe.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// configLine is a benchmark-format configuration line: a key that starts
// with a lower-case letter and has no spaces, a colon, a space, a value.
var configLine = regexp.MustCompile(`^([a-z][^\s:]*): (.*)$`)

// min returns the smallest value of one unit across the runs.
func (rs *results) min(workload, library, kase, unit string) (float64, bool) {
	r := rs.get(workload, library, kase)
	if r == nil {
		return 0, false
	}
	v, ok := r.Min[unit]
	return v, ok
}

// parseBenchOutput reads `go test -bench` output (any number of -count runs)
// and returns medians per benchmark.
func parseBenchOutput(r io.Reader) (*results, error) {
	samples := map[string]map[string][]float64{}
	rs := &results{byName: map[string]*result{}, Skipped: map[string]string{}, Config: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	// With -v, a skipped benchmark prints its name, then its log (the
	// reason), then "--- SKIP: name".
	lastLog := ""
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Benchmark") {
			lastLog = ""
		} else if strings.HasPrefix(line, "    ") && strings.Contains(line, ".go:") {
			lastLog = skipReason(line)
		}
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "--- SKIP: "); ok {
			name, _, _ = strings.Cut(name, " ")
			rs.addSkip(procsSuffix.ReplaceAllString(strings.TrimPrefix(name, "Benchmark"), ""), lastLog)
			continue
		}
		if m := configLine.FindStringSubmatch(line); m != nil {
			if _, seen := rs.Config[m[1]]; !seen {
				rs.Config[m[1]] = m[2]
			}
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue // not a result line
		}
		name := procsSuffix.ReplaceAllString(strings.TrimPrefix(fields[0], "Benchmark"), "")
		parts := strings.SplitN(name, "/", 3)
		if len(parts) < 2 {
			continue // not in Benchmark<Workload>/<library>/... form
		}
		res := rs.byName[name]
		if res == nil {
			res = &result{Workload: parts[0], Library: parts[1],
				Median: map[string]float64{}, Min: map[string]float64{}, Max: map[string]float64{}}
			if len(parts) == 3 {
				res.Case = parts[2]
			}
			rs.byName[name] = res
			rs.list = append(rs.list, res)
			samples[name] = map[string][]float64{}
		}
		res.Runs++
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			unit := fields[i+1]
			samples[name][unit] = append(samples[name][unit], v)
		}
	}
	for name, units := range samples {
		for unit, vs := range units {
			r := rs.byName[name]
			r.Median[unit] = median(vs)
			r.Min[unit], r.Max[unit] = slices.Min(vs), slices.Max(vs)
		}
	}
	return rs, sc.Err()
}

// addSkip records a skipped benchmark once.
func (rs *results) addSkip(name, reason string) {
	if _, seen := rs.Skipped[name]; seen {
		return
	}
	rs.Skipped[name] = reason
	rs.skippedOrder = append(rs.skippedOrder, name)
}

// skipReason extracts the message from a "    file_test.go:12: message" line.
func skipReason(line string) string {
	line = strings.TrimSpace(line)
	if parts := strings.SplitN(line, ": ", 2); len(parts) == 2 && strings.Contains(parts[0], ".go:") {
		return parts[1]
	}
	return line
}

// median of vs (the mean of the two middle values for an even count).
func median(vs []float64) float64 {
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
