package fastmeter

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
)

// badInputReportEvery is how often one instrument may report dropped
// measurements: a hot loop feeding NaN must not flood the error handler.
const badInputReportEvery = 10 * time.Second

// badInput counts and reports invalid measurements of one instrument. The
// first one is reported at once; after that at most one report per interval,
// carrying the count dropped since the previous report.
type badInput struct {
	instrument string
	dropped    atomic.Uint64
	mu         sync.Mutex
	lastReport time.Time
	reported   uint64
}

func (b *badInput) drop(reason string) {
	n := b.dropped.Add(1)
	b.mu.Lock()
	now := time.Now()
	if n != 1 && now.Sub(b.lastReport) < badInputReportEvery {
		b.mu.Unlock()
		return
	}
	since := n - b.reported
	b.reported = n
	b.lastReport = now
	b.mu.Unlock()
	otel.Handle(fmt.Errorf("fastmeter: instrument %q: dropped %d invalid measurement(s) (latest: %s); valid measurements are unaffected", b.instrument, since, reason))
}
