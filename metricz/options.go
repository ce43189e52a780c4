package metricz

import (
	"fmt"
	"time"

	sdkmetric "github.com/fastmeter/fastmeter"
	"go.opentelemetry.io/otel"
)

// Defaults of the options. They bound the memory the Handler keeps:
// DefaultMaxSeries × DefaultHistory points of 8 bytes (about 1.9 MiB of
// sparkline history) plus one copy of each tracked series' latest value.
const (
	// DefaultInterval is how often the Handler collects from its Reader.
	DefaultInterval = time.Second
	// DefaultMaxSeries is how many series the Handler tracks at most;
	// further series are counted as dropped and shown as such on the page.
	DefaultMaxSeries = 2000
	// DefaultHistory is how many collections each sparkline remembers.
	DefaultHistory = 120
	// DefaultCollectTimeout bounds each collection, like Prometheus'
	// default scrape timeout (prometheus.DefaultScrapeTimeout).
	DefaultCollectTimeout = 10 * time.Second
)

// minInterval protects the process from a collection loop that would
// spend all its time collecting.
const minInterval = 10 * time.Millisecond

// config holds the settings of a Handler.
type config struct {
	interval       time.Duration
	collectTimeout time.Duration
	maxSeries      int
	history        int
	producers      []sdkmetric.Producer
	filter         sdkmetric.MetricFilter
}

func newConfig(opts []Option) config {
	cfg := config{interval: DefaultInterval, collectTimeout: DefaultCollectTimeout, maxSeries: DefaultMaxSeries, history: DefaultHistory}
	for _, opt := range opts {
		if opt != nil {
			cfg = opt.apply(cfg)
		}
	}
	return cfg
}

// Option configures a Handler made by New.
type Option interface {
	apply(config) config
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

// WithInterval sets how often the Handler collects from its Reader, which
// is also the spacing of sparkline points and the page's refresh period.
// Values below 10ms are reported through otel.Handle and replaced by 10ms.
func WithInterval(d time.Duration) Option {
	return optionFunc(func(c config) config {
		if d < minInterval {
			otel.Handle(fmt.Errorf("metricz: WithInterval(%v) is below the minimum; using %v", d, minInterval))
			d = minInterval
		}
		c.interval = d
		return c
	})
}

// WithCollectTimeout bounds each collection (the loop's and Refresh's),
// whatever context the caller passes. The SDK gives callbacks the first
// half of the time left and then abandons those still running, so a
// callback that never returns costs its own instrument's points, never the
// page: the other metrics arrive within d. Non-positive values are
// reported through otel.Handle and ignored (DefaultCollectTimeout stays).
func WithCollectTimeout(d time.Duration) Option {
	return optionFunc(func(c config) config {
		if d <= 0 {
			otel.Handle(fmt.Errorf("metricz: WithCollectTimeout(%v) must be positive; keeping %v", d, c.collectTimeout))
			return c
		}
		c.collectTimeout = d
		return c
	})
}

// WithMaxSeries caps the number of series the Handler keeps (all
// instruments together). Series beyond the cap are not stored; the page and
// the JSON report how many were dropped. Non-positive values are reported
// through otel.Handle and ignored.
func WithMaxSeries(n int) Option {
	return optionFunc(func(c config) config {
		if n <= 0 {
			otel.Handle(fmt.Errorf("metricz: WithMaxSeries(%d) must be positive; keeping %d", n, c.maxSeries))
			return c
		}
		c.maxSeries = n
		return c
	})
}

// WithHistory sets how many points each series' sparkline keeps.
// Non-positive values are reported through otel.Handle and ignored.
func WithHistory(points int) Option {
	return optionFunc(func(c config) config {
		if points <= 0 {
			otel.Handle(fmt.Errorf("metricz: WithHistory(%d) must be positive; keeping %d", points, c.history))
			return c
		}
		c.history = points
		return c
	})
}

// WithProducer adds an external source of metrics (for example a bridge
// from another instrumentation library) to what the Handler shows, like the
// option of the same name for the SDK's readers.
func WithProducer(p sdkmetric.Producer) Option {
	return optionFunc(func(c config) config {
		if p != nil {
			c.producers = append(c.producers, p)
		}
		return c
	})
}

// WithMetricFilter registers a MetricFilter on the Handler's reader
// (fastmeter.WithMetricFilter): the page and its JSON show only the streams
// and data points filter accepts, and a dropped stream is not read at all.
// A nil filter means no filter; the last WithMetricFilter wins.
func WithMetricFilter(f sdkmetric.MetricFilter) Option {
	return optionFunc(func(c config) config {
		c.filter = f
		return c
	})
}
