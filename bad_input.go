package fastmeter

import (
	"fmt"
	"time"

	"github.com/fastmeter/fastmeter/internal/globallog"
	"github.com/fastmeter/fastmeter/internal/ratelimit"
	"github.com/fastmeter/fastmeter/internal/selfobs"
)

// badInput counts and reports invalid measurements of one instrument. The
// first one is reported at once; after that at most one report per
// ratelimit.Interval, carrying the count dropped since the previous report, so
// a hot loop feeding NaN does not flood the error handler.
type badInput struct {
	instrument string
	limit      ratelimit.Limiter
}

func (b *badInput) drop(reason string) {
	selfobs.Invalid()
	since, report := b.limit.Event(time.Now())
	if !report {
		return
	}
	// Data that could not be recorded: logged as an error of the global
	// logger, where the official SDK reports the observations it fails to
	// record.
	globallog.Error(fmt.Errorf("fastmeter: instrument %q: dropped %d invalid measurement(s) (latest: %s); valid measurements are unaffected", b.instrument, since, reason),
		"failed to record", "name", b.instrument)
}
