package autoconfig

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	sdkmetric "github.com/fastmeter/fastmeter"
)

// OTEL_SERVICE_NAME wins over OTEL_RESOURCE_ATTRIBUTES, which wins over
// the detectors; WithResource wins over all of them.
func TestResource(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
	t.Setenv(envServiceName, "payments")
	t.Setenv(envResourceAttributes, "service.name=ignored,deployment.environment.name=prod,team=a%2Cb,host.name=from-env")
	mp := newProvider(t, WithResource(resource.NewSchemaless(
		attribute.String("team", "core"), attribute.String("owner", "ops"))))
	recordAndFlush(t, mp, "c")

	res := rcv.last(t).resource()
	want := map[string]string{
		"service.name":                "payments",
		"deployment.environment.name": "prod",
		"team":                        "core",
		"owner":                       "ops",
		"host.name":                   "from-env",
		"telemetry.sdk.language":      "go",
		"telemetry.sdk.name":          "opentelemetry",
		"process.runtime.name":        "go",
	}
	for k, v := range want {
		if res[k] != v {
			t.Errorf("resource %s = %q, want %q", k, res[k], v)
		}
	}
	for _, k := range []string{"process.pid", "os.type", "process.executable.name"} {
		if res[k] == "" {
			t.Errorf("resource lacks %s (detectors not applied): %v", k, res)
		}
	}
	if _, ok := res["process.command_args"]; ok {
		t.Error("process.command_args is detected; it may carry secrets")
	}
}

// Without OTEL_SERVICE_NAME the specification's fallback names the
// executable.
func TestDefaultServiceName(t *testing.T) {
	cleanEnv(t)
	rcv := newReceiver()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", startHTTPReceiver(t, rcv).URL)
	recordAndFlush(t, newProvider(t), "c")
	if got := rcv.last(t).resource()["service.name"]; !strings.HasPrefix(got, "unknown_service:") {
		t.Errorf("service.name %q, want unknown_service:<executable>", got)
	}
}

// A WithResource whose schema URL conflicts with the detectors' keeps all
// attributes (without a schema URL) and says so through otel.Handle, like
// the official WithResource.
func TestResourceSchemaConflict(t *testing.T) {
	cleanEnv(t)
	log := captureErrors(t)
	manual := sdkmetric.NewManualReader()
	mp := newProvider(t, WithExporters("none"), WithReader(manual),
		WithResource(resource.NewWithAttributes("https://opentelemetry.io/schemas/1.0.0", attribute.String("team", "core"))))
	c, _ := mp.Meter("t").Int64Counter("c")
	c.Add(context.Background(), 1)
	var rm metricdata.ResourceMetrics
	if err := manual.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if v, ok := rm.Resource.Set().Value("team"); !ok || v.AsString() != "core" {
		t.Errorf("resource %v lacks team=core", rm.Resource)
	}
	if v, ok := rm.Resource.Set().Value("telemetry.sdk.language"); !ok || v.AsString() != "go" {
		t.Errorf("resource %v lost the detected attributes", rm.Resource)
	}
	if !strings.Contains(log.text(), "WithResource") || !strings.Contains(log.text(), "conflicting Schema URL") {
		t.Errorf("no warning about the schema conflict: %q", log.text())
	}
}
