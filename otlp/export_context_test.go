package otlp

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// waitDone fails the test unless ctx is done within a second.
func waitDone(t *testing.T, what string, ctx context.Context) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
		t.Fatalf("%s: not done", what)
	}
}

func TestExportClockEndsAnExport(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		c := newExportClock()
		ctx := c.begin(context.Background(), 20*time.Millisecond)
		child, cancel := context.WithCancel(ctx) // registers through AfterFunc
		defer cancel()
		waitDone(t, "export", ctx)
		waitDone(t, "derived context", child)
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) || !errors.Is(child.Err(), context.DeadlineExceeded) {
			t.Fatalf("Err = %v, child %v; want DeadlineExceeded", ctx.Err(), child.Err())
		}
		c.finish()
	})
	t.Run("caller's context", func(t *testing.T) {
		c := newExportClock()
		parent, cancelParent := context.WithCancel(context.Background())
		ctx := c.begin(parent, time.Hour)
		child, cancel := context.WithCancel(ctx)
		defer cancel()
		cancelParent()
		waitDone(t, "derived context", child)
		if !errors.Is(ctx.Err(), context.Canceled) {
			t.Fatalf("Err = %v, want the caller's Canceled", ctx.Err())
		}
		c.finish()
	})
	t.Run("caller's context already ended", func(t *testing.T) {
		c := newExportClock()
		parent, cancelParent := context.WithCancel(context.Background())
		cancelParent()
		ctx := c.begin(parent, time.Hour)
		waitDone(t, "export", ctx)
		c.finish()
	})
	t.Run("abort", func(t *testing.T) {
		c := newExportClock()
		ctx := c.begin(context.Background(), time.Hour)
		child, cancel := context.WithCancel(ctx)
		defer cancel()
		c.abortFunc()
		waitDone(t, "derived context", child)
		if !errors.Is(ctx.Err(), context.Canceled) {
			t.Fatalf("Err = %v, want Canceled", ctx.Err())
		}
		c.finish()
	})
	t.Run("caller's earlier deadline", func(t *testing.T) {
		c := newExportClock()
		end := time.Now().Add(time.Minute)
		parent, cancel := context.WithDeadline(context.Background(), end)
		defer cancel()
		ctx := c.begin(parent, time.Hour)
		if d, ok := ctx.Deadline(); !ok || !d.Equal(end) {
			t.Fatalf("Deadline = %v %v, want the caller's %v", d, ok, end)
		}
		c.finish()
	})
	t.Run("value", func(t *testing.T) {
		type key struct{}
		c := newExportClock()
		ctx := c.begin(context.WithValue(context.Background(), key{}, "v"), time.Hour)
		if ctx.Value(key{}) != "v" {
			t.Fatal("the caller's value is lost")
		}
		c.finish()
	})
}

// TestExportClockOverIsCancelled: a context kept past its export reads as
// cancelled, and a derived context still registered is cancelled, as after
// context.WithTimeout's cancel; the next export is not affected.
func TestExportClockOverIsCancelled(t *testing.T) {
	c := newExportClock()
	old := c.begin(context.Background(), 10*time.Millisecond)
	child, cancel := context.WithCancel(old)
	defer cancel()
	c.finish()
	waitDone(t, "finished export", old)
	waitDone(t, "its derived context", child)
	if !errors.Is(old.Err(), context.Canceled) {
		t.Fatalf("Err after the export = %v, want Canceled", old.Err())
	}

	next := c.begin(context.Background(), time.Hour)
	time.Sleep(50 * time.Millisecond) // the old timeout has passed
	if next.Err() != nil {
		t.Fatalf("the next export ended: %v", next.Err())
	}
	select {
	case <-next.Done():
		t.Fatal("the next export's Done is closed")
	default:
	}
	if old.Err() == nil {
		t.Fatal("the old context came back to life")
	}
	c.finish()

	// After an export that ended early, the next one has a new channel.
	ended := c.begin(context.Background(), time.Hour)
	c.abortFunc()
	waitDone(t, "aborted export", ended)
	c.finish()
	fresh := c.begin(context.Background(), time.Hour)
	if fresh.Err() != nil {
		t.Fatalf("export after an aborted one: %v", fresh.Err())
	}
	c.finish()
}

// TestExportClockConcurrent: derived contexts made, cancelled and read
// from many goroutines while exports time out and are aborted; every
// derived context of an ended export ends (-race).
func TestExportClockConcurrent(t *testing.T) {
	c := newExportClock()
	for round := range 50 {
		ctx := c.begin(context.Background(), time.Duration(round%5)*time.Millisecond+time.Millisecond)
		var wg sync.WaitGroup
		children := make([]context.Context, 8)
		for i := range children {
			child, cancel := context.WithCancel(ctx)
			children[i] = child
			if i%2 == 0 {
				defer cancel()
			} else {
				wg.Add(1)
				go func() { defer wg.Done(); cancel() }()
			}
			wg.Add(1)
			go func() { defer wg.Done(); _ = ctx.Err(); <-ctx.Done() }()
		}
		if round%3 == 0 {
			go c.abortFunc()
		}
		waitDone(t, "export", ctx)
		for _, child := range children {
			waitDone(t, "derived context", child)
		}
		wg.Wait()
		c.finish()
	}
}
