package aggregate

import (
	"sync"
	"testing"
)

// Writers contending on one cell inflate it into stripes; a collector taking
// deltas concurrently still sees every add exactly once.
func TestStripedSumExactUnderContention(t *testing.T) {
	t.Run("int64", func(t *testing.T) { stripedExact[int64](t, 3) })
	t.Run("float64", func(t *testing.T) { stripedExact[float64](t, 0.5) })
}

func stripedExact[N Number](t *testing.T, inc N) {
	var c stripedSum[N]
	const writers, perWriter = 8, 20000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var taken N
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			taken += c.swapZero()
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				c.add(inc)
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-done
	taken += c.swapZero()
	if want := N(writers*perWriter) * inc; taken != want {
		t.Fatalf("collected %v, added %v", taken, want)
	}
	if c.stripes.Load() == nil {
		t.Log("no contention observed in this run (the cell never inflated)")
	}
}

func TestStripeHintIsStableWithinAGoroutine(t *testing.T) {
	if a, b := stripeHint(), stripeHint(); a != b || a < 0 || a >= stripeCount {
		t.Fatalf("hints %d, %d", a, b)
	}
}
