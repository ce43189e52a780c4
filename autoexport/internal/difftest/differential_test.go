package difftest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	contribautoexport "go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel/attribute"
	otelmetric "go.opentelemetry.io/otel/metric"
	officialsdk "go.opentelemetry.io/otel/sdk/metric"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/autoexport"
	"github.com/fastmeter/fastmeter/internal/testenv"
)

// This file runs the same program, configured by the same environment, on
// the contrib autoexport package with the official SDK and on this package
// with fastmeter, and requires the same data out of both: through OTLP
// (HTTP and gRPC, with the Prometheus bridge producer), the console and
// the Prometheus endpoint. Only timestamps, which differ by nature, and
// the Go runtime's own metrics bridged from the Prometheus client (which
// change between two runs) are left out of the comparison.

// sdkUnderTest builds a provider around the reader the environment asks
// for: the only lines in which the two programs differ are the imports.
type sdkUnderTest struct {
	name string
	run  func(ctx context.Context, program func(otelmetric.MeterProvider)) error
}

var sdks = []sdkUnderTest{
	{"contrib+official", func(ctx context.Context, program func(otelmetric.MeterProvider)) error {
		r, err := contribautoexport.NewMetricReader(ctx)
		if err != nil {
			return err
		}
		mp := officialsdk.NewMeterProvider(officialsdk.WithReader(r))
		program(mp)
		return mp.Shutdown(ctx)
	}},
	{"fastmeter", func(ctx context.Context, program func(otelmetric.MeterProvider)) error {
		r, err := autoexport.NewMetricReader(ctx)
		if err != nil {
			return err
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
		program(mp)
		return mp.Shutdown(ctx)
	}},
}

// workload records into one instrument of each common kind, on several
// attribute sets.
func workload(mp otelmetric.MeterProvider) {
	ctx := context.Background()
	meter := mp.Meter("autoexport-diff", otelmetric.WithInstrumentationVersion("1.2.3"))
	requests, _ := meter.Int64Counter("diff.requests", otelmetric.WithUnit("{request}"), otelmetric.WithDescription("requests served"))
	latency, _ := meter.Float64Histogram("diff.latency", otelmetric.WithUnit("ms"))
	inflight, _ := meter.Int64UpDownCounter("diff.inflight")
	temperature, _ := meter.Float64Gauge("diff.temperature", otelmetric.WithUnit("Cel"))
	_, _ = meter.Int64ObservableGauge("diff.queue", otelmetric.WithInt64Callback(func(_ context.Context, o otelmetric.Int64Observer) error {
		o.Observe(12, otelmetric.WithAttributes(attribute.String("queue", "mail")))
		return nil
	}))
	for i, route := range []string{"/a", "/b", "/c"} {
		attrs := otelmetric.WithAttributes(attribute.String("route", route), attribute.Bool("ok", i != 1))
		requests.Add(ctx, int64(3+i), attrs)
		latency.Record(ctx, 1.5*float64(i+1), attrs)
		latency.Record(ctx, 250, attrs)
		inflight.Add(ctx, int64(i)-1, attrs)
	}
	temperature.Record(ctx, 21.5)
}

// bridged is a Prometheus client counter in the default registry, for the
// bridge producer.
var bridged = func() prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "diff_bridged_total", Help: "bridged"})
	prometheus.MustRegister(c)
	c.Add(9)
	return c
}()

// setEnv clears the machine's OTEL_* variables for the test and sets env.
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	testenv.CleanEnv(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// requestLog keeps the OTLP requests of one run as JSON.
type requestLog struct {
	mu   sync.Mutex
	json [][]byte
}

func (l *requestLog) add(req *colmetricpb.ExportMetricsServiceRequest) {
	b, _ := protojson.Marshal(req)
	l.mu.Lock()
	l.json = append(l.json, b)
	l.mu.Unlock()
}

func (l *requestLog) all() [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.json)
}

func (l *requestLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	req := &colmetricpb.ExportMetricsServiceRequest{}
	if err := proto.Unmarshal(raw, req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	l.add(req)
	resp, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

type grpcLog struct {
	colmetricpb.UnimplementedMetricsServiceServer
	*requestLog
}

func (g grpcLog) Export(_ context.Context, req *colmetricpb.ExportMetricsServiceRequest) (*colmetricpb.ExportMetricsServiceResponse, error) {
	g.add(req)
	return &colmetricpb.ExportMetricsServiceResponse{}, nil
}

// startReceiver serves an OTLP receiver for protocol and returns its
// endpoint URL.
func startReceiver(t *testing.T, protocol string, log *requestLog) string {
	t.Helper()
	if protocol == "grpc" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := grpc.NewServer()
		colmetricpb.RegisterMetricsServiceServer(srv, grpcLog{requestLog: log})
		go func() { _ = srv.Serve(l) }()
		t.Cleanup(srv.Stop)
		return "http://" + l.Addr().String()
	}
	srv := httptest.NewServer(log)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestDifferentialOTLP(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"http-cumulative-bridge", map[string]string{
			"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
			"OTEL_METRICS_PRODUCERS":      "prometheus",
			"OTEL_SERVICE_NAME":           "diff",
			"OTEL_RESOURCE_ATTRIBUTES":    "deployment.environment.name=test",
		}},
		{"grpc-delta-exponential", map[string]string{
			"OTEL_METRICS_EXPORTER":                                    "otlp",
			"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL":                      "grpc",
			"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE":        "delta",
			"OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION": "base2_exponential_bucket_histogram",
			"OTEL_EXPORTER_OTLP_COMPRESSION":                           "gzip",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var outputs []string
			for _, sdk := range sdks {
				env := map[string]string{"OTEL_METRIC_EXPORT_INTERVAL": "3600000"} // only Shutdown exports
				for k, v := range tc.env {
					env[k] = v
				}
				log := &requestLog{}
				protocol := env["OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"] + env["OTEL_EXPORTER_OTLP_PROTOCOL"]
				// Both SDKs' exporters get the same explicit plaintext
				// endpoint (their defaults differ: see the package doc).
				env["OTEL_EXPORTER_OTLP_ENDPOINT"] = startReceiver(t, protocol, log)
				setEnv(t, env)
				if err := sdk.run(context.Background(), workload); err != nil {
					t.Fatalf("%s: %v", sdk.name, err)
				}
				reqs := log.all()
				if len(reqs) != 1 {
					t.Fatalf("%s: %d requests, want the one Shutdown sends", sdk.name, len(reqs))
				}
				outputs = append(outputs, canonicalJSON(t, reqs[0]))
			}
			requireSame(t, outputs)
			for _, want := range []string{"diff.requests", "diff.queue", "diff.temperature"} {
				if !strings.Contains(outputs[0], want) {
					t.Errorf("the output lacks %s:\n%s", want, outputs[0])
				}
			}
			if _, bridge := tc.env["OTEL_METRICS_PRODUCERS"]; bridge && !strings.Contains(outputs[0], "diff_bridged_total") {
				t.Errorf("the bridge's counter is missing:\n%s", outputs[0])
			}
		})
	}
}

// The console exporter writes the same documents (the official stdout
// exporter in both cases).
func TestDifferentialConsole(t *testing.T) {
	var outputs []string
	for _, sdk := range sdks {
		setEnv(t, map[string]string{"OTEL_METRICS_EXPORTER": "console", "OTEL_METRIC_EXPORT_INTERVAL": "3600000"})
		out := captureStdout(t, func() {
			if err := sdk.run(context.Background(), workload); err != nil {
				t.Errorf("%s: %v", sdk.name, err)
			}
		})
		outputs = append(outputs, canonicalJSON(t, out))
	}
	requireSame(t, outputs)
	if !strings.Contains(outputs[0], `"diff.requests"`) || !strings.Contains(outputs[0], `"Value": 21.5`) {
		t.Errorf("unexpected console output:\n%s", outputs[0])
	}
}

// The Prometheus endpoint serves the same series.
func TestDifferentialPrometheus(t *testing.T) {
	var outputs []string
	for _, sdk := range sdks {
		port := freePort(t)
		setEnv(t, map[string]string{
			"OTEL_METRICS_EXPORTER":         "prometheus",
			"OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1",
			"OTEL_EXPORTER_PROMETHEUS_PORT": port,
			"OTEL_METRICS_PRODUCERS":        "prometheus", // left out by both
		})
		var body string
		err := sdk.run(context.Background(), func(mp otelmetric.MeterProvider) {
			workload(mp)
			body = testenv.Scrape(t, "127.0.0.1:"+port)
		})
		if err != nil {
			t.Fatalf("%s: %v", sdk.name, err)
		}
		outputs = append(outputs, canonicalText(body))
	}
	requireSame(t, outputs)
	if !strings.Contains(outputs[0], `diff_requests_total{ok="true",otel_scope_name="autoexport-diff",otel_scope_version="1.2.3",route="/a"} 3`) {
		t.Errorf("unexpected scrape:\n%s", outputs[0])
	}
}

// The same configurations are rejected, and none is recognised by both.
func TestDifferentialNoneAndErrors(t *testing.T) {
	setEnv(t, map[string]string{"OTEL_METRICS_EXPORTER": "none"})
	off, err1 := contribautoexport.NewMetricReader(context.Background())
	fm, err2 := autoexport.NewMetricReader(context.Background())
	if err1 != nil || err2 != nil || !contribautoexport.IsNoneMetricReader(off) || !autoexport.IsNoneMetricReader(fm) {
		t.Errorf("none: contrib %T %v, fastmeter %T %v", off, err1, fm, err2)
	}
	for _, env := range []map[string]string{
		{"OTEL_METRICS_EXPORTER": "kafka"},
		{"OTEL_METRICS_EXPORTER": "otlp,console"},
		{"OTEL_EXPORTER_OTLP_PROTOCOL": "thrift"},
		{"OTEL_METRICS_PRODUCERS": "kafka"},
		{"OTEL_METRICS_EXPORTER": "console", "OTEL_METRICS_PRODUCERS": "prometheus,kafka"},
	} {
		setEnv(t, env)
		_, err1 := contribautoexport.NewMetricReader(context.Background())
		_, err2 := autoexport.NewMetricReader(context.Background())
		if err1 == nil || err2 == nil {
			t.Errorf("%v: contrib err %v, fastmeter err %v; want both to fail", env, err1, err2)
		}
	}
}

// canonicalJSON rewrites an OTLP/JSON request or a stream of stdout
// exporter documents so that equal data gives equal text: timestamps
// removed, metrics, scopes and data points in a fixed order, and the
// bridged Go runtime metrics (whose values change between runs) dropped.
func canonicalJSON(t *testing.T, raw []byte) string {
	t.Helper()
	var docs []any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	for {
		var doc any
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		docs = append(docs, canonical(doc))
	}
	out, _ := json.MarshalIndent(docs, "", " ")
	return string(out)
}

func canonical(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			switch strings.ToLower(k) {
			case "time", "starttime", "timeunixnano", "starttimeunixnano":
				delete(v, k)
				continue
			}
			v[k] = canonical(child)
		}
		return v
	case []any:
		var kept []any
		for _, child := range v {
			if m, ok := child.(map[string]any); ok {
				name := fmt.Sprint(m["name"], m["Name"])
				if strings.Contains(name, "go_") || strings.Contains(name, "process_") {
					continue
				}
			}
			kept = append(kept, canonical(child))
		}
		if len(kept) > 0 {
			if _, isObject := kept[0].(map[string]any); isObject {
				slices.SortFunc(kept, func(a, b any) int {
					ja, _ := json.Marshal(a)
					jb, _ := json.Marshal(b)
					return strings.Compare(string(ja), string(jb))
				})
			}
		}
		return kept
	}
	return v
}

// emptyLabel matches a label with an empty value, which Prometheus treats
// as no label: contrib's exporter serves otel_scope_schema_url="" where
// fastmeter's leaves it out.
var emptyLabel = regexp.MustCompile(`([{,])[a-zA-Z_][a-zA-Z0-9_]*=""`)

// canonicalText rewrites a Prometheus text exposition so that equal data
// gives equal text: empty labels removed, lines sorted (the order of the
// series in a family carries no meaning), and contrib's
// promhttp_metric_handler_errors_total, which only its server adds, left
// out.
func canonicalText(body string) string {
	var lines []string
	for line := range strings.SplitSeq(body, "\n") {
		if strings.Contains(line, "promhttp_metric_handler_errors") || line == "" {
			continue
		}
		if !strings.HasPrefix(line, "#") {
			line = emptyLabel.ReplaceAllString(line, "$1")
			line = strings.ReplaceAll(line, ",,", ",")
			line = strings.Replace(line, "{,", "{", 1)
			line = strings.Replace(line, ",}", "}", 1)
			line = strings.Replace(line, "{}", "", 1)
		}
		lines = append(lines, line)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func requireSame(t *testing.T, outputs []string) {
	t.Helper()
	if outputs[0] != outputs[1] {
		t.Fatalf("the outputs differ\n--- %s:\n%s\n--- %s:\n%s", sdks[0].name, outputs[0], sdks[1].name, outputs[1])
	}
}

// captureStdout runs f with os.Stdout going to a pipe and returns what was
// written.
func captureStdout(t *testing.T, f func()) []byte {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	saved := os.Stdout
	os.Stdout = w
	f()
	os.Stdout = saved
	w.Close()
	return <-done
}

// freePort returns a port nothing listens on at the moment, as the value
// of OTEL_EXPORTER_PROMETHEUS_PORT.
func freePort(t *testing.T) string { return strconv.Itoa(testenv.FreePort(t)) }
