package transport

import (
	"context"
	"sync/atomic"
)

// lease counts the request bodies a transport may still read. A transport
// can go on reading a body after the call that took it has returned: net/http
// returns the response while the request is still being written when the
// receiver answers early, and gRPC frees a message's buffer on its writer
// goroutine. The encoder reuses its buffer for the next request, so a sender
// waits for its lease to end before it returns; when ctx ends first, the
// sender gives the lease up (the late bodies end an abandoned lease) and the
// exporter stops reusing the bytes (Sender.BodyRetained).
type lease struct {
	outstanding atomic.Int64
	// ended receives a token each time outstanding drops to zero: a stale
	// token only makes wait look at outstanding once more.
	ended chan struct{}
}

func newLease() *lease { return &lease{ended: make(chan struct{}, 1)} }

// take records that a transport was given a body.
func (l *lease) take() { l.outstanding.Add(1) }

// give records that a transport is done with one body.
func (l *lease) give() {
	if l.outstanding.Add(-1) == 0 {
		select {
		case l.ended <- struct{}{}:
		default:
		}
	}
}

// wait reports whether every body was given back before ctx ended. It is
// called after the transport call returned, when no new body can be taken.
func (l *lease) wait(ctx context.Context) bool {
	for l.outstanding.Load() > 0 {
		select {
		case <-l.ended:
		case <-ctx.Done():
			return l.outstanding.Load() == 0
		}
	}
	return true
}
