package ratelimit

import (
	"sync"
	"testing"
	"time"
)

func TestFirstEventReportsThenOncePerInterval(t *testing.T) {
	var l Limiter
	t0 := time.Unix(1000, 0)
	if n, ok := l.Event(t0); !ok || n != 1 {
		t.Fatalf("first event: n=%d report=%v, want 1 true", n, ok)
	}
	for i := 1; i <= 99; i++ {
		if _, ok := l.Event(t0.Add(time.Duration(i) * Interval / 100)); ok {
			t.Fatalf("event %d within the interval was reported", i)
		}
	}
	// The 100th event after the first is at exactly one interval: due.
	if n, ok := l.Event(t0.Add(Interval)); !ok || n != 100 {
		t.Fatalf("event after the interval: n=%d report=%v, want 100 true (99 held back + this one)", n, ok)
	}
	if _, ok := l.Event(t0.Add(Interval + time.Second)); ok {
		t.Fatal("the interval did not restart at the second report")
	}
	if n, ok := l.Event(t0.Add(3 * Interval)); !ok || n != 2 {
		t.Fatalf("third report: n=%d report=%v, want 2 true", n, ok)
	}
}

// Concurrent events: one report in the first interval, and every event is
// counted in exactly one report.
func TestConcurrentEventsAreCountedOnce(t *testing.T) {
	var l Limiter
	const goroutines, perG = 4, 10000
	t0 := time.Unix(1000, 0)
	var mu sync.Mutex
	var reports int
	var total uint64
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perG; i++ {
				if n, ok := l.Event(t0); ok {
					mu.Lock()
					reports++
					total += n
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if reports != 1 {
		t.Fatalf("%d reports within one interval, want 1", reports)
	}
	n, ok := l.Event(t0.Add(Interval))
	if !ok {
		t.Fatal("no report after the interval")
	}
	if total+n != goroutines*perG+1 {
		t.Fatalf("reports counted %d events, want %d", total+n, goroutines*perG+1)
	}
}
