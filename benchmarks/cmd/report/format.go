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

// ratioCell renders fastmeter/official for a lower-is-better unit.
func ratioCell(fm, of float64) string {
	if fm <= 0 || of <= 0 {
		return fmt.Sprintf("%.2f", fm/of)
	}
	r := fm / of
	if r <= 1 {
		return fmt.Sprintf("%.2f (%.1f× faster)", r, 1/r)
	}
	return fmt.Sprintf("%.2f (%.1f× slower)", r, r)
}

// spreadCell shows how far the runs of r were apart: half the ns/op range
// as a percentage of the median. A spread larger than a difference means the
// difference is noise.
func spreadCell(r *result) string {
	if r == nil || r.Runs < 2 {
		return "n/a"
	}
	med, lo, hi := r.Median["ns/op"], r.Min["ns/op"], r.Max["ns/op"]
	if med <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("±%.0f%%", (hi-lo)/2/med*100)
}

// libraryOrder is the column order of the tables; other names follow, sorted.
var libraryOrder = []string{libFastmeter, libOfficial, libPrometheus, libAPI}

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
