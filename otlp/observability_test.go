package otlp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	collpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/otlp"
)

// The child process of TestObservabilityMatchesOfficial: the switch is read
// when an exporter is created and the global MeterProvider's delegation
// happens once per process, so every exporter runs in a process of its own,
// with a fresh global provider and component numbering from 0.
const (
	obsChildSpec = "FASTMETER_OTLPOBS_CHILD" // impl/protocol/scenario
	obsChildOut  = "FASTMETER_OTLPOBS_OUT"   // where the child writes its summary
)

// obsPoints is the number of data points each export carries.
const obsPoints = 3

// The concurrent scenario: obsGoroutines goroutines export obsExports
// times each, through one exporter.
const obsGoroutines, obsExports = 4, 25

// obsMetric is one collected self-metric, as compared.
type obsMetric struct {
	Scope, Version, Schema  string
	Name, Unit, Description string
	Kind                    string // aggregation, temporality, monotonicity
	Points                  []obsPoint
}

type obsPoint struct {
	Attrs  map[string]string
	Value  float64   // a sum's value, a histogram's count
	Bounds []float64 // a histogram's bucket boundaries
}

// TestObservabilityMatchesOfficial runs the official otlpmetrichttp and
// otlpmetricgrpc exporters and the native one (HTTP/protobuf, HTTP/JSON,
// gRPC), each in a child process with OTEL_GO_X_OBSERVABILITY=true against a
// real local receiver, for one export that succeeds, one the receiver
// answers 503/UNAVAILABLE until the retries give up, one it rejects with
// 400/INVALID_ARGUMENT, and one partial success; and compares every
// otel.sdk.exporter.* metric they emit: scope (name, version, schema URL),
// name, unit, description, kind, bucket boundaries, attribute sets and
// values. Two values must differ and are masked: server.port (each child
// has its own receiver) and error.type (the official exporters' is
// "*errors.joinError" for every failure, the native one names the failure;
// checked below). Durations are compared by count, not by value. Last,
// concurrent exports through one native exporter count exactly.
func TestObservabilityMatchesOfficial(t *testing.T) {
	if spec := os.Getenv(obsChildSpec); spec != "" {
		obsChild(t, spec)
		return
	}
	if testing.Short() {
		t.Skip("runs 22 child processes")
	}
	// The native exporter's error.type of each scenario, per protocol.
	nativeErrorType := map[string]map[string]string{
		"http": {"unavailable": "503", "invalid": "400", "partial": "partial_success"},
		"grpc": {"unavailable": "Unavailable", "invalid": "InvalidArgument", "partial": "partial_success"},
	}
	dir := t.TempDir()
	for _, protocol := range []string{"http", "grpc"} {
		for _, scenario := range []string{"success", "unavailable", "invalid", "partial"} {
			t.Run(protocol+"/"+scenario, func(t *testing.T) {
				official := runObsChild(t, dir, "official/"+protocol+"/"+scenario)
				natives := []string{"native/" + protocol + "/" + scenario}
				if protocol == "http" {
					natives = append(natives, "native/json/"+scenario)
				}
				checkCounts(t, "official", official, scenario)
				t.Logf("official: %s", dump(official))
				if scenario != "success" {
					for _, et := range errorTypes(official) {
						if et != "*errors.joinError" {
							t.Errorf("official error.type %q: the masking above assumes *errors.joinError", et)
						}
					}
				}
				for _, spec := range natives {
					native := runObsChild(t, dir, spec)
					checkCounts(t, spec, native, scenario)
					if want := nativeErrorType[protocol][scenario]; want != "" {
						for _, et := range errorTypes(native) {
							if et != want {
								t.Errorf("%s: error.type %q, want %q", spec, et, want)
							}
						}
					}
					if o, n := mask(official), mask(native); !reflect.DeepEqual(o, n) {
						t.Errorf("%s differs from the official exporter:\nofficial: %s\nnative:   %s", spec, dump(o), dump(n))
					}
				}
			})
		}
		// Concurrent exports (serialised by the exporter) count exactly;
		// under -race the child is a race-enabled binary too.
		t.Run(protocol+"/concurrent", func(t *testing.T) {
			checkCounts(t, "native/"+protocol, runObsChild(t, dir, "native/"+protocol+"/concurrent"), "concurrent")
		})
	}
}

// checkCounts checks the exact counts of a scenario's metrics, so that the
// comparison cannot pass on two empty or equally wrong summaries.
func checkCounts(t *testing.T, who string, ms []obsMetric, scenario string) {
	t.Helper()
	byName := map[string]obsMetric{}
	for _, m := range ms {
		byName[m.Name] = m
	}
	want := map[string]map[bool]float64{ // name → has error.type → value
		"otel.sdk.exporter.metric_data_point.inflight": {false: 0},
		"otel.sdk.exporter.operation.duration":         nil, // one observation, checked below
	}
	exports := 1.0
	switch scenario {
	case "concurrent":
		exports = obsGoroutines * obsExports
		want["otel.sdk.exporter.metric_data_point.exported"] = map[bool]float64{false: exports * obsPoints}
	case "success":
		want["otel.sdk.exporter.metric_data_point.exported"] = map[bool]float64{false: obsPoints}
	case "partial": // the receiver rejects one point
		want["otel.sdk.exporter.metric_data_point.exported"] = map[bool]float64{false: obsPoints - 1, true: 1}
	default:
		want["otel.sdk.exporter.metric_data_point.exported"] = map[bool]float64{false: 0, true: obsPoints}
	}
	if len(ms) != len(want) {
		t.Errorf("%s: %d metrics, want %d: %s", who, len(ms), len(want), dump(ms))
	}
	for name, points := range want {
		m, ok := byName[name]
		if !ok {
			t.Errorf("%s: %s missing", who, name)
			continue
		}
		if points == nil {
			if len(m.Points) != 1 || m.Points[0].Value != exports {
				t.Errorf("%s: %s = %s, want %v observations in one series", who, name, dump(m.Points), exports)
				continue
			}
			_, failed := m.Points[0].Attrs["error.type"]
			if failed != (scenario != "success" && scenario != "concurrent") {
				t.Errorf("%s: %s attributes %v for %s", who, name, m.Points[0].Attrs, scenario)
			}
			continue
		}
		got := map[bool]float64{}
		for _, p := range m.Points {
			_, failed := p.Attrs["error.type"]
			got[failed] = p.Value
		}
		if !reflect.DeepEqual(got, points) || len(m.Points) != len(points) {
			t.Errorf("%s: %s = %s, want %v (by error.type presence)", who, name, dump(m.Points), points)
		}
	}
}

func errorTypes(ms []obsMetric) []string {
	var out []string
	for _, m := range ms {
		for _, p := range m.Points {
			if v, ok := p.Attrs["error.type"]; ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// mask replaces the values that must differ (see the test's comment).
func mask(ms []obsMetric) []obsMetric {
	out := make([]obsMetric, len(ms))
	for i, m := range ms {
		m.Points = append([]obsPoint(nil), m.Points...)
		for j := range m.Points {
			attrs := map[string]string{}
			for k, v := range m.Points[j].Attrs {
				switch k {
				case "server.port":
					v = "<port>"
				case "error.type":
					v = "<error>"
				}
				attrs[k] = v
			}
			m.Points[j].Attrs = attrs
		}
		out[i] = m
	}
	return out
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func runObsChild(t *testing.T, dir, spec string) []obsMetric {
	t.Helper()
	out := filepath.Join(dir, strings.ReplaceAll(spec, "/", "-")+".json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestObservabilityMatchesOfficial$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), obsChildSpec+"="+spec, obsChildOut+"="+out, "OTEL_GO_X_OBSERVABILITY=true")
	log, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(log), "--- PASS: TestObservabilityMatchesOfficial") {
		t.Fatalf("child %s: %v\n%s", spec, err, log)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var ms []obsMetric
	if err := json.Unmarshal(b, &ms); err != nil {
		t.Fatal(err)
	}
	return ms
}

// obsChild exports once with the exporter spec names and writes the
// self-metrics the global provider collected.
func obsChild(t *testing.T, spec string) {
	parts := strings.Split(spec, "/")
	if len(parts) != 3 {
		t.Fatalf("bad spec %q", spec)
	}
	impl, protocol, scenario := parts[0], parts[1], parts[2]
	reader := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(reader))
	otel.SetMeterProvider(mp)
	ctx := context.Background()

	var addr string
	if protocol == "grpc" {
		addr = newGRPCReceiver(t, func(int) (*collpb.ExportMetricsServiceResponse, error) {
			switch scenario {
			case "unavailable":
				return nil, status.Error(codes.Unavailable, "restarting")
			case "invalid":
				return nil, status.Error(codes.InvalidArgument, "bad request")
			case "partial":
				return &collpb.ExportMetricsServiceResponse{PartialSuccess: &collpb.ExportMetricsPartialSuccess{RejectedDataPoints: 1, ErrorMessage: "one too many"}}, nil
			}
			return &collpb.ExportMetricsServiceResponse{}, nil
		}).addr
	} else {
		r := newHTTPReceiver(t, func(_ int, w http.ResponseWriter) {
			switch scenario {
			case "unavailable":
				http.Error(w, "restarting", http.StatusServiceUnavailable)
			case "invalid":
				http.Error(w, "bad request", http.StatusBadRequest)
			case "partial":
				if protocol == "json" {
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(`{"partialSuccess":{"rejectedDataPoints":"1","errorMessage":"one too many"}}`))
					return
				}
				b, _ := proto.Marshal(&collpb.ExportMetricsServiceResponse{PartialSuccess: &collpb.ExportMetricsPartialSuccess{RejectedDataPoints: 1, ErrorMessage: "one too many"}})
				w.Header().Set("Content-Type", "application/x-protobuf")
				_, _ = w.Write(b)
			default:
				w.Header().Set("Content-Type", "application/x-protobuf")
			}
		})
		addr = strings.TrimPrefix(r.URL, "http://")
	}

	exp := obsExporter(t, impl, protocol, addr)
	if scenario == "concurrent" {
		var wg sync.WaitGroup
		for range obsGoroutines {
			wg.Go(func() {
				for range obsExports {
					if err := exp.Export(ctx, obsData()); err != nil {
						t.Errorf("Export: %v", err)
					}
				}
			})
		}
		wg.Wait()
	} else if exportErr := exp.Export(ctx, obsData()); (exportErr != nil) != (scenario == "unavailable" || scenario == "invalid" || (scenario == "partial" && impl == "official")) {
		// The official exporters return a partial success as an error, the
		// native one reports it through otel.Handle.
		t.Errorf("%s: Export = %v", spec, exportErr)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	var ms []obsMetric
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if !strings.HasPrefix(m.Name, "otel.sdk.exporter.") {
				continue
			}
			ms = append(ms, summarize(sm.Scope, m))
		}
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Scope+" "+ms[i].Name < ms[j].Scope+" "+ms[j].Name })
	b, err := json.Marshal(ms)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(os.Getenv(obsChildOut), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

type exporter interface {
	Export(context.Context, *metricdata.ResourceMetrics) error
	Shutdown(context.Context) error
}

func obsExporter(t *testing.T, impl, proto, addr string) exporter {
	ctx := context.Background()
	// Retries give up fast: the unavailable scenario ends in ~200ms.
	const initial, maxInterval, budget = 10 * time.Millisecond, 20 * time.Millisecond, 200 * time.Millisecond
	var exp exporter
	var err error
	switch impl + "/" + proto {
	case "official/http":
		exp, err = otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpoint(addr), otlpmetrichttp.WithInsecure(),
			otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: true, InitialInterval: initial, MaxInterval: maxInterval, MaxElapsedTime: budget}))
	case "official/grpc":
		exp, err = otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(addr), otlpmetricgrpc.WithInsecure(),
			otlpmetricgrpc.WithRetry(otlpmetricgrpc.RetryConfig{Enabled: true, InitialInterval: initial, MaxInterval: maxInterval, MaxElapsedTime: budget}))
	default:
		protocol := map[string]otlp.Protocol{"http": otlp.HTTPProtobuf, "json": otlp.HTTPJSON, "grpc": otlp.GRPC}[proto]
		exp, err = otlp.New(ctx, otlp.WithProtocol(protocol), otlp.WithEndpoint(addr), otlp.WithInsecure(),
			otlp.WithRetry(otlp.RetryConfig{Enabled: true, InitialInterval: initial, MaxInterval: maxInterval, MaxElapsedTime: budget}))
	}
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// obsData holds obsPoints data points: a counter with two series and a
// gauge with one.
func obsData() *metricdata.ResourceMetrics {
	now := time.Now()
	return &metricdata.ResourceMetrics{
		Resource: resource.Empty(),
		ScopeMetrics: []metricdata.ScopeMetrics{{
			Scope: instrumentation.Scope{Name: "app"},
			Metrics: []metricdata.Metrics{
				{Name: "requests", Data: metricdata.Sum[int64]{
					Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
					DataPoints: []metricdata.DataPoint[int64]{
						{Attributes: attribute.NewSet(attribute.String("method", "GET")), StartTime: now, Time: now, Value: 1},
						{Attributes: attribute.NewSet(attribute.String("method", "PUT")), StartTime: now, Time: now, Value: 2},
					},
				}},
				{Name: "temperature", Data: metricdata.Gauge[float64]{
					DataPoints: []metricdata.DataPoint[float64]{{Time: now, Value: 21.5}},
				}},
			},
		}},
	}
}

func summarize(scope instrumentation.Scope, m metricdata.Metrics) obsMetric {
	out := obsMetric{Scope: scope.Name, Version: scope.Version, Schema: scope.SchemaURL,
		Name: m.Name, Unit: m.Unit, Description: m.Description}
	attrs := func(s attribute.Set) map[string]string {
		a := map[string]string{}
		for _, kv := range s.ToSlice() {
			a[string(kv.Key)] = kv.Value.Emit()
		}
		return a
	}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		out.Kind = fmt.Sprintf("Sum[int64] %v monotonic=%v", d.Temporality, d.IsMonotonic)
		for _, p := range d.DataPoints {
			out.Points = append(out.Points, obsPoint{Attrs: attrs(p.Attributes), Value: float64(p.Value)})
		}
	case metricdata.Histogram[float64]:
		out.Kind = fmt.Sprintf("Histogram[float64] %v", d.Temporality)
		for _, p := range d.DataPoints {
			out.Points = append(out.Points, obsPoint{Attrs: attrs(p.Attributes), Value: float64(p.Count), Bounds: p.Bounds})
		}
	default:
		out.Kind = fmt.Sprintf("%T", m.Data)
	}
	sort.Slice(out.Points, func(i, j int) bool { return dump(out.Points[i].Attrs) < dump(out.Points[j].Attrs) })
	return out
}
