package prometheus

import (
	"fmt"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
)

// maxRememberedProblems bounds the memory spent on de-duplicating error
// reports. Past it, problems are still reported, just not de-duplicated.
const maxRememberedProblems = 1024

// problemReporter sends translation problems to otel.Handle once per distinct
// problem, so that a bad instrument does not flood the error handler on every
// scrape while still being reported the first time it is seen.
type problemReporter struct {
	seen  sync.Map // problem key (string) → struct{}
	count atomic.Int64
}

// report hands err to otel.Handle unless the same key was reported before.
func (r *problemReporter) report(key string, err error) {
	if r.count.Load() < maxRememberedProblems {
		if _, loaded := r.seen.LoadOrStore(key, struct{}{}); loaded {
			return
		}
		r.count.Add(1)
	}
	otel.Handle(err)
}

// reportf formats an error prefixed with the exporter's name and reports it
// once per key.
func (r *problemReporter) reportf(key, format string, args ...any) {
	r.report(key, fmt.Errorf("fastmeter/prometheus: "+format, args...))
}
