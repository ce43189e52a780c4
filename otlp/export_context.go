package otlp

import (
	"context"
	"sync"
	"time"
)

// exportClock ends the Exporter's exports: at their timeout, when the
// caller's context ends, or when Shutdown aborts them. Each Export gets an
// exportCtx of its own generation; the clock's timer, Done channel and
// registration slice are reused by every export (exports are serialised).
//
// The reason is allocations: context.WithTimeout costs a context, a timer,
// a closure and a channel per export, and makes every context gRPC derives
// from it register in a map: about ten allocations per gRPC export, a tenth
// of its budget. Here an export costs its exportCtx, and gRPC's child
// registers through AfterFunc into the reused slice.
//
// An exportCtx outlives its export in whoever kept it: once its generation
// is over it reads as cancelled (a closed Done, context.Canceled), as a
// context.WithTimeout context does after Export's deferred cancel.
type exportClock struct {
	timer     *time.Timer        // fires expire; a late fire finds a later deadline
	abortFunc context.CancelFunc // abort, made once

	mu       sync.Mutex // guards the fields below
	gen      uint64     // the running export's generation
	deadline time.Time  // the running export's end
	hasEnd   bool
	done     chan struct{} // the running export's; closed when it ends early
	err      error         // why it ended early; nil while it runs
	afters   []afterFunc   // AfterFunc registrations of the running export
	nextID   uint64
	unwatch  func() bool // stops watching the caller's context, nil if none
}

// afterFunc is one AfterFunc registration.
type afterFunc struct {
	id uint64
	f  func()
}

// closedDone is the Done of an export that is over.
var closedDone = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func newExportClock() *exportClock {
	c := &exportClock{done: make(chan struct{})}
	c.timer = time.AfterFunc(time.Hour, c.expire)
	c.timer.Stop()
	c.abortFunc = c.abort
	return c
}

// begin starts an export under parent that ends after timeout (none if not
// positive), when parent ends, or on abort, and returns its context.
func (c *exportClock) begin(parent context.Context, timeout time.Duration) context.Context {
	deadline, hasEnd := parent.Deadline()
	if timeout > 0 {
		if end := time.Now().Add(timeout); !hasEnd || end.Before(deadline) {
			deadline, hasEnd = end, true
		}
	}
	c.mu.Lock()
	c.gen++
	gen := c.gen
	if c.err != nil { // the last export ended early: its channel is closed
		c.done, c.err = make(chan struct{}), nil
	}
	c.deadline, c.hasEnd = deadline, hasEnd
	c.afters = c.afters[:0]
	c.mu.Unlock()

	ctx := &exportCtx{clock: c, gen: gen, parent: parent, deadline: deadline, hasEnd: hasEnd}
	if err := parent.Err(); err != nil {
		c.end(gen, err)
		return ctx
	}
	if hasEnd {
		c.timer.Reset(time.Until(deadline))
	}
	if parent.Done() != nil {
		unwatch := context.AfterFunc(parent, func() { c.end(gen, parent.Err()) })
		c.mu.Lock()
		c.unwatch = unwatch
		c.mu.Unlock()
	}
	return ctx
}

// finish ends the running export's generation. Contexts derived from it
// that are still registered are cancelled, as Export's deferred cancel
// would; nothing that fires later for it reaches the next export.
func (c *exportClock) finish() {
	c.timer.Stop()
	c.mu.Lock()
	unwatch, left := c.unwatch, c.afters
	c.unwatch, c.afters = nil, nil
	if len(left) == 0 {
		c.afters = left[:0] // nobody else holds it: reuse the array
	}
	c.gen++
	c.mu.Unlock()
	if unwatch != nil {
		unwatch()
	}
	for _, a := range left {
		go a.f()
	}
}

// abort ends the running export with context.Canceled (Shutdown).
func (c *exportClock) abort() {
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	c.end(gen, context.Canceled)
}

// expire ends the running export if its deadline has passed; a timer set
// for an earlier export that fires late finds a later deadline.
func (c *exportClock) expire() {
	c.mu.Lock()
	gen, due := c.gen, c.hasEnd && !time.Now().Before(c.deadline)
	c.mu.Unlock()
	if due {
		c.end(gen, context.DeadlineExceeded)
	}
}

// end ends generation gen early with err, unless it is over or has ended,
// and runs its registrations, each in its own goroutine as
// context.AfterFunc runs its functions.
func (c *exportClock) end(gen uint64, err error) {
	c.mu.Lock()
	if gen != c.gen || c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	close(c.done)
	afters := c.afters
	c.afters = nil // handed to the goroutines below
	c.mu.Unlock()
	for _, a := range afters {
		go a.f()
	}
}

// unregister removes registration id of generation gen, reporting whether
// it was still waiting.
func (c *exportClock) unregister(gen, id uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || c.err != nil {
		return false
	}
	for i, a := range c.afters {
		if a.id == id {
			c.afters = append(c.afters[:i], c.afters[i+1:]...)
			return true
		}
	}
	return false
}

// exportCtx is the context of one export (generation gen of its clock).
type exportCtx struct {
	clock    *exportClock
	gen      uint64
	parent   context.Context
	deadline time.Time
	hasEnd   bool
}

var _ context.Context = (*exportCtx)(nil)

// Deadline is the export's end: its timeout or the caller's deadline,
// whichever comes first.
func (x *exportCtx) Deadline() (time.Time, bool) { return x.deadline, x.hasEnd }

// Done is closed when the export ends early, and once it is over.
func (x *exportCtx) Done() <-chan struct{} {
	c := x.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	if x.gen != c.gen {
		return closedDone
	}
	return c.done
}

// Err is why the export ended early (context.DeadlineExceeded at the
// timeout, context.Canceled by Shutdown, or the caller's context's error),
// context.Canceled once it is over, and nil while it runs.
func (x *exportCtx) Err() error {
	c := x.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	if x.gen != c.gen {
		return context.Canceled
	}
	return c.err
}

// Value is the caller's context's.
func (x *exportCtx) Value(key any) any { return x.parent.Value(key) }

// AfterFunc arranges f to run when the export ends early or is over, as
// context.AfterFunc does. The context package calls it for the contexts
// derived from this one (gRPC's), instead of a map entry or a goroutine.
func (x *exportCtx) AfterFunc(f func()) (stop func() bool) {
	c := x.clock
	c.mu.Lock()
	if x.gen != c.gen || c.err != nil {
		c.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	c.nextID++
	id, gen := c.nextID, x.gen
	c.afters = append(c.afters, afterFunc{id: id, f: f})
	c.mu.Unlock()
	return func() bool { return c.unregister(gen, id) }
}
