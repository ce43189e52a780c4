package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
)

// num formats a measurement with precision that suits its size.
func num(v float64) string {
	switch a := math.Abs(v); {
	case a == math.Trunc(a) && a < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case a < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
}

// ratioCell renders library/official for a lower-is-better unit: time, or
// memory when unit is B/series.
func ratioCell(v, of float64, unit string) string {
	if v <= 0 || of <= 0 {
		return fmt.Sprintf("%.2f", v/of)
	}
	better, worse := "faster", "slower"
	if unit == "B/series" {
		better, worse = "smaller", "larger"
	}
	r := v / of
	if r <= 1 {
		return fmt.Sprintf("%.2f (%.1f× %s)", r, 1/r, better)
	}
	return fmt.Sprintf("%.2f (%.1f× %s)", r, r, worse)
}

// spreadCell shows how far the runs of r were apart: half the range of unit
// as a percentage of the median. A spread larger than a difference means the
// difference is noise.
func spreadCell(r *result, unit string) string {
	if r == nil || r.Runs < 2 {
		return "n/a"
	}
	med, lo, hi := r.Median[unit], r.Min[unit], r.Max[unit]
	if med <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("±%.0f%%", (hi-lo)/2/med*100)
}

// libraryOrder is the column order of the tables; other names follow, sorted.
var libraryOrder = []string{libFastmeter, libOfficial, libPrometheus, libAPI, libMinimal}

func orderLibraries(present map[string]bool) []string {
	var out []string
	for _, l := range libraryOrder {
		if present[l] {
			out = append(out, l)
		}
	}
	var rest []string
	for l := range present {
		if !contains(libraryOrder, l) {
			rest = append(rest, l)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// unitOrder is the column order of units; custom units follow, sorted.
var unitOrder = []string{"ns/op", "B/op", "allocs/op"}

func orderUnits(present map[string]bool) []string {
	var out []string
	for _, u := range unitOrder {
		if present[u] {
			out = append(out, u)
		}
	}
	var rest []string
	for u := range present {
		if !contains(unitOrder, u) {
			rest = append(rest, u)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
