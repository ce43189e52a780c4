// Package goroutines lets tests check that an operation repeated many times
// leaves no goroutine behind, without a third-party leak checker: they count
// runtime.NumGoroutine once it has settled, before and after.
package goroutines

import (
	"runtime"
	"time"
)

// Settled waits, bounded, for the number of goroutines to drop to at most
// atMost — or, for atMost <= 0, to stop changing between two looks 20 ms
// apart — and returns the last count seen. Goroutines that are finishing
// (a server's connection handlers, a returned helper) get time to exit; a
// count still above atMost after 5 s is returned as it is.
func Settled(atMost int) int {
	n := runtime.NumGoroutine()
	if atMost <= 0 {
		for i := 0; i < 50; i++ {
			time.Sleep(20 * time.Millisecond)
			m := runtime.NumGoroutine()
			if m == n {
				return n
			}
			n = m
		}
		return n
	}
	for deadline := time.Now().Add(5 * time.Second); n > atMost && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}
