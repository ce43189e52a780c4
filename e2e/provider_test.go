package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/otlp"
)

// protocol is the exporter a test exports through: the official OTLP
// exporters (otlpmetricgrpc, otlpmetrichttp), or fastmeter's native one
// (package otlp) with each of its three protocols.
type protocol string

const (
	protoGRPC protocol = "grpc" // official otlpmetricgrpc
	protoHTTP protocol = "http" // official otlpmetrichttp

	protoNativeGRPC     protocol = "native-grpc"          // otlp.GRPC
	protoNativeProtobuf protocol = "native-http-protobuf" // otlp.HTTPProtobuf
	protoNativeJSON     protocol = "native-http-json"     // otlp.HTTPJSON
)

// officialProtocols are the official exporters, nativeProtocols the native
// one's three protocols, allProtocols both.
var (
	officialProtocols = []protocol{protoGRPC, protoHTTP}
	nativeProtocols   = []protocol{protoNativeGRPC, protoNativeProtobuf, protoNativeJSON}
	allProtocols      = append(append([]protocol(nil), officialProtocols...), nativeProtocols...)
)

// native reports whether proto is fastmeter's own exporter.
func (proto protocol) native() bool { return slices.Contains(nativeProtocols, proto) }

// grpc reports whether proto speaks OTLP/gRPC (else OTLP/HTTP).
func (proto protocol) grpc() bool { return proto == protoGRPC || proto == protoNativeGRPC }

// temporalityName names a temporality preference of the tests.
type temporalityName string

const (
	cumulative temporalityName = "cumulative"
	delta      temporalityName = "delta"
)

// selector returns the temporality selector of pref. "delta" makes every
// instrument kind delta (up-down counters included) to exercise the most
// paths; gauges have no temporality in OTLP either way.
func (pref temporalityName) selector() sdkmetric.TemporalitySelector {
	if pref == delta {
		return func(sdkmetric.InstrumentKind) metricdata.Temporality { return metricdata.DeltaTemporality }
	}
	return sdkmetric.DefaultTemporalitySelector
}

// otlpTemporality is the OTLP enum value sums and histograms must carry.
func (pref temporalityName) otlpTemporality() int {
	if pref == delta {
		return temporalityDelta
	}
	return temporalityCumulative
}

// newExporter builds the exporter proto names, pointed at the collector's
// (or any) host:port, plaintext, with the exporter's default retry. native
// options are added to the native exporter's (and must be empty for the
// official ones).
func newExporter(t *testing.T, proto protocol, addr string, pref temporalityName, native ...otlp.Option) sdkmetric.Exporter {
	t.Helper()
	ctx := context.Background()
	if len(native) > 0 && !proto.native() {
		t.Fatalf("native exporter options given for the official %s exporter", proto)
	}
	var exp sdkmetric.Exporter
	var err error
	switch proto {
	case protoNativeGRPC, protoNativeProtobuf, protoNativeJSON:
		wire := map[protocol]otlp.Protocol{protoNativeGRPC: otlp.GRPC, protoNativeProtobuf: otlp.HTTPProtobuf, protoNativeJSON: otlp.HTTPJSON}[proto]
		opts := append([]otlp.Option{otlp.WithProtocol(wire), otlp.WithEndpoint(addr), otlp.WithInsecure(),
			otlp.WithTemporalitySelector(pref.selector())}, native...)
		exp, err = otlp.New(ctx, opts...)
	case protoGRPC:
		exp, err = otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(addr), otlpmetricgrpc.WithInsecure(),
			otlpmetricgrpc.WithTemporalitySelector(pref.selector()))
	default:
		exp, err = otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpoint(addr), otlpmetrichttp.WithInsecure(),
			otlpmetrichttp.WithTemporalitySelector(pref.selector()))
	}
	if err != nil {
		t.Fatalf("create %s exporter: %v", proto, err)
	}
	return exp
}

// newProvider builds a MeterProvider exporting through a PeriodicReader, with
// the AlwaysOn exemplar filter and the views the workload expects, identified
// by the resource attribute test.case=caseName.
func newProvider(caseName string, exp sdkmetric.Exporter, interval, timeout time.Duration) *sdkmetric.MeterProvider {
	res := resource.NewSchemaless(
		attribute.String("service.name", serviceName),
		attribute.String("test.case", caseName),
	)
	reader := sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(interval), sdkmetric.WithTimeout(timeout))
	return sdkmetric.NewMeterProvider(
		sdkmetric.WithResource(res),
		sdkmetric.WithReader(reader),
		sdkmetric.WithExemplarFilter(exemplar.AlwaysOnFilter),
		sdkmetric.WithView(workloadViews()...),
	)
}

// workloadViews are the views the workload's ledger expects: the float
// histogram keeps only "route", and a float histogram is made exponential.
func workloadViews() []sdkmetric.View {
	return []sdkmetric.View{
		sdkmetric.NewView(
			sdkmetric.Instrument{Name: "e2e.float.histogram"},
			sdkmetric.Stream{AttributeFilter: attribute.NewAllowKeysFilter("route")},
		),
		sdkmetric.NewView(
			sdkmetric.Instrument{Name: "e2e.float.exponential_histogram"},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: expHistMaxSize, MaxScale: expHistMaxScale}},
		),
	}
}

// newMeter is the meter every workload records with.
func newMeter(mp metric.MeterProvider) metric.Meter {
	return mp.Meter(meterName, metric.WithInstrumentationVersion(meterVersion), metric.WithSchemaURL(meterSchemaURL),
		metric.WithInstrumentationAttributes(attribute.String("scope.kind", "e2e")))
}

// eventually retries check until it returns nil or timeout passes, and
// fails the test with check's last error.
func eventually(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %v:\n%v", what, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// errorLog records what the SDK and exporters report through otel.Handle.
// It is installed once for the whole test binary (the handler is global);
// tests take a mark and look at what was reported after it.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

var handled = &errorLog{}

func (l *errorLog) Handle(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

// mark is the position to read errors from.
func (l *errorLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.errs)
}

// since returns the errors reported after mark.
func (l *errorLog) since(mark int) []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs[mark:]...)
}

func TestMain(m *testing.M) {
	otel.SetErrorHandler(handled)
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "errors reported through otel.Handle: %d\n", handled.mark())
	}
	os.Exit(code)
}
