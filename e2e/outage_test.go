package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/otlp"
)

// Timings of the outage test. The outage lasts 12 s (the issue asks for a
// restart 10-20 s after the stop); exports run every 250 ms and time out
// after 2 s, so many exports fail while the collector is down.
const (
	outageInterval = 250 * time.Millisecond
	outageTimeout  = 2 * time.Second
	outageDuration = 12 * time.Second
	outageCounter  = "e2e.outage.requests"

	// outageBridgeTimeout is the export timeout of the native "bridge"
	// cases: longer than the outage plus gRPC's reconnection backoff after
	// it, so one export's retries last until the collector is back.
	outageBridgeTimeout = 45 * time.Second
)

// outageRetry is the native exporter's retry policy in the outage test. The
// default (5 s initial interval) never fits a second attempt into the 2 s
// export timeout, so without it nothing would be retried; 100 ms doubling to
// 500 ms makes several attempts per failed export and keeps a bridge
// export's wait after the restart under a second.
var outageRetry = otlp.RetryConfig{Enabled: true, InitialInterval: 100 * time.Millisecond, MaxInterval: 500 * time.Millisecond}

// attemptsReported is how the native exporter's error says how many times it
// tried ("giving up after 4 attempts ...", "... after 4 attempts: ...").
var attemptsReported = regexp.MustCompile(`after (\d+) attempts`)

// attempts is the number of attempts err reports, 0 if it names none.
func attempts(err error) int {
	if err == nil {
		return 0
	}
	m := attemptsReported.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// outageCase is one provider exporting through the outage.
type outageCase struct {
	name  string
	proto protocol
	pref  temporalityName
	// bridge: a native delta case whose export timeout (outageBridgeTimeout)
	// outlasts the outage, so its retries must deliver everything.
	bridge  bool
	acct    *accountingExporter
	mp      *sdkmetric.MeterProvider
	counter metric.Int64Counter
}

// newOutageCase builds one case's exporter (native ones with outageRetry)
// and provider, exporting to the collector every outageInterval.
func newOutageCase(t *testing.T, col *collector, proto protocol, pref temporalityName, bridge bool) *outageCase {
	t.Helper()
	c := &outageCase{name: fmt.Sprintf("outage-%s-%s", proto, pref), proto: proto, pref: pref, bridge: bridge}
	timeout := outageTimeout
	var native []otlp.Option
	if proto.native() {
		native = append(native, otlp.WithRetry(outageRetry))
	}
	if bridge {
		c.name += "-bridge"
		timeout = outageBridgeTimeout
		native = append(native, otlp.WithTimeout(outageBridgeTimeout))
	}
	c.acct = &accountingExporter{Exporter: newExporter(t, proto, col.addr(proto), pref, native...), counter: outageCounter}
	c.mp = newProvider(c.name, c.acct, outageInterval, timeout)
	var err error
	c.counter, err = newMeter(c.mp).Int64Counter(outageCounter, metric.WithUnit("{request}"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// recordingLoop adds 1 to every case's counter as fast as a paced loop
// allows, and measures how long each round of Adds took, to prove that
// recording never waits for the exporter.
type recordingLoop struct {
	rounds  atomic.Int64 // completed rounds: every counter got exactly this many increments
	slowest atomic.Int64 // longest round, in nanoseconds
	stop    chan struct{}
	done    chan struct{}
}

func startRecording(cases []*outageCase) *recordingLoop {
	l := &recordingLoop{stop: make(chan struct{}), done: make(chan struct{})}
	set := metric.WithAttributeSet(attribute.NewSet(attribute.String("route", "/outage")))
	go func() {
		defer close(l.done)
		ctx := context.Background()
		for {
			select {
			case <-l.stop:
				return
			default:
			}
			start := time.Now()
			for _, c := range cases {
				c.counter.Add(ctx, 1, set)
			}
			if d := int64(time.Since(start)); d > l.slowest.Load() {
				l.slowest.Store(d)
			}
			l.rounds.Add(1)
			time.Sleep(time.Millisecond) // keep the shared CPU mostly idle
		}
	}()
	return l
}

func (l *recordingLoop) halt() int64 {
	close(l.stop)
	<-l.done
	return l.rounds.Load()
}

// TestCollectorOutage stops the collector while providers export every
// 250 ms and a loop keeps recording, restarts it on the same ports 12 s
// later, and checks, for the official gRPC and HTTP exporters and the native
// exporter's gRPC, HTTP/protobuf and HTTP/JSON, each cumulative and delta
// with a 2 s export timeout:
//   - recording never blocks and keeps progressing during the outage;
//   - every failed export is reported through otel.Handle;
//   - Shutdown with a deadline returns by it while the collector is down;
//   - cumulative: the value after the restart equals everything recorded;
//   - delta: the reader hands every increment to exactly one Export call;
//     what reached the collector is exactly what the successful calls carried,
//     and what the failed calls carried is dropped (see README.md);
//   - native: its failed exports were retried (their errors report more
//     than one attempt).
//
// Each native protocol also has a delta "bridge" case whose 45 s export
// timeout outlasts the outage: an export that began while no collector
// process existed must succeed after the restart — only a retry can have
// delivered it — and the collector must end up with every increment
// recorded, none lost and none counted twice.
func TestCollectorOutage(t *testing.T) {
	col := startCollector(t)
	var cases []*outageCase
	for _, proto := range allProtocols {
		for _, pref := range []temporalityName{cumulative, delta} {
			cases = append(cases, newOutageCase(t, col, proto, pref, false))
		}
		if proto.native() {
			cases = append(cases, newOutageCase(t, col, proto, delta, true))
		}
	}
	shutdownAll := func(timeout time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		for _, c := range cases {
			if err := c.mp.Shutdown(ctx); err != nil {
				t.Errorf("%s: Shutdown after the collector came back: %v", c.name, err)
			}
		}
	}
	loop := startRecording(cases)
	defer func() {
		select {
		case <-loop.stop:
		default:
			loop.halt()
			shutdownAll(5 * time.Second)
		}
	}()

	// Healthy phase: every case delivers something.
	eventually(t, 20*time.Second, "first deliveries", func() error {
		got, err := col.received()
		if err != nil {
			return err
		}
		for _, c := range cases {
			if deliveredTotal(got, c.name) == 0 {
				return fmt.Errorf("%s: nothing delivered yet", c.name)
			}
		}
		return nil
	})

	// Outage.
	mark := handled.mark()
	col.stop()
	stoppedAt := time.Now()
	t.Logf("collector stopped after %d rounds", loop.rounds.Load())

	// While it is down: Shutdown with a deadline returns by it, for every exporter.
	for _, proto := range allProtocols {
		mp := newProvider("outage-shutdown-"+string(proto), newExporter(t, proto, col.addr(proto), cumulative), time.Hour, 30*time.Second)
		counter, _ := newMeter(mp).Int64Counter(outageCounter)
		counter.Add(context.Background(), 1)
		const deadline = time.Second
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		start := time.Now()
		err := mp.Shutdown(ctx)
		took := time.Since(start)
		cancel()
		t.Logf("%s: Shutdown(deadline %v) while the collector is down returned after %v: %v", proto, deadline, took, err)
		if err == nil {
			t.Errorf("%s: Shutdown while the collector is down returned nil, want the export error", proto)
		}
		if took > deadline+time.Second {
			t.Errorf("%s: Shutdown with a %v deadline took %v", proto, deadline, took)
		}
	}

	// Recording keeps going: sample progress every second of the outage.
	var stalls []string
	prev := loop.rounds.Load()
	for time.Since(stoppedAt) < outageDuration {
		time.Sleep(time.Second)
		now := loop.rounds.Load()
		if now == prev {
			stalls = append(stalls, fmt.Sprintf("no progress at +%v", time.Since(stoppedAt).Round(time.Millisecond)))
		}
		prev = now
	}
	if len(stalls) > 0 {
		t.Errorf("recording stalled while the collector was down: %v", stalls)
	}
	roundsAtRestart := loop.rounds.Load()

	restartBegan := time.Now() // no collector process existed from stoppedAt until now
	col.start()
	restartedAt := time.Now()
	t.Logf("collector restarted after %v, %d rounds recorded", restartedAt.Sub(stoppedAt).Round(time.Millisecond), roundsAtRestart)

	// Every exporter recovers: a successful export after the restart.
	recovered := map[string]time.Duration{}
	eventually(t, 60*time.Second, "recovery after restart", func() error {
		for _, c := range cases {
			if _, ok := recovered[c.name]; ok {
				continue
			}
			for _, r := range c.acct.records() {
				if r.at.After(restartedAt) && r.err == nil {
					recovered[c.name] = r.at.Add(r.duration).Sub(restartedAt)
					break
				}
			}
			if _, ok := recovered[c.name]; !ok {
				return fmt.Errorf("%s: no successful export since the restart", c.name)
			}
		}
		return nil
	})
	t.Logf("first successful export after the restart: %v", recovered)

	total := loop.halt()
	if slowest := time.Duration(loop.slowest.Load()); slowest > time.Second {
		t.Errorf("a round of Counter.Add took %v: recording waited for the exporter", slowest)
	} else {
		t.Logf("recorded %d increments per provider; slowest round of Adds %v", total, slowest)
	}
	shutdownAll(10 * time.Second)

	// Every failed export was reported through otel.Handle.
	errs := handled.since(mark)
	failed := 0
	for _, c := range cases {
		for _, r := range c.acct.records() {
			if r.err != nil {
				failed++
			}
		}
	}
	if failed == 0 {
		t.Fatalf("no export failed while the collector was down: the outage did not happen")
	}
	if len(errs) < failed {
		t.Errorf("%d exports failed but otel.Handle got only %d errors", failed, len(errs))
	}
	t.Logf("%d failed exports, %d errors through otel.Handle, first: %v", failed, len(errs), errs[0])

	// The native exporters retried (before the final values, whose wait ends the test if it fails).
	for _, c := range cases {
		if p := checkRetried(c, restartBegan); p != "" {
			t.Error(p)
		}
	}

	eventually(t, 15*time.Second, "final values", func() error {
		got, err := col.received()
		if err != nil {
			return err
		}
		var problems []string
		for _, c := range cases {
			if p := checkOutageCase(got, c, total); p != "" {
				problems = append(problems, p)
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("%v", problems)
		}
		return nil
	})
	got, _ := col.received()
	for _, c := range cases {
		var dropped, failedCalls int64
		maxAttempts := 0
		for _, r := range c.acct.records() {
			if r.err != nil {
				dropped += r.carried
				failedCalls++
				maxAttempts = max(maxAttempts, attempts(r.err))
			}
		}
		if c.proto.native() {
			t.Logf("%s: at most %d attempts in one failed export; %d exports bridged the restart", c.name, maxAttempts, len(bridging(c.acct.records(), restartBegan)))
		}
		if c.pref == delta {
			t.Logf("%s: recorded %d, delivered %d, dropped %d in %d failed exports", c.name, total, deliveredTotal(got, c.name), dropped, failedCalls)
		} else {
			t.Logf("%s: recorded %d, last cumulative value %d, %d failed exports", c.name, total, deliveredTotal(got, c.name), failedCalls)
		}
	}
}

// checkOutageCase returns what is wrong with the case's delivered data, or "".
func checkOutageCase(got []resourceMetrics, c *outageCase, recorded int64) string {
	delivered := deliveredTotal(got, c.name)
	records := c.acct.records()
	var handedOver, succeeded int64
	for _, r := range records {
		handedOver += r.carried
		if r.err == nil {
			succeeded += r.carried
		}
	}
	if c.pref == cumulative {
		if delivered != recorded {
			return fmt.Sprintf("%s: last cumulative value %d, want everything recorded: %d", c.name, delivered, recorded)
		}
		if starts := startTimes(got, c.name); len(starts) != 1 {
			return fmt.Sprintf("%s: cumulative start time changed across the outage: %v", c.name, starts)
		}
		return ""
	}
	switch {
	case handedOver != recorded:
		return fmt.Sprintf("%s: the reader handed %d increments to the exporter, want every one recorded: %d", c.name, handedOver, recorded)
	case delivered != succeeded:
		return fmt.Sprintf("%s: collector got %d, successful exports carried %d", c.name, delivered, succeeded)
	case c.bridge && delivered != recorded:
		return fmt.Sprintf("%s: collector got %d of %d increments: the retries did not bridge the outage", c.name, delivered, recorded)
	}
	return ""
}

// checkRetried returns what shows that a native case's exporter did not
// retry, or "". Failed exports of the 2 s cases must report more than one
// attempt (the exporter's own account, in the error that reaches
// otel.Handle); a bridge case must have an export that bridged the restart.
func checkRetried(c *outageCase, restartBegan time.Time) string {
	if !c.proto.native() {
		return ""
	}
	records := c.acct.records()
	if c.bridge {
		if len(bridging(records, restartBegan)) == 0 {
			return fmt.Sprintf("%s: no export began before the restart and succeeded after it: nothing was retried across the outage", c.name)
		}
		return ""
	}
	for _, r := range records {
		if attempts(r.err) > 1 {
			return ""
		}
	}
	var errs []string // the first few say why
	for _, r := range records {
		if r.err != nil && len(errs) < 3 {
			errs = append(errs, r.err.Error())
		}
	}
	return fmt.Sprintf("%s: no failed export reports a retry (more than one attempt); the first errors: %q", c.name, errs)
}

// bridging returns the successful exports that began before the restart and
// ended after it. No collector process existed in the 12 s before
// restartBegan, so a first attempt made then failed; such an export can only
// have succeeded by retrying after the restart.
func bridging(records []exportRecord, restartBegan time.Time) []exportRecord {
	var out []exportRecord
	for _, r := range records {
		if r.err == nil && r.at.Before(restartBegan) && r.at.Add(r.duration).After(restartBegan) {
			out = append(out, r)
		}
	}
	return out
}

// deliveredTotal is the counter's value at the collector for caseName: the
// latest point for cumulative, the sum of all points for delta.
func deliveredTotal(got []resourceMetrics, caseName string) int64 {
	points, temporality := outagePoints(got, caseName)
	var sum, last int64
	var lastTime jsonUint
	for _, p := range points {
		v := int64(p.value())
		sum += v
		if p.TimeUnixNano >= lastTime {
			last, lastTime = v, p.TimeUnixNano
		}
	}
	if temporality == temporalityCumulative {
		return last
	}
	return sum
}

// startTimes is the set of start times of the counter's points.
func startTimes(got []resourceMetrics, caseName string) map[jsonUint]bool {
	out := map[jsonUint]bool{}
	points, _ := outagePoints(got, caseName)
	for _, p := range points {
		out[p.StartTimeUnixNano] = true
	}
	return out
}

// outagePoints returns the counter's points for caseName and their temporality.
func outagePoints(got []resourceMetrics, caseName string) (points []numberPoint, temporality int) {
	for _, rm := range got {
		if attrsMap(rm.Resource.Attributes)["test.case"] != strconv.Quote(caseName) {
			continue
		}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				if m.Name == outageCounter && m.Sum != nil {
					points = append(points, m.Sum.DataPoints...)
					temporality = m.Sum.AggregationTemporality
				}
			}
		}
	}
	return points, temporality
}
