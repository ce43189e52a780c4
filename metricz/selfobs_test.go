package metricz

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/selfobs"
)

// TestSelfObservabilityScopesAreMarked checks that the snapshot marks the
// scopes of the SDK's self-metrics, which the page shows in a section of
// their own, and only those.
func TestSelfObservabilityScopesAreMarked(t *testing.T) {
	t.Setenv("OTEL_GO_X_OBSERVABILITY", "true")
	h := New(WithInterval(time.Hour))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	otel.SetMeterProvider(mp)
	app, _ := mp.Meter("app").Int64Counter("requests")
	app.Add(context.Background(), 1)

	// A reader created now reports to the global provider, the page's.
	other := sdkmetric.NewManualReader()
	_ = sdkmetric.NewMeterProvider(sdkmetric.WithReader(other))
	if err := other.Collect(context.Background(), &metricdata.ResourceMetrics{}); err != nil {
		t.Fatal(err)
	}
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	snap := (&testEnv{t: t, h: h}).snapshot("")
	marked := map[string]bool{}
	for _, s := range snap.Scopes {
		marked[s.Name] = s.SelfObservability
	}
	if !marked[selfobs.ReaderScope] || !marked[selfobs.Scope] || marked["app"] {
		t.Errorf("self-observability marks by scope: %v", marked)
	}
	if got := snap.instrument(t, "otel.sdk.metric_reader.collection.duration"); len(got.Series) == 0 {
		t.Error("no collection.duration series on the page")
	}
}
