package prometheus

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// exemplarSyntax matches the exemplar part of an OpenMetrics sample line
// (what follows " # "): a label set, a value and an optional timestamp.
var exemplarSyntax = regexp.MustCompile(`^\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\} (\S+)(?: (\S+))?$`)

// openMetricsToText checks the OpenMetrics-specific parts of body (the
// final "# EOF", exemplar syntax and size) and rewrites it as Prometheus
// text (no EOF, no exemplars, counter families named like their samples, unknown as untyped) so
// that expfmt's text parser can check the rest. expfmt has no complete
// OpenMetrics parser; the real Prometheus end-to-end test parses
// OpenMetrics with Prometheus' own parser.
func openMetricsToText(t testing.TB, body []byte) []byte {
	t.Helper()
	text := string(body)
	if !strings.HasSuffix(text, "# EOF\n") {
		t.Fatalf("OpenMetrics output does not end with # EOF:\n%s", text)
	}
	text = strings.TrimSuffix(text, "# EOF\n")
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	// OpenMetrics names a counter family without _total and its samples
	// with it; the text format uses the sample name for both. A family's
	// HELP line comes right before its TYPE line.
	isCounterType := func(line, name string) bool {
		f := strings.Fields(line)
		return len(f) == 4 && f[0] == "#" && f[1] == "TYPE" && f[2] == name && f[3] == "counter"
	}
	var out bytes.Buffer
	for i, line := range lines {
		if line == "" {
			t.Fatalf("empty line in OpenMetrics output")
		}
		if strings.HasPrefix(line, "# ") {
			f := strings.SplitN(line, " ", 4)
			switch {
			case len(f) >= 3 && f[1] == "HELP" && i+1 < len(lines) && isCounterType(lines[i+1], f[2]),
				len(f) >= 3 && isCounterType(line, f[2]):
				f[2] += "_total"
			case len(f) == 4 && f[1] == "TYPE" && f[3] == "unknown":
				// OpenMetrics "unknown" is the text format's "untyped".
				f[3] = "untyped"
			}
			out.WriteString(strings.Join(f, " ") + "\n")
			continue
		}
		if i := strings.Index(line, " # {"); i >= 0 {
			ex := line[i+3:]
			m := exemplarSyntax.FindStringSubmatch(ex)
			if m == nil {
				t.Fatalf("malformed exemplar %q", ex)
			}
			if n := utf8.RuneCountInString(strings.NewReplacer(`"`, "", ",", "", "=", "").Replace(m[1])); n > maxExemplarLabelRunes {
				t.Fatalf("exemplar labels have %d runes (max %d): %q", n, maxExemplarLabelRunes, ex)
			}
			line = line[:i]
		}
		out.WriteString(line + "\n")
	}
	return out.Bytes()
}

// openMetricsExemplars returns the exemplar text of each sample line that
// has one, keyed by the sample's name and labels.
func openMetricsExemplars(body []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(body), "\n") {
		if i := strings.Index(line, " # {"); i >= 0 && !strings.HasPrefix(line, "#") {
			sample := line[:i]
			if j := strings.LastIndexByte(sample, ' '); j >= 0 {
				sample = sample[:j]
			}
			out[sample] = line[i+3:]
		}
	}
	return out
}
