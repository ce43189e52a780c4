package transport

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Retry configures exponential backoff with jitter for retryable failures.
// The zero value does not retry.
type Retry struct {
	// Enabled turns retrying on.
	Enabled bool
	// InitialInterval is the wait after the first failure.
	InitialInterval time.Duration
	// MaxInterval caps the wait between attempts.
	MaxInterval time.Duration
	// MaxElapsedTime stops retrying once this long has passed since the first
	// attempt (the export's deadline stops it too); zero means no limit
	// besides the deadline.
	MaxElapsedTime time.Duration
}

// jitter is the randomisation factor: each wait is drawn uniformly from
// [interval·(1-jitter), interval·(1+jitter)].
const jitter = 0.5

// Do calls send until it succeeds, fails with an error that is not a
// *RetryableError, the retry budget is spent, or ctx ends. A receiver's
// throttle delay (RetryableError.After) replaces the backoff wait for that
// attempt; if it would outlast the deadline Do stops at once.
func (r Retry) Do(ctx context.Context, send func(context.Context) error) error {
	start := time.Now()
	interval := r.InitialInterval
	var timer *time.Timer
	var previous error // the last retryable failure, reported if the deadline cuts the next attempt
	for attempt := 1; ; attempt++ {
		err := send(ctx)
		if err == nil {
			return nil
		}
		after, retryable := retryableAfter(err)
		if !r.Enabled || !retryable {
			if previous != nil && ctx.Err() != nil {
				return fmt.Errorf("%w (after %d attempts; the one before failed with: %w)", err, attempt, previous)
			}
			return err
		}
		previous = err
		wait := after
		if wait <= 0 {
			wait = time.Duration(float64(interval) * (1 - jitter + 2*jitter*rand.Float64()))
			interval = min(2*interval, r.MaxInterval)
		}
		if r.MaxElapsedTime > 0 && time.Since(start)+wait > r.MaxElapsedTime {
			return fmt.Errorf("otlp: giving up after %d attempts (retry budget %v): %w", attempt, r.MaxElapsedTime, err)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			// It wraps context.DeadlineExceeded: the export cannot succeed by
			// its deadline, and callers test for that as for a wait that ran
			// into it.
			return fmt.Errorf("otlp: giving up after %d attempts (next attempt in %v is past the deadline: %w): %w",
				attempt, wait, context.DeadlineExceeded, err)
		}
		if timer == nil {
			timer = time.NewTimer(wait)
			defer timer.Stop()
		} else {
			timer.Reset(wait)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("otlp: %w after %d attempts: %w", ctx.Err(), attempt, err)
		case <-timer.C:
		}
	}
}

// retryableAfter reports whether err is a *RetryableError, and its throttle
// delay. It is apart from Do so that its errors.As target, which escapes,
// is allocated on failures only, not by every successful export.
func retryableAfter(err error) (time.Duration, bool) {
	var retryable *RetryableError
	if !errors.As(err, &retryable) {
		return 0, false
	}
	return retryable.After, true
}
