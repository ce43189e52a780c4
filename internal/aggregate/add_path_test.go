package aggregate

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// restRecorder stands in for the instrument's own Add.
type restRecorder[N Number] struct{ calls []N }

func (r *restRecorder[N]) AddRest(_ context.Context, v N, _ []metric.AddOption) {
	r.calls = append(r.calls, v)
}

// testOptionItab is the itab of the API's attribute options, read as the
// instrument reads it.
func testOptionItab() unsafe.Pointer {
	var opt metric.AddOption = metric.WithAttributeSet(attribute.NewSet(attribute.String("a", "b")))
	return (*optionWords)(unsafe.Pointer(&opt)).itab
}

func int64Path(t *testing.T, cfg Config, monotonic bool) (*sum[int64], *Int64AddPath, *restRecorder[int64]) {
	t.Helper()
	s := NewSum[int64](cfg, monotonic).(*sum[int64])
	p, rest := &Int64AddPath{}, &restRecorder[int64]{}
	p.Init([]Measurer[int64]{s}, monotonic, testOptionItab(), rest)
	return s, p, rest
}

// The path serves valid Adds with no option or one attribute option on
// every series, existing or not, and decides which series by the
// attributes: equal sets in distinct storage (bytes equal, or strings
// equal in distinct storage) reach one series, a set differing in one
// value its own. Only what it cannot serve reaches the instrument's rest: a
// negative increment to a Counter, a NaN, several options, a nil context.
func TestAddPathServesCommonAddsAndHandsOnTheRest(t *testing.T) {
	cfg := cumulativeConfig()
	d := DefaultReservoir{Size: 1}
	cfg.Exemplars = &ExemplarConfig{Filter: exemplar.TraceBasedFilter, TraceBased: true, Default: &d}
	s, p, rest := int64Path(t, cfg, true)
	if directMode(p.mode.Load()) != directSpanless {
		t.Fatalf("mode = %d, want directSpanless for a cumulative sum with trace-based exemplars", directMode(p.mode.Load()))
	}
	ctx := context.Background()
	route := "/api/" + strings.Repeat("v", 3) // built at run time: its own storage
	a := attribute.NewSet(attribute.String("route", "/api/vvv"), attribute.Int("code", 200))
	sameBytes := attribute.NewSet(attribute.Int("code", 200), attribute.String("route", "/api/vvv"))
	sameStrings := attribute.NewSet(attribute.String("route", route), attribute.Int("code", 200))
	other := attribute.NewSet(attribute.String("route", "/api/vvv"), attribute.Int("code", 500))
	for _, set := range []attribute.Set{a, a, sameBytes, sameStrings, other} {
		p.Add(ctx, 1, metric.WithAttributeSet(set))
	}
	p.Add(ctx, 2)
	p.Add(context.TODO(), 3)
	p.Add(sampledCtx(), 1, metric.WithAttributeSet(a))                        // a sampled span: through Measure, which keeps an exemplar
	p.Add(ctx, -5, metric.WithAttributeSet(a))                                // a Counter only grows
	p.Add(ctx, 7, metric.WithAttributeSet(a), metric.WithAttributeSet(other)) // two options
	p.Add(nil, 11, metric.WithAttributeSet(a))                                //nolint:staticcheck // a nil context
	var pts metricdata.Aggregation
	s.Collect(&pts)
	got, exemplars := map[string]int64{}, 0
	for _, pt := range pts.(metricdata.Sum[int64]).DataPoints {
		got[pt.Attributes.Encoded(attribute.DefaultEncoder())] = pt.Value
		exemplars += len(pt.Exemplars)
	}
	want := map[string]int64{"code=200,route=/api/vvv": 5, "code=500,route=/api/vvv": 1, "": 5}
	if fmt.Sprint(got) != fmt.Sprint(want) || exemplars != 1 {
		t.Fatalf("points = %v with %d exemplars, want %v and the sampled one", got, exemplars, want)
	}
	if fmt.Sprint(rest.calls) != "[-5 7 11]" {
		t.Fatalf("rest got %v, want [-5 7 11]", rest.calls)
	}

	fs := NewSum[float64](cumulativeConfig(), false).(*sum[float64])
	fp, frest := &Float64AddPath{}, &restRecorder[float64]{}
	fp.Init([]Measurer[float64]{fs}, false, testOptionItab(), frest)
	for _, v := range []float64{0.5, -0.25, math.NaN(), math.Inf(1)} {
		fp.Add(ctx, v, metric.WithAttributeSet(a))
		fp.Add(ctx, v)
	}
	var agg metricdata.Aggregation
	fs.Collect(&agg)
	if len(frest.calls) != 4 {
		t.Fatalf("float rest got %v, want the two NaNs and two infinities", frest.calls)
	}
	for _, pt := range agg.(metricdata.Sum[float64]).DataPoints {
		if pt.Value != 0.25 {
			t.Fatalf("float point %v = %v, want 0.25", pt.Attributes.ToSlice(), pt.Value)
		}
	}
}

// With every set on one hash, the path must still tell sets apart by their
// attributes: a colliding set is never added to its neighbour.
func TestAddPathNeverMergesCollidingSets(t *testing.T) {
	forceCollisions, fastHash = true, false
	defer func() { forceCollisions, fastHash = false, setLayoutOK }()
	s, p, _ := int64Path(t, cumulativeConfig(), true)
	const n = 20
	for round := 0; round < 3; round++ {
		for i := 0; i < n; i++ {
			p.Add(context.Background(), int64(i), metric.WithAttributes(attribute.Int("i", i)))
		}
	}
	got := sumPoints(t, s)
	if len(got) != n {
		t.Fatalf("got %d series, want %d: %v", len(got), n, got)
	}
	for i := 0; i < n; i++ {
		if v := got[fmt.Sprintf("i=%d", i)]; v != int64(3*i) {
			t.Fatalf("series i=%d = %d, want %d", i, v, 3*i)
		}
	}
}

// The direct modes only where bypassing Measure is right; elsewhere a single
// stream still gets its measurements through Measure, and several streams
// through the instrument's rest.
func TestAddPathModes(t *testing.T) {
	filtered := cumulativeConfig()
	filtered.Filter = func(kv attribute.KeyValue) bool { return kv.Key == "keep" }
	forgetting := cumulativeConfig()
	forgetting.ForgetIdleAfter = 2
	alwaysOn := cumulativeConfig()
	d := DefaultReservoir{Size: 1}
	alwaysOn.Exemplars = &ExemplarConfig{Filter: exemplar.AlwaysOnFilter, Default: &d}
	for name, cfg := range map[string]Config{"filter": filtered, "delta": deltaConfig(), "forget idle": forgetting, "exemplars always on": alwaysOn} {
		s, p, rest := int64Path(t, cfg, true)
		if directMode(p.mode.Load()) != directOff {
			t.Errorf("%s: mode %d, want directOff", name, directMode(p.mode.Load()))
		}
		set := attribute.NewSet(attribute.String("keep", "x"), attribute.String("drop", "y"))
		p.Add(context.Background(), 3, metric.WithAttributeSet(set))
		if got := sumPoints(t, s); len(got) != 1 || len(rest.calls) != 0 {
			t.Errorf("%s: points %v, rest %v: want the measurement through Measure", name, got, rest.calls)
		}
	}
	if _, p, _ := int64Path(t, cumulativeConfig(), true); directMode(p.mode.Load()) != directAnyCtx { // no exemplars
		t.Errorf("exemplars off: mode %d, want directAnyCtx", directMode(p.mode.Load()))
	}
	a, b := NewSum[int64](cumulativeConfig(), true), NewSum[int64](cumulativeConfig(), true)
	p, rest := &Int64AddPath{}, &restRecorder[int64]{}
	p.Init([]Measurer[int64]{a, b}, true, testOptionItab(), rest)
	p.Add(context.Background(), 4)
	if directMode(p.mode.Load()) != directOff || fmt.Sprint(rest.calls) != "[4]" {
		t.Errorf("two streams: mode %d, rest %v: want directOff and the Add in rest", directMode(p.mode.Load()), rest.calls)
	}
	p, rest = &Int64AddPath{}, &restRecorder[int64]{}
	p.Init([]Measurer[int64]{a}, true, nil, rest) // options could not be verified
	p.Add(context.Background(), 5, metric.WithAttributes(attribute.Int("k", 1)))
	p.Add(context.Background(), 6)
	if directMode(p.mode.Load()) != directOff || fmt.Sprint(rest.calls) != "[5]" {
		t.Errorf("unverified options: mode %d, rest %v: want directOff and only the attributed Add in rest", directMode(p.mode.Load()), rest.calls)
	}
}

// A set forged to carry another set's API hash reaches the inline
// comparison itself (the API's hash is used as is): it must never be
// counted into the other set's series.
func TestAddPathForgedHashNeverMerges(t *testing.T) {
	s, p, _ := int64Path(t, cumulativeConfig(), true)
	a := attribute.NewSet(attribute.String("k", "a"))
	b := attribute.NewSet(attribute.String("k", "b"))
	layoutOf(&b).hash = layoutOf(&a).hash
	for i := 0; i < 3; i++ {
		p.Add(context.Background(), 1, metric.WithAttributeSet(a))
		p.Add(context.Background(), 10, metric.WithAttributeSet(b))
	}
	if got := sumPoints(t, s); got["k=a"] != 3 || got["k=b"] != 30 {
		t.Fatalf("points = %v, want k=a:3 and k=b:30", got)
	}
	fs := NewSum[float64](cumulativeConfig(), true).(*sum[float64])
	fp := &Float64AddPath{}
	fp.Init([]Measurer[float64]{fs}, true, testOptionItab(), &restRecorder[float64]{})
	for i := 0; i < 3; i++ {
		fp.Add(context.Background(), 1, metric.WithAttributeSet(a))
		fp.Add(context.Background(), 10, metric.WithAttributeSet(b))
	}
	var agg metricdata.Aggregation
	fs.Collect(&agg)
	for _, pt := range agg.(metricdata.Sum[float64]).DataPoints {
		if v, _ := pt.Attributes.Value("k"); (v.AsString() == "a" && pt.Value != 3) || (v.AsString() == "b" && pt.Value != 30) {
			t.Fatalf("float point k=%s = %v, want k=a:3 and k=b:30", v.AsString(), pt.Value)
		}
	}
}
