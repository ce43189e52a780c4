package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	fmautoexport "github.com/fastmeter/fastmeter/autoexport"
)

// The switched program imports fastmeter's autoexport only through the
// build overlay, which go mod tidy does not see; this reference keeps the
// module required.
var _ = fmautoexport.NewMetricReader

// The program of autoexportprog/main.go is written against the official
// SDK and contrib autoexport. Switching to fastmeter means changing these
// two imports and nothing else.
var autoexportImportSwitch = [][2]string{
	{`sdkmetric "go.opentelemetry.io/otel/sdk/metric"`, `sdkmetric "github.com/fastmeter/fastmeter"`},
	{`"go.opentelemetry.io/contrib/exporters/autoexport"`, `"github.com/fastmeter/fastmeter/autoexport"`},
}

// TestAutoexportToCollector builds the program of autoexportprog twice,
// as written (official SDK + contrib autoexport) and with its two imports
// switched to fastmeter's, runs each with the same environment against the
// real Collector, and requires that the same data arrives from both: every
// metric, series, value, bucket, temporality, the scope and the resource
// (all but the timestamps, and the test.case attribute that tells the two
// runs apart), export by export. The bridged Prometheus client's own Go
// runtime metrics, whose values differ between two processes, are left
// out; the program's Prometheus client counter is compared.
func TestAutoexportToCollector(t *testing.T) {
	col := startCollector(t)
	binaries := buildAutoexportProgram(t)

	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string // in the export, besides what every case has
	}{
		{"grpc-cumulative-bridge", map[string]string{
			"OTEL_METRICS_EXPORTER":       "otlp",
			"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + col.grpcAddr,
			"OTEL_METRICS_PRODUCERS":      "prometheus,shop",
		}, []string{`"shop_legacy_jobs_total"`, `"shop_ovens"`, `"aggregationTemporality": 2`}},
		{"fallback-http-delta", map[string]string{
			// No OTEL_METRICS_EXPORTER: the program's fallback reader.
			"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT":               "http://" + col.httpAddr + "/v1/metrics",
			"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "delta",
			"OTEL_EXPORTER_OTLP_COMPRESSION":                    "gzip",
		}, []string{`"aggregationTemporality": 1`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var outputs []string
			for _, variant := range []string{"official", "fastmeter"} {
				caseName := "autoexport-" + tc.name + "-" + variant
				env := map[string]string{
					"OTEL_SERVICE_NAME":           serviceName,
					"OTEL_RESOURCE_ATTRIBUTES":    "test.case=" + caseName + ",deployment.environment.name=e2e",
					"OTEL_METRIC_EXPORT_INTERVAL": "3600000", // the program's flush and Shutdown export
				}
				for k, v := range tc.env {
					env[k] = v
				}
				runAutoexportProgram(t, binaries[variant], env)

				var exports []string
				eventually(t, 15*time.Second, variant+" exports at the collector", func() error {
					var err error
					exports, err = rawCaseExports(col, caseName)
					if err != nil {
						return err
					}
					if len(exports) != 2 {
						return fmt.Errorf("%d exports so far, want the flush and the Shutdown", len(exports))
					}
					return nil
				})
				outputs = append(outputs, strings.Join(exports, "\n"))
			}
			if outputs[0] != outputs[1] {
				t.Fatalf("the two programs exported different data\n--- official:\n%s\n--- fastmeter:\n%s", outputs[0], outputs[1])
			}
			for _, want := range append([]string{`"shop.orders"`, `"shop.stock"`, `"exponentialHistogram"`, `"shop.oven.temperature"`}, tc.want...) {
				if !strings.Contains(outputs[0], want) {
					t.Errorf("the export lacks %s:\n%s", want, outputs[0])
				}
			}
		})
	}
}

// buildAutoexportProgram compiles autoexportprog as written ("official")
// and with autoexportImportSwitch applied through a build overlay
// ("fastmeter"), so the source tree is not touched.
func buildAutoexportProgram(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	source, err := filepath.Abs(filepath.Join("autoexportprog", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	original, err := os.ReadFile(source)
	if err != nil {
		t.Fatal(err)
	}
	switched := string(original)
	for _, s := range autoexportImportSwitch {
		if !strings.Contains(switched, s[0]) {
			t.Fatalf("autoexportprog/main.go no longer imports %s", s[0])
		}
		switched = strings.Replace(switched, s[0], s[1], 1)
	}
	switchedPath := filepath.Join(dir, "main_fastmeter.go")
	if err := os.WriteFile(switchedPath, []byte(switched), 0o600); err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]map[string]string{"Replace": {source: switchedPath}})
	overlayPath := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayPath, overlay, 0o600); err != nil {
		t.Fatal(err)
	}

	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	binaries := map[string]string{}
	for variant, extra := range map[string][]string{"official": nil, "fastmeter": {"-overlay", overlayPath}} {
		out := filepath.Join(dir, "autoexportprog-"+variant)
		args := append([]string{"build", "-o", out}, extra...)
		cmd := exec.Command(goTool, append(args, "./autoexportprog")...)
		if output, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build (%s): %v\n%s", variant, err, output)
		}
		binaries[variant] = out
	}
	return binaries
}

// runAutoexportProgram runs a build of the program with only env as its
// OTEL_* configuration.
func runAutoexportProgram(t *testing.T, binary string, env map[string]string) {
	t.Helper()
	cmd := exec.Command(binary)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTEL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v\n%s", filepath.Base(binary), err, output.String())
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not exit within 60s\n%s", filepath.Base(binary), output.String())
	}
}

// rawCaseExports returns, in arrival order, the resource metrics the
// collector wrote for the provider whose resource has test.case=caseName,
// each as canonical JSON: timestamps removed, test.case removed, the
// bridged Go runtime metrics dropped, and the members of unordered lists
// (resource and scope attributes, scopes, metrics, data points) sorted.
func rawCaseExports(col *collector, caseName string) ([]string, error) {
	col.mu.Lock()
	outputs := slices.Clone(col.outputs)
	col.mu.Unlock()
	var exports []string
	for _, path := range outputs {
		data, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		data = data[:bytes.LastIndexByte(data, '\n')+1] // a last line still being written
		for line := range bytes.SplitSeq(data, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			var req struct {
				ResourceMetrics []map[string]any `json:"resourceMetrics"`
			}
			if err := json.Unmarshal(line, &req); err != nil {
				return nil, err
			}
			for _, rm := range req.ResourceMetrics {
				if !dropTestCase(rm, caseName) {
					continue
				}
				b, _ := json.MarshalIndent(canonicalOTLP(rm), "", " ")
				exports = append(exports, string(b))
			}
		}
	}
	return exports, nil
}

// dropTestCase reports whether rm's resource has test.case=caseName, and
// removes that attribute.
func dropTestCase(rm map[string]any, caseName string) bool {
	res, _ := rm["resource"].(map[string]any)
	attrs, _ := res["attributes"].([]any)
	for i, a := range attrs {
		kv, _ := a.(map[string]any)
		if kv["key"] != "test.case" {
			continue
		}
		value, _ := kv["value"].(map[string]any)
		if value["stringValue"] != caseName {
			return false
		}
		res["attributes"] = slices.Delete(attrs, i, i+1)
		return true
	}
	return false
}

// canonicalOTLP rewrites decoded OTLP/JSON so that equal data gives equal
// text.
func canonicalOTLP(v any) any {
	switch v := v.(type) {
	case map[string]any:
		delete(v, "timeUnixNano")
		delete(v, "startTimeUnixNano")
		for k, child := range v {
			v[k] = canonicalOTLP(child)
		}
		return v
	case []any:
		var kept []any
		for _, child := range v {
			if m, ok := child.(map[string]any); ok {
				if name, _ := m["name"].(string); strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") {
					continue
				}
			}
			kept = append(kept, canonicalOTLP(child))
		}
		if len(kept) > 0 {
			if _, isObject := kept[0].(map[string]any); isObject {
				slices.SortFunc(kept, func(a, b any) int {
					ja, _ := json.Marshal(a)
					jb, _ := json.Marshal(b)
					return bytes.Compare(ja, jb)
				})
			}
		}
		return kept
	}
	return v
}
