package transport

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sender delivers one encoded request. Send returns the partial success the
// receiver reported (zero when it accepted everything), or an error; a
// *RetryableError means the OTLP specification allows sending the same
// request again.
//
// Send returns once the transport no longer reads body, unless ctx ends
// first; then BodyRetained reports true, and the caller must not write
// body's bytes again (the transport may still be sending them).
type Sender interface {
	Send(ctx context.Context, body []byte) (PartialSuccess, error)
	// BodyRetained reports whether a body given to Send since the last
	// call may still be read, and forgets it.
	BodyRetained() bool
	Close(ctx context.Context) error
}

// RetryableError is a failure the specification calls retryable (HTTP 429,
// 502, 503, 504; gRPC UNAVAILABLE and the others), with the delay the
// receiver asked for (Retry-After, RetryInfo), zero if it gave none.
type RetryableError struct {
	Err   error
	After time.Duration
}

func (e *RetryableError) Error() string { return e.Err.Error() }
func (e *RetryableError) Unwrap() error { return e.Err }

// PartialSuccess is the receiver's ExportMetricsPartialSuccess: how many
// points it rejected and why. The request must not be retried.
type PartialSuccess struct {
	RejectedDataPoints int64
	ErrorMessage       string
}

// Err is the partial success as an error, nil when there is nothing to
// report (the specification allows an empty partial_success on full success).
func (p PartialSuccess) Err() error {
	if p.RejectedDataPoints == 0 && p.ErrorMessage == "" {
		return nil
	}
	return fmt.Errorf("%w: %d data points rejected: %s", ErrPartialSuccess, p.RejectedDataPoints, p.ErrorMessage)
}

// ErrPartialSuccess marks the error reported for a partial success.
var ErrPartialSuccess = errors.New("OTLP partial success")
