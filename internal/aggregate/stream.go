package aggregate

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Measurer receives the measurements of one stream. Measure is the hot path.
type Measurer[N Number] interface {
	Measure(ctx context.Context, value N, attrs *attribute.Set)
}

// Stream is one aggregated stream: it is measured by instruments and
// collected by its reader's pipeline.
type Stream[N Number] interface {
	Measurer[N]
	// Collect writes the stream's current points into dst, reusing the
	// storage of the value dst already holds when it has the same type. It
	// returns the number of points written.
	Collect(dst *metricdata.Aggregation) int
}

// Config is everything a stream needs to know about itself.
type Config struct {
	Temporality metricdata.Temporality
	// Filter, when set, keeps only the attributes it accepts (a view's
	// attribute filter or the instrument's advisory keys).
	Filter attribute.Filter
	// CardinalityLimit bounds the number of series, the overflow series
	// included. ≤ 0 means unlimited.
	CardinalityLimit int
	// ForgetIdleAfter, for cumulative streams, removes a series that
	// received nothing for that many collections in a row (0: keep
	// forever). Delta streams always remove a series idle for one interval.
	ForgetIdleAfter int
	// Exemplars decides and stores exemplars; nil disables them.
	Exemplars *ExemplarConfig
	// Repairs reports measurements whose attributes were repaired to valid
	// UTF-8 (see utf8.go); shared by the instrument's streams. May be nil.
	Repairs *RepairReport
	// StreamStartTime makes every series of a cumulative synchronous
	// stream report the stream's creation time as its start time (the
	// official SDK's default) instead of its own first measurement (the
	// specification's SHOULD, fastmeter's default). It is decided when the
	// stream is created (see newSeriesTable), so the measurement path does
	// not change.
	StreamStartTime bool
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Config) nowNanos() int64 { return c.now().UnixNano() }

// reclaims reports whether writers must bracket updates so idle series can
// be removed safely.
func (c *Config) reclaims() bool {
	return c.Temporality == metricdata.DeltaTemporality || c.ForgetIdleAfter > 0
}

func (c *Config) idleLimit() uint32 {
	if c.Temporality == metricdata.DeltaTemporality {
		return 1
	}
	return uint32(c.ForgetIdleAfter)
}

// filtered applies the stream's attribute filter. The unfiltered attributes
// dropped here are kept for exemplars.
func (c *Config) filtered(attrs *attribute.Set) (attribute.Set, []attribute.KeyValue) {
	if c.Filter == nil {
		return *attrs, nil
	}
	return attrs.Filter(c.Filter)
}

// collector holds what every synchronous stream's collection shares: the
// serialising mutex, the previous collection time (start of delta points)
// and the sweep over a series table.
type collector struct {
	mu        sync.Mutex
	lastNanos int64 // previous collection, or the stream's creation
}

// visit says why sweep hands a series to emit.
type visit uint8

const (
	// visitLive: an ordinary point (read cumulative, take delta).
	visitLive visit = iota
	// visitIdle: the series was just retired idle; report only what a
	// writer that left after the previous visit may have left in it.
	visitIdle
	// visitFinal: the series was finished (finish.go): take its final
	// value (the cell is swapped, so a late writer's update stays
	// separate) and report it; it is then released.
	visitFinal
)

// sweep visits the series of t that have a point to report in this
// collection, finishes those Finish asked for and retires idle ones. emit
// receives each series with data and reports whether it wrote a point.
func sweep[C any](cfg *Config, t *seriesTable[C], cumulative bool, emit func(s *series[C], why visit) bool) int {
	n := 0
	retired := false
	overflow := t.overflow.Load()
	t.each(func(s *series[C]) {
		if s != overflow && s.finishing() {
			// Collected one last time, then released. Late writers of a
			// non-reclaiming table wait for the seal (finish.go).
			changed := s.kill(t.reclaim)
			if (cumulative || changed) && emit(s, visitFinal) {
				n++
			}
			s.seal()
			retired = true
			return
		}
		if !t.reclaim {
			if !s.dead() && emit(s, visitLive) {
				n++
			}
			return
		}
		if s.dead() { // retired by an earlier sweep, still in a stale array slot
			return
		}
		act := s.observe(s != overflow, cfg.idleLimit())
		switch {
		case act.retired:
			retired = true
			// A writer that left after the previous visit may have
			// updated the cell; report what it holds one last time.
			if emit(s, visitIdle) {
				n++
			}
		case act.changed || cumulative:
			if emit(s, visitLive) {
				n++
			}
		}
	})
	if retired {
		t.compact()
	}
	return n
}

func unixTime(nanos int64) time.Time { return time.Unix(0, nanos) }
