package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestCollectorRoundTrip exports the 14-instrument workload to a real
// collector through the official OTLP/gRPC and OTLP/HTTP exporters and
// through fastmeter's native exporter (package otlp) over gRPC, HTTP/protobuf
// and HTTP/JSON, cumulative and delta, in two phases
// (two exports plus the periodic ones in between), and checks the collector's
// file output against the ledger: names, units, descriptions, attributes,
// temporality, values, histogram buckets, exemplars, resource and scope.
func TestCollectorRoundTrip(t *testing.T) {
	col := startCollector(t)
	for _, proto := range allProtocols {
		for _, pref := range []temporalityName{cumulative, delta} {
			caseName := fmt.Sprintf("roundtrip-%s-%s", proto, pref)
			t.Run(fmt.Sprintf("%s/%s", proto, pref), func(t *testing.T) {
				mark := handled.mark()
				mp := newProvider(caseName, newExporter(t, proto, col.addr(proto), pref), 300*time.Millisecond, 10*time.Second)
				w := newWorkload(t, newMeter(mp))

				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				w.recordPhase(1)
				if err := mp.ForceFlush(ctx); err != nil {
					t.Fatalf("ForceFlush after phase 1: %v", err)
				}
				time.Sleep(400 * time.Millisecond) // let at least one periodic export happen between phases
				w.setPhase(2)
				w.recordPhase(2)
				if err := mp.Shutdown(ctx); err != nil {
					t.Fatalf("Shutdown: %v", err)
				}

				eventually(t, 15*time.Second, "collector output", func() error {
					got, err := col.received()
					if err != nil {
						return err
					}
					return verifyCase(got, caseName, w, pref.otlpTemporality())
				})
				if errs := handled.since(mark); len(errs) > 0 {
					t.Errorf("errors reported through otel.Handle during a healthy export: %v", errs)
				}
			})
		}
	}
}
