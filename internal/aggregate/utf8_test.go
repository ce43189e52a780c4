package aggregate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestValidUTF8(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "",
		"café":             "café",
		"caf\xff":          "caf\uFFFD",
		"\xfe\xfd\xfc":     "\uFFFD", // one run, one replacement
		"a\xffb\xffc":      "a\uFFFDb\uFFFDc",
		"\xe2\x82":         "\uFFFD", // a truncated sequence
		"ok\uFFFD":         "ok\uFFFD",
		"\xed\xa0\x80surr": "\uFFFDsurr", // an encoded surrogate is invalid
	} {
		got, changed := ValidUTF8(in)
		if got != want || changed != (in != want) {
			t.Errorf("ValidUTF8(%q) = %q, %v; want %q, %v", in, got, changed, want, in != want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { ValidUTF8("a valid string") }); n != 0 {
		t.Errorf("ValidUTF8 of a valid string allocates %v times", n)
	}
}

// NormalizeSet repairs every key and string, at any depth, in the same pass
// that resolves duplicate map keys.
func TestNormalizeSetRepairsInvalidUTF8(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in, want []attribute.KeyValue
		dupKeys  bool
	}{
		{"string value", []attribute.KeyValue{attribute.String("k", "v\xff"), attribute.Int("n", 1)},
			[]attribute.KeyValue{attribute.String("k", "v\uFFFD"), attribute.Int("n", 1)}, false},
		{"key", []attribute.KeyValue{attribute.String("k\xff", "v")}, []attribute.KeyValue{attribute.String("k\uFFFD", "v")}, false},
		{"repaired keys collide: the one sorted last wins", []attribute.KeyValue{attribute.Int("k\xfe", 1), attribute.Int("k\xff", 2)},
			[]attribute.KeyValue{attribute.Int("k\uFFFD", 2)}, false},
		{"string slice", []attribute.KeyValue{attribute.StringSlice("s", []string{"a", "b\xff", "c\xfe"})},
			[]attribute.KeyValue{attribute.StringSlice("s", []string{"a", "b\uFFFD", "c\uFFFD"})}, false},
		{"slice of strings and maps", []attribute.KeyValue{attribute.Slice("s", attribute.StringValue("x\xff"), attribute.MapValue(attribute.String("k", "y\xff")))},
			[]attribute.KeyValue{attribute.Slice("s", attribute.StringValue("x\uFFFD"), attribute.MapValue(attribute.String("k", "y\uFFFD")))}, false},
		{"map key and value", []attribute.KeyValue{attribute.Map("m", attribute.String("a\xff", "v\xff"), attribute.Int("b", 1))},
			[]attribute.KeyValue{attribute.Map("m", attribute.String("a\uFFFD", "v\uFFFD"), attribute.Int("b", 1))}, false},
		// A map key that repairs to an existing key: the key that sorted last
		// wins ("k\uFFFD" sorts before "k\xff"), like top-level keys.
		{"map key repairs onto another key", []attribute.KeyValue{attribute.Map("m", attribute.Int("k\xff", 1), attribute.Int("k\uFFFD", 2))},
			[]attribute.KeyValue{attribute.Map("m", attribute.Int("k\uFFFD", 1))}, true},
		{"duplicate keys and invalid UTF-8 together", []attribute.KeyValue{attribute.Map("m", attribute.Int("a", 1), attribute.String("a", "z\xff"))},
			[]attribute.KeyValue{attribute.Map("m", attribute.String("a", "z\uFFFD"))}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, want := attribute.NewSet(tc.in...), attribute.NewSet(tc.want...)
			got, changed, repaired := NormalizeSet(in)
			if !got.Equals(&want) || !changed || !repaired {
				t.Fatalf("NormalizeSet(%s) = %s, %v, %v; want %s, true, true", encoded(in), encoded(got), changed, repaired, encoded(want))
			}
			if _, f := normalizedSet(&in); (f&fixedDuplicateKeys != 0) != tc.dupKeys {
				t.Errorf("fixes %b: duplicate keys reported %v, want %v", f, f&fixedDuplicateKeys != 0, tc.dupKeys)
			}
			if again, changed, _ := NormalizeSet(got); changed || !again.Equals(&got) {
				t.Fatalf("normalising again changed %s to %s", encoded(got), encoded(again))
			}
			if kvs := normalizedKVs(tc.in); strings.Contains(fmt.Sprint(kvs), "\xff") || strings.Contains(fmt.Sprint(kvs), "\xfe") {
				t.Errorf("normalizedKVs left invalid UTF-8: %v", kvs)
			}
		})
	}
}

// A valid set with strings and string slices is returned as it is, without
// allocating: the scan on a series-table miss costs no allocation.
func TestNormalizeSetValidStringsAllocateNothing(t *testing.T) {
	set := attribute.NewSet(attribute.String("k", "café"), attribute.StringSlice("s", []string{"a", "\uFFFD"}),
		attribute.Map("m", attribute.String("ké", "v")), attribute.Slice("l", attribute.StringValue("x")))
	var changed bool
	if n := testing.AllocsPerRun(100, func() { _, changed, _ = NormalizeSet(set) }); n != 0 || changed {
		t.Errorf("valid set: changed %v, %v allocs; want unchanged, 0", changed, n)
	}
}

// warnSink records the messages of the OTel global logger's Warn level
// (logr V(1)), where repair reports go.
type warnSink struct{ got *[]string }

func (warnSink) Init(logr.RuntimeInfo)            {}
func (warnSink) Enabled(level int) bool           { return level <= 1 }
func (s warnSink) WithValues(...any) logr.LogSink { return s }
func (s warnSink) WithName(string) logr.LogSink   { return s }
func (s warnSink) Info(level int, msg string, _ ...any) {
	if level == 1 {
		*s.got = append(*s.got, msg)
	}
}
func (warnSink) Error(error, string, ...any) {}

// The table stores the repaired set only, reports each measurement with an
// invalid set to the instrument's RepairReport (rate-limited: one report
// for many), and the repaired series counts once toward the limit.
func TestInvalidUTF8Table(t *testing.T) {
	var reports []string
	otel.SetLogger(logr.New(warnSink{got: &reports}))
	defer otel.SetLogger(logr.Discard())

	raw := attribute.NewSet(attribute.String("u", "caf\xff"))
	fixed := attribute.NewSet(attribute.String("u", "caf\uFFFD"))
	other := attribute.NewSet(attribute.Int("o", 1))
	for _, reclaim := range []bool{false, true} {
		t.Run(fmt.Sprintf("reclaim=%v", reclaim), func(t *testing.T) {
			reports = nil
			cfg := Config{CardinalityLimit: 2, Repairs: &RepairReport{Instrument: "inst"}} // one series + overflow
			if reclaim {
				cfg.Temporality = metricdata.DeltaTemporality
			}
			tab := newSeriesTable[int](&cfg, nil)
			a := tab.acquire(&raw)
			if !a.attrs.Equals(&fixed) {
				t.Fatalf("series of %s has attributes %s, want %s", encoded(raw), encoded(a.attrs), encoded(fixed))
			}
			tab.release(a)
			for range 10 {
				if b := tab.acquire(&raw); b != a {
					t.Fatal("the invalid set got another series")
				} else {
					tab.release(b)
				}
			}
			// Normalised once: a repeated invalid set allocates nothing.
			if n := testing.AllocsPerRun(100, func() { tab.release(tab.acquire(&raw)) }); n != 0 {
				t.Errorf("acquiring the invalid set again allocates %v times; want 0 (its repair remembered)", n)
			}
			if b := tab.acquire(&fixed); b != a {
				t.Fatal("the valid set equal to the repair got another series")
			} else {
				tab.release(b)
			}
			if s := tab.lookup(&raw); s != nil {
				t.Fatal("the invalid set is stored in the table")
			}
			if o := tab.acquire(&other); o != tab.overflow.Load() {
				t.Fatal("a second distinct set did not overflow a limit of 2")
			} else {
				tab.release(o)
			}
			if len(reports) != 1 || !strings.Contains(reports[0], `instrument "inst": 1 measurement(s) had attributes that are not valid UTF-8 (latest: attribute "u" = "caf\xff")`) {
				t.Errorf("reports %q, want one naming the instrument and the attribute", reports)
			}
		})
	}
}

// The memo of normal forms is bounded by the cardinality limit (past it,
// sets are normalised each time, still correctly) and forgotten when the
// table compacts.
func TestNormalFormsBoundedAndCleared(t *testing.T) {
	cfg := Config{CardinalityLimit: 3, Temporality: metricdata.DeltaTemporality}
	tab := newSeriesTable[int](&cfg, nil)
	fixed := attribute.NewSet(attribute.String("u", "\uFFFD"))
	var first *series[int]
	for i := range 10 {
		raw := attribute.NewSet(attribute.String("u", string([]byte{0x80 + byte(i)})))
		s := tab.acquire(&raw)
		if !s.attrs.Equals(&fixed) {
			t.Fatalf("set %d: series %s, want %s", i, encoded(s.attrs), encoded(fixed))
		}
		if first == nil {
			first = s
		} else if s != first {
			t.Fatalf("set %d got another series than the first invalid spelling", i)
		}
		tab.release(s)
	}
	remembered := 0
	tab.normal.forms.Range(func(any, any) bool { remembered++; return true })
	if remembered != 3 {
		t.Errorf("%d normal forms remembered, want the limit 3", remembered)
	}
	tab.compact()
	remembered = 0
	tab.normal.forms.Range(func(any, any) bool { remembered++; return true })
	if remembered != 0 || tab.normal.count.Load() != 0 {
		t.Errorf("after compaction %d normal forms remembered (count %d), want none", remembered, tab.normal.count.Load())
	}
}
