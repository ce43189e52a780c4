package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// TestHangingCallbackDoesNotStopExports (issue 12 item 5): one observable
// gauge's callback blocks forever, ignoring its context, like a stuck
// network call. The PeriodicReader (200 ms interval, 1 s timeout) abandons
// it at its callback deadline and skips it while it runs, so the real
// collector keeps receiving the other streams every interval: each of five
// increments of a counter arrives in a later export, with the healthy
// gauge next to it, and the stuck gauge never does. The abandonment is
// reported through otel.Handle, naming the instrument. Before the fix the
// reader's first collection never returned and nothing was exported again.
func TestHangingCallbackDoesNotStopExports(t *testing.T) {
	col := startCollector(t)
	for _, proto := range officialProtocols {
		caseName := fmt.Sprintf("hanging-callback-%s", proto)
		t.Run(string(proto), func(t *testing.T) {
			addr := col.addr(proto)
			mark := handled.mark()
			mp := newProvider(caseName, newExporter(t, proto, addr, cumulative), 200*time.Millisecond, time.Second)
			release := make(chan struct{})
			t.Cleanup(func() {
				close(release)
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = mp.Shutdown(ctx)
			})
			m := newMeter(mp)
			requests, err := m.Int64Counter("e2e.hang.requests")
			if err != nil {
				t.Fatal(err)
			}
			stuckStarted := make(chan struct{})
			_, err = m.Int64ObservableGauge("e2e.hang.stuck", metric.WithInt64Callback(func(context.Context, metric.Int64Observer) error {
				select {
				case <-stuckStarted:
				default:
					close(stuckStarted)
				}
				<-release
				return nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Int64ObservableGauge("e2e.hang.healthy", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
				o.Observe(5)
				return nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			<-stuckStarted // the reader's first collection is now stuck in it

			for want := int64(1); want <= 5; want++ {
				requests.Add(context.Background(), 1)
				eventually(t, 20*time.Second, fmt.Sprintf("requests=%d at the collector", want), func() error {
					all, err := col.received()
					if err != nil {
						return err
					}
					latest := latestExport(all, caseName)
					if latest == nil {
						return fmt.Errorf("no export from %s yet", caseName)
					}
					if got, ok := latest["e2e.hang.requests"]; !ok || got != float64(want) {
						return fmt.Errorf("latest export: requests=%v (present %v), want %d", got, ok, want)
					}
					if got := latest["e2e.hang.healthy"]; got != 5 {
						return fmt.Errorf("latest export: healthy gauge = %v, want 5", got)
					}
					return nil
				})
			}
			all, err := col.received()
			if err != nil {
				t.Fatal(err)
			}
			for _, rm := range caseResources(all, caseName) {
				for _, sm := range rm.ScopeMetrics {
					for _, mj := range sm.Metrics {
						if mj.Name == "e2e.hang.stuck" {
							t.Fatalf("the stuck callback's gauge was exported: %+v", mj)
						}
					}
				}
			}
			reported := false
			for _, e := range handled.since(mark) {
				reported = reported || (strings.Contains(e.Error(), `"e2e.hang.stuck"`) && strings.Contains(e.Error(), "abandoned"))
			}
			if !reported {
				t.Errorf("no otel.Handle report naming the abandoned callback's instrument: %v", handled.since(mark))
			}
		})
	}
}

// latestExport returns, for caseName's most recent export that the
// collector wrote, each metric's value (the sum of its points).
func latestExport(all []resourceMetrics, caseName string) map[string]float64 {
	rms := caseResources(all, caseName)
	if len(rms) == 0 {
		return nil
	}
	out := map[string]float64{}
	for _, sm := range rms[len(rms)-1].ScopeMetrics {
		for _, mj := range sm.Metrics {
			var v float64
			switch {
			case mj.Sum != nil:
				for _, p := range mj.Sum.DataPoints {
					v += p.value()
				}
			case mj.Gauge != nil:
				for _, p := range mj.Gauge.DataPoints {
					v += p.value()
				}
			}
			out[mj.Name] = v
		}
	}
	return out
}
