package metricz

import (
	"encoding/json"
	"math"
	"testing"
)

func TestBarsMergeAndTrim(t *testing.T) {
	// 200 buckets [i, i+1]; only 10…109 hold observations.
	bucket := func(i int) (float64, float64, uint64) {
		var c uint64
		if i >= 10 && i < 110 {
			c = 1
		}
		return float64(i), float64(i + 1), c
	}
	got := bars(200, bucket)
	if len(got) > maxBars {
		t.Fatalf("%d bars, more than %d", len(got), maxBars)
	}
	var total uint64
	for i, b := range got {
		total += b.Count
		if i > 0 && got[i-1].Hi != b.Lo {
			t.Errorf("bars %d and %d are not contiguous: %v then %v", i-1, i, got[i-1], b)
		}
	}
	if total != 100 || got[0].Lo != 10 || got[len(got)-1].Hi != 110 {
		t.Errorf("bars cover [%v, %v] with %d observations; want [10, 110] with 100", got[0].Lo, got[len(got)-1].Hi, total)
	}
	if bars(5, func(i int) (float64, float64, uint64) { return 0, 1, 0 }) != nil {
		t.Error("an empty histogram has no bars")
	}
}

func TestJSONFloatRoundTrip(t *testing.T) {
	for _, v := range []float64{0, -1.5, 1e300, math.NaN(), math.Inf(1), math.Inf(-1)} {
		b, err := json.Marshal(jsonFloat(v))
		if err != nil {
			t.Fatalf("%v: %v", v, err)
		}
		var back jsonFloat
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !(float64(back) == v || math.IsNaN(v) && math.IsNaN(float64(back))) {
			t.Errorf("%v → %s → %v", v, b, back)
		}
	}
	b, _ := json.Marshal(sparkJSON{1, math.NaN(), math.Inf(1), 2})
	if string(b) != "[1,null,null,2]" {
		t.Errorf("spark points that are not finite are gaps: %s", b)
	}
}

func TestTruncateKeepsUTF8(t *testing.T) {
	s := "ééééé" // 2 bytes each
	if got := truncate(s, 5); got != "éé…" {
		t.Errorf("truncate(%q, 5) = %q", s, got)
	}
	if got := truncate("short", 10); got != "short" {
		t.Errorf("short strings stay: %q", got)
	}
}
