package fastmeter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/fastmeter/fastmeter/internal/ratelimit"
	"github.com/fastmeter/fastmeter/internal/selfobs"
)

// How the observations made through one callback entry reach its streams.
const (
	// observeInline: the callback runs on the collecting goroutine, which
	// waits for it; observations go straight to the streams.
	observeInline int32 = iota
	// observeGuarded: the callback runs on a helper goroutine the
	// collection may walk away from; each observation holds the entry's
	// gate, so that once the collection has closed it no late observation
	// can reach a stream.
	observeGuarded
	// observeClosed: the run was abandoned; its observations are dropped.
	observeClosed
)

// callbackEntry is one registered callback of one pipeline and what the
// pipeline knows about its runs.
type callbackEntry struct {
	fn func(context.Context) error
	// observes names the callback's instruments and meter, for reports.
	observes string
	// keepBaselines are the KeepBaselines of the streams the callback
	// feeds: called when a collection goes on without the callback's
	// observations (abandoned, skipped, not run), so a delta observable
	// counter's next point does not count from zero.
	keepBaselines []func()
	// feeds are the streams the callback's observations reach in this
	// pipeline; a MetricFilter that drops them all skips the callback
	// (metric_filter_apply.go), whose cache of them is filter.
	feeds  []any
	filter callbackFilterState
	// meter is the switch of the callback's meter: a disabled meter's
	// callbacks are not run (meter_config.go).
	meter *meterGate

	mode atomic.Int32
	gate sync.Mutex
	// running is set while a run started on a helper goroutine has not
	// returned. A collection that abandoned the run leaves it set, so later
	// collections skip the callback instead of starting it a second time.
	running atomic.Bool

	abandonedReports ratelimit.Limiter
	skippedReports   ratelimit.Limiter
	notRunReports    ratelimit.Limiter
}

// admit is called by every observation made through the entry's observer.
// It reports whether the observation may reach the streams; when it returns
// true with guarded set, the caller must call e.gate.Unlock after the
// observation.
func (e *callbackEntry) admit() (ok, guarded bool) {
	if e.mode.Load() == observeInline {
		return true, false
	}
	e.gate.Lock()
	if e.mode.Load() != observeGuarded {
		e.gate.Unlock()
		return false, false // a late observation of an abandoned run
	}
	return true, true
}

// close makes every later observation of the current run a no-op; it waits
// for an observation in progress to finish.
func (e *callbackEntry) close() {
	e.gate.Lock()
	e.mode.Store(observeClosed)
	e.gate.Unlock()
}

// missed is called when a collection goes on without the callback's
// observations: it keeps the streams' delta baselines for the next
// collection and reports why, rate-limited by l.
func (e *callbackEntry) missed(l *ratelimit.Limiter, format string) {
	for _, keep := range e.keepBaselines {
		keep()
	}
	if n, ok := l.Event(time.Now()); ok {
		otel.Handle(fmt.Errorf(format, e.observes, n))
	}
}

func (e *callbackEntry) reportAbandoned() {
	selfobs.Abandoned()
	e.missed(&e.abandonedReports, "fastmeter: the callback of %s did not return by the collection's callback deadline and was abandoned "+
		"(%d time(s) since the last report): the collection went on without it, its streams report only what it observed before the deadline, "+
		"whatever it observes later is dropped, and it is not started again until it returns")
}

func (e *callbackEntry) reportSkipped() {
	e.missed(&e.skippedReports, "fastmeter: the callback of %s was skipped because a run abandoned by an earlier collection is still running "+
		"(%d collection(s) since the last report); its streams report nothing until it returns")
}

func (e *callbackEntry) reportNotRun() {
	e.missed(&e.notRunReports, "fastmeter: the callback of %s was not run: an earlier callback used up the collection's time for callbacks "+
		"(%d collection(s) since the last report)")
}

// runCallbacks runs the callbacks one after the other, as every collection
// does, and returns their errors. A callback whose earlier run was
// abandoned and has not returned is skipped.
//
// A context that can never end (context.Background()) keeps the plain way:
// each callback runs on the caller's goroutine, which waits for it, however
// long it takes. Otherwise the callbacks run on one helper goroutine and the
// caller waits at most until the callback deadline: halfway between now and
// ctx's deadline (the other half is left for reading the streams and
// exporting them), or, without a deadline, until ctx ends. A callback still
// running then is abandoned (see callbackEntry), the ones after it are not
// run this time, and ended is ctx's error if ctx itself is over — then the
// caller must read no stream.
func runCallbacks(ctx context.Context, callbacks []*callbackEntry) (errs, ended error) {
	if len(callbacks) == 0 {
		return nil, ctx.Err()
	}
	if ctx.Done() == nil {
		for _, cb := range callbacks {
			if cb.running.Load() {
				cb.reportSkipped()
				continue
			}
			cb.mode.Store(observeInline)
			errs = errors.Join(errs, runCallback(ctx, cb.fn))
		}
		return errs, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cbCtx, cancel := callbackContext(ctx)
	defer cancel()
	pass := &callbackPass{callbacks: callbacks, done: make(chan struct{})}
	go pass.run(cbCtx)
	select {
	case <-pass.done:
	case <-cbCtx.Done():
		pass.abandon()
	}
	pass.mu.Lock()
	errs = pass.errs
	pass.mu.Unlock()
	return errs, ctx.Err()
}

// callbackContext is the context callbacks run under when ctx can end.
func callbackContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return ctx, func() {}
	}
	now := time.Now()
	return context.WithDeadline(ctx, now.Add(deadline.Sub(now)/2))
}

// callbackPass is one collection's run of its callbacks on a helper
// goroutine.
type callbackPass struct {
	callbacks []*callbackEntry
	done      chan struct{} // closed when run returns

	mu        sync.Mutex
	next      int            // index of the next callback to start
	current   *callbackEntry // the callback running now, if any
	abandoned bool           // the collection has gone on without the pass
	errs      error
}

func (p *callbackPass) run(ctx context.Context) {
	defer close(p.done)
	for _, cb := range p.callbacks {
		p.mu.Lock()
		if p.abandoned {
			p.mu.Unlock()
			return
		}
		p.next++
		if !cb.running.CompareAndSwap(false, true) {
			p.mu.Unlock()
			cb.reportSkipped()
			continue
		}
		cb.mode.Store(observeGuarded)
		p.current = cb
		p.mu.Unlock()

		err := runCallback(ctx, cb.fn)

		p.mu.Lock()
		p.current = nil
		cb.running.Store(false)
		abandoned := p.abandoned
		if !abandoned {
			p.errs = errors.Join(p.errs, err)
		}
		p.mu.Unlock()
		if abandoned {
			return
		}
	}
}

// abandon stops the pass at its callback deadline: the running callback's
// gate is closed and the callbacks not started yet are not run.
func (p *callbackPass) abandon() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next == len(p.callbacks) && p.current == nil {
		return // it finished just now
	}
	p.abandoned = true
	if p.current != nil {
		p.current.close()
		p.current.reportAbandoned()
	}
	for _, cb := range p.callbacks[p.next:] {
		cb.reportNotRun()
	}
}
