package conformance

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// selfObsRun is what one SDK's reader self-metric looks like once the
// per-process reader numbers are replaced by the readers' roles.
type selfObsRun struct {
	name, unit, description string
	scopeName, scopeVersion string
	schemaURL               string
	bounds                  []float64
	points                  []string // "role component.type error.type count", sorted
}

// selfObsReaders is one SDK's readers for the scenario: collect is a
// ManualReader's Collect, flush a PeriodicReader's ForceFlush, and
// unregistered a ManualReader's Collect that never joined a provider.
type selfObsReaders struct {
	collect, unregistered func(context.Context, *metricdata.ResourceMetrics) error
	flush                 func(context.Context) error
	shutdown              func()
}

// TestSelfObservabilityCollectionDuration runs one program on both SDKs with
// OTEL_GO_X_OBSERVABILITY=true: a ManualReader collected three times and once
// with a nil ResourceMetrics, a ManualReader that was never registered, and a
// PeriodicReader flushed twice. The otel.sdk.metric_reader.collection.duration
// each reports to the global MeterProvider (an official one, the same for
// both) must agree in name, unit, description, scope, bucket boundaries,
// attribute sets (otel.component.type, otel.component.name numbered per type,
// error.type) and point counts; durations are not compared.
func TestSelfObservabilityCollectionDuration(t *testing.T) {
	sdks := map[string]func() selfObsReaders{
		"official": func() selfObsReaders {
			m, u := sdkmetric.NewManualReader(), sdkmetric.NewManualReader()
			p := sdkmetric.NewPeriodicReader(&recordingExporter{}, sdkmetric.WithInterval(time.Hour))
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(m), sdkmetric.WithReader(p))
			return selfObsReaders{m.Collect, u.Collect, p.ForceFlush, func() { _ = mp.Shutdown(context.Background()) }}
		},
		"fastmeter": func() selfObsReaders {
			m, u := fastmeter.NewManualReader(), fastmeter.NewManualReader()
			p := fastmeter.NewPeriodicReader(&recordingExporter{}, fastmeter.WithInterval(time.Hour))
			mp := fastmeter.NewMeterProvider(fastmeter.WithReader(m), fastmeter.WithReader(p))
			return selfObsReaders{m.Collect, u.Collect, p.ForceFlush, func() { _ = mp.Shutdown(context.Background()) }}
		},
	}
	runs := map[string]selfObsRun{}
	for _, name := range []string{"official", "fastmeter"} {
		t.Run(name, func(t *testing.T) {
			// The observer is created before the switch is on, so its
			// own collections are not observed.
			observer := sdkmetric.NewManualReader()
			omp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(observer))
			defer func() { _ = omp.Shutdown(context.Background()) }()
			otel.SetMeterProvider(omp)
			t.Setenv("OTEL_GO_X_OBSERVABILITY", "true")

			r := sdks[name]()
			defer r.shutdown()
			ctx := context.Background()
			for range 3 {
				if err := r.collect(ctx, &metricdata.ResourceMetrics{}); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.collect(ctx, nil); err == nil {
				t.Fatal("Collect(nil) succeeded")
			}
			if err := r.unregistered(ctx, &metricdata.ResourceMetrics{}); err == nil {
				t.Fatal("an unregistered reader collected")
			}
			for range 2 {
				if err := r.flush(ctx); err != nil {
					t.Fatal(err)
				}
			}
			var rm metricdata.ResourceMetrics
			if err := observer.Collect(ctx, &rm); err != nil {
				t.Fatal(err)
			}
			runs[name] = summarizeSelfObs(t, &rm)
		})
	}
	off, fm := runs["official"], runs["fastmeter"]
	if fmt.Sprint(off) != fmt.Sprint(fm) {
		t.Errorf("collection.duration differs:\nofficial  %+v\nfastmeter %+v", off, fm)
	}
	t.Logf("official: %+v", off)
	if len(off.points) != 4 { // manual ok, manual nil-rm error, unregistered error, periodic ok
		t.Errorf("official points: %q", off.points)
	}
}

var componentNumber = regexp.MustCompile(`^(.*)/(\d+)$`)

// summarizeSelfObs extracts collection.duration from rm, replacing each
// otel.component.name "<type>/<n>" by its type and rank among the numbers
// of that type seen (the numbers themselves depend on how many readers the
// process made before), after checking the name's form.
func summarizeSelfObs(t *testing.T, rm *metricdata.ResourceMetrics) selfObsRun {
	t.Helper()
	var run selfObsRun
	found := 0
	numbers := map[string][]string{} // type → numbers seen
	type point struct {
		attrs attribute.Set
		count uint64
	}
	var points []point
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "otel.sdk.metric_reader.collection.duration" {
				continue
			}
			found++
			run.name, run.unit, run.description = m.Name, m.Unit, m.Description
			run.scopeName, run.scopeVersion, run.schemaURL = sm.Scope.Name, sm.Scope.Version, sm.Scope.SchemaURL
			h, ok := m.Data.(metricdata.Histogram[float64])
			if !ok {
				t.Fatalf("collection.duration is a %T", m.Data)
			}
			for _, dp := range h.DataPoints {
				run.bounds = dp.Bounds
				points = append(points, point{dp.Attributes, dp.Count})
				name, _ := dp.Attributes.Value("otel.component.name")
				typ, _ := dp.Attributes.Value("otel.component.type")
				sub := componentNumber.FindStringSubmatch(name.AsString())
				if sub == nil || sub[1] != typ.AsString() {
					t.Errorf("otel.component.name %q is not %q/<n>", name.AsString(), typ.AsString())
					continue
				}
				if !slices.Contains(numbers[sub[1]], sub[2]) {
					numbers[sub[1]] = append(numbers[sub[1]], sub[2])
				}
			}
		}
	}
	if found != 1 {
		t.Fatalf("collection.duration found %d times in %+v", found, rm.ScopeMetrics)
	}
	for _, nums := range numbers {
		sort.Slice(nums, func(i, j int) bool {
			return len(nums[i]) < len(nums[j]) || len(nums[i]) == len(nums[j]) && nums[i] < nums[j]
		})
	}
	for _, p := range points {
		var parts []string
		for _, kv := range p.attrs.ToSlice() {
			v := kv.Value.Emit()
			if kv.Key == "otel.component.name" {
				sub := componentNumber.FindStringSubmatch(v)
				if sub != nil {
					v = fmt.Sprintf("%s/#%d", sub[1], slices.Index(numbers[sub[1]], sub[2]))
				}
			}
			parts = append(parts, string(kv.Key)+"="+v)
		}
		run.points = append(run.points, fmt.Sprintf("%s count=%d", strings.Join(parts, ","), p.count))
	}
	sort.Strings(run.points)
	return run
}
