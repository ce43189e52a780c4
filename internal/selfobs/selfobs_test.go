package selfobs

import "testing"

func TestEnabled(t *testing.T) {
	for _, c := range []struct {
		obs, self string
		want      bool
	}{
		{"", "", false},
		{"true", "", true},
		{"TRUE", "", true},
		{"false", "true", false}, // the first non-empty variable decides
		{"", "True", true},       // the older name
		{"1", "", false},
	} {
		t.Setenv("OTEL_GO_X_OBSERVABILITY", c.obs)
		t.Setenv("OTEL_GO_X_SELF_OBSERVABILITY", c.self)
		if got := Enabled(); got != c.want {
			t.Errorf("OBSERVABILITY=%q SELF_OBSERVABILITY=%q: Enabled() = %v", c.obs, c.self, got)
		}
		if r := NewReader(ManualReaderType, 0); (r != nil) != c.want {
			t.Errorf("NewReader with Enabled() = %v returned %v", c.want, r)
		}
	}
}

func TestComponentNames(t *testing.T) {
	if got := ComponentName(PeriodicReaderType, 3); got != "periodic_metric_reader/3" {
		t.Errorf("ComponentName = %q", got)
	}
	a, b := NextID(PrometheusExporterType), NextID(PrometheusExporterType)
	if b != a+1 {
		t.Errorf("NextID gave %d then %d", a, b)
	}
	for _, typ := range []string{OTLPHTTPExporterType, OTLPGRPCExporterType} {
		a, b := NextID(typ), NextID(typ)
		if b != a+1 {
			t.Errorf("%s: NextID gave %d then %d", typ, a, b)
		}
	}
	for _, s := range []string{ReaderScope, Scope, PrometheusScope, OTLPHTTPScope, OTLPGRPCScope} {
		if !IsScope(s) {
			t.Errorf("IsScope(%q) = false", s)
		}
	}
	if IsScope("app") {
		t.Error(`IsScope("app") = true`)
	}
	var nilOTLP *OTLPExporter // a disabled exporter is nil and does nothing
	nilOTLP.End(t.Context(), nilOTLP.Start(t.Context(), nil), OTLPOutcome{Failed: true})
	var nilReader *Reader // a disabled reader is nil and does nothing
	nilReader.Collected(t.Context(), nilReader.Start(), nil, nil)
	nilReader.ExportFailed(t.Context(), nil)
	nilReader.Close()
}
