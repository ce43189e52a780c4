package fastmeter

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
)

// exportGrace is how long a caller whose context ended keeps waiting for the
// exporter's own result. Exporters receive the same context and usually
// return right at the deadline with an error that names the cause (the
// endpoint, the last status); waiting this little longer keeps that cause
// instead of a bare "context deadline exceeded".
const exportGrace = 25 * time.Millisecond

// exporterPanicError is the error of an exporter call that panicked. The
// reader recovers the panic so that its own goroutine and the caller's
// survive, and returns it as that call's error.
type exporterPanicError struct {
	call  string // "Export", "ForceFlush", "Shutdown"
	value any
	stack []byte
}

// ErrorType is the error.type of a panicking exporter call in the
// self-metrics (semconv.ErrorType reads it).
func (e *exporterPanicError) ErrorType() string { return "panic" }

func (e *exporterPanicError) Error() string {
	return fmt.Sprintf("fastmeter: the exporter's %s panicked: %v", e.call, e.value)
}

// reportPanics hands the exporter panics inside err to otel.Handle, with the
// stack, so a caller that drops the error still leaves a trace of the bug.
func reportPanics(err error) {
	var p *exporterPanicError
	if errors.As(err, &p) {
		otel.Handle(fmt.Errorf("%w\n%s", p, p.stack))
	}
}

// callBounded runs f in its own goroutine while holding token (a one-slot
// channel: at most one such call is in progress, so a call that never
// returns strands one goroutine, never one per attempt). It returns f's
// error, a panic of f as an *exporterPanicError, or, when ctx ends first,
// ctx's error — joined with f's if f returns within exportGrace. A call
// abandoned that way keeps the token until it returns, then reports its
// error through otel.Handle; the next call waits for it (bounded by its own
// ctx) instead of overlapping it.
//
// A free token is taken even when ctx has already ended, so that f still
// runs (and gets its grace): the exporter's Shutdown is called after a
// final export that used up the deadline, as in the official SDK.
func callBounded(ctx context.Context, token chan struct{}, call string, f func() error) error {
	select {
	case token <- struct{}{}:
	default:
		select {
		case token <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("fastmeter: waiting for the exporter's previous %s to return: %w", call, ctx.Err())
		}
	}
	c := &boundedCall{result: make(chan error, 1), call: call}
	go func() {
		err := containPanic(call, f)
		<-token
		c.finish(err)
	}()
	select {
	case err := <-c.result:
		return err
	case <-ctx.Done():
	}
	grace := time.NewTimer(exportGrace)
	defer grace.Stop()
	select {
	case err := <-c.result:
		return joinDeadline(err, ctx.Err())
	case <-grace.C:
	}
	if err, arrived := c.abandon(); arrived {
		return joinDeadline(err, ctx.Err())
	}
	return ctx.Err()
}

// joinDeadline is the result of a call that returned after its context
// ended: its own error (nil means it made it), with ctx's cause added unless
// the error already carries it.
func joinDeadline(err, ctxErr error) error {
	if err == nil || errors.Is(err, ctxErr) {
		return err
	}
	return errors.Join(err, ctxErr)
}

// boundedCall hands one call's result to its caller, or, once the caller
// has given up on it, to otel.Handle.
type boundedCall struct {
	call      string
	mu        sync.Mutex
	abandoned bool
	result    chan error
}

func (c *boundedCall) finish(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.abandoned {
		c.result <- err
		return
	}
	if err != nil {
		otel.Handle(fmt.Errorf("fastmeter: the exporter's %s, abandoned at its caller's deadline, finished later: %w", c.call, err))
	}
}

// abandon gives the call up unless its result arrived meanwhile.
func (c *boundedCall) abandon() (err error, arrived bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case err := <-c.result:
		return err, true
	default:
		c.abandoned = true
		return nil, false
	}
}

// containPanic calls f, turning a panic into an *exporterPanicError.
func containPanic(call string, f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &exporterPanicError{call: call, value: v, stack: debug.Stack()}
		}
	}()
	return f()
}
