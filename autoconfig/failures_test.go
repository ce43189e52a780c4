package autoconfig

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// OTEL_METRIC_EXPORT_TIMEOUT bounds a whole collection and export: a
// collector that never answers holds neither a periodic export nor a
// ForceFlush without deadline longer. Every other timeout is ten minutes,
// so only the variable under test can end the export within the guards.
func TestExportTimeoutBoundsAHangingCollector(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	rcv.block = true
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "600000")
	t.Setenv(envExportTimeout, "200")
	t.Setenv(envExportInterval, "100")
	log := captureErrors(t)
	mp := newProvider(t)
	c, _ := mp.Meter("t").Int64Counter("c")
	c.Add(context.Background(), 1)

	// The periodic export: its request is abandoned and reported.
	select {
	case <-rcv.abandoned:
	case <-time.After(15 * time.Second):
		t.Fatal("the periodic export to a hanging collector was not abandoned")
	}
	log.waitFor(t, "deadline exceeded")

	// ForceFlush without a deadline of its own gets the export timeout.
	if err := flushWithoutDeadline(t, mp); err == nil {
		t.Error("ForceFlush succeeded against a collector that never answers")
	}
	_ = shutdownBy(t, mp, 300*time.Millisecond)
}

// OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT bounds each HTTP attempt (the
// official otlpmetrichttp exporter then retries with backoff within the
// export timeout): the hanging request is abandoned by the client.
func TestOTLPTimeoutAbandonsAHangingHTTPRequest(t *testing.T) {
	for _, variable := range []string{"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT"} {
		t.Run(variable, func(t *testing.T) {
			cleanEnv(t)
			rcv := newReceiver()
			rcv.block = true
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
			t.Setenv(envExportTimeout, "600000")
			t.Setenv(variable, "200")
			mp := newProvider(t)
			c, _ := mp.Meter("t").Int64Counter("c")
			c.Add(context.Background(), 1)

			ctx, cancel := context.WithCancel(context.Background())
			flushed := make(chan error, 1)
			go func() { flushed <- mp.ForceFlush(ctx) }()
			select {
			case <-rcv.abandoned:
			case <-time.After(15 * time.Second):
				t.Errorf("the hanging request was not abandoned: %s was not applied", variable)
			}
			cancel()
			<-flushed
			_ = shutdownBy(t, mp, 300*time.Millisecond)
		})
	}
}

// For gRPC the official exporter applies OTEL_EXPORTER_OTLP_TIMEOUT to the
// whole export, retries included.
func TestOTLPTimeoutBoundsAGRPCExport(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	rcv.block = true
	t.Setenv(envOTLPProtocol, "grpc")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+startGRPCReceiver(t, rcv, nil))
	t.Setenv(envExportTimeout, "600000")
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "200")
	mp := newProvider(t)
	c, _ := mp.Meter("t").Int64Counter("c")
	c.Add(context.Background(), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := mp.ForceFlush(ctx); err == nil || ctx.Err() != nil {
		t.Fatalf("ForceFlush = %v (guard expired: %v); want the export timeout's error", err, ctx.Err() != nil)
	}
}

// A collector refusing the data (400) or unavailable (503) is an error the
// application sees, through ForceFlush and through otel.Handle for the
// periodic exports; neither hangs.
func TestCollectorErrorStatuses(t *testing.T) {
	// 404 is what a wrong endpoint (a server that does not speak OTLP) gives.
	for _, status := range []int{http.StatusBadRequest, http.StatusNotFound, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			cleanEnv(t)
			log := captureErrors(t)
			rcv := newReceiver()
			rcv.status = status
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
			// 503 is retried until the export timeout: keep it short.
			t.Setenv(envExportTimeout, "500")
			t.Setenv(envExportInterval, "100")
			mp := newProvider(t)
			c, _ := mp.Meter("t").Int64Counter("c")
			c.Add(context.Background(), 1)
			// A permanent failure names the status. A retryable one is
			// retried until the export timeout, and the report says so
			// (the exporter's last error, "context deadline exceeded:
			// retry-able request failure: body: ...", wraps the deadline).
			want := strconv.Itoa(status) + " " + http.StatusText(status)
			if status == http.StatusServiceUnavailable {
				want = "deadline exceeded"
			}
			log.waitFor(t, want)

			if err := flushWithoutDeadline(t, mp); err == nil {
				t.Error("ForceFlush succeeded against a refusing collector")
			}
			_ = shutdownBy(t, mp, 300*time.Millisecond)
		})
	}
}

// An unreachable endpoint does not delay NewMeterProvider (nothing
// connects there); exports fail with an error through otel.Handle, and
// Shutdown returns by its deadline.
func TestUnreachableEndpoint(t *testing.T) {
	for _, protocol := range []string{"http/protobuf", "grpc"} {
		t.Run(protocol, func(t *testing.T) {
			cleanEnv(t)
			log := captureErrors(t)
			t.Setenv(envOTLPProtocol, protocol)
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1") // nothing listens on port 1
			t.Setenv(envExportInterval, "100")
			t.Setenv(envExportTimeout, "300")
			mp, err := NewMeterProvider(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			c, _ := mp.Meter("t").Int64Counter("c")
			c.Add(context.Background(), 1)
			// HTTP fails at once (connection refused is not retried);
			// gRPC retries UNAVAILABLE until the export timeout. Either
			// way the report names the address that refused.
			log.waitFor(t, "127.0.0.1:1")
			if protocol == "grpc" {
				log.waitFor(t, "deadline exceeded")
			}

			_ = shutdownBy(t, mp, time.Second)
		})
	}
}
