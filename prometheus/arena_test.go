package prometheus

import "testing"

// TestArenaSlicesDoNotOverlap: appending to a slice from the arena (as the
// +Inf exemplar bucket does) must not write into the next caller's values.
func TestArenaSlicesDoNotOverlap(t *testing.T) {
	var a arena[int]
	first := a.slice(2)
	second := a.slice(2)
	second[0], second[1] = 7, 8
	first = append(first, 99)
	if second[0] != 7 || second[1] != 8 || len(first) != 3 {
		t.Fatalf("append to one arena slice changed the next: %v %v", first, second)
	}
	p, q := a.one(), a.one()
	*p = 1
	if *q != 0 || p == q {
		t.Fatal("arena handed out the same value twice")
	}
	big := a.slice(arenaChunk)
	if len(big) != arenaChunk {
		t.Fatalf("len %d", len(big))
	}
}
