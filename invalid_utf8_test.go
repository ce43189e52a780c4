package fastmeter_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fastmeter/fastmeter"
)

// One string with invalid UTF-8 anywhere in a batch makes an OTLP exporter
// reject the whole request. fastmeter repairs such strings where they enter
// (each run of invalid bytes becomes U+FFFD): these tests check that a
// collection holds only valid UTF-8, that every valid neighbour is intact,
// and that the repaired series keep their identity and exact totals.

const (
	badStr   = "caf\xff"     // not valid UTF-8
	fixedStr = "caf\uFFFD"   // what badStr is repaired to
	badStr2  = "caf\xfe\xfd" // another invalid spelling of the same repair
)

func collectUTF8(t *testing.T, r *fastmeter.ManualReader) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return rm
}

// invalidStrings lists every string in rm that is not valid UTF-8: resource,
// scopes, metric names, descriptions, units, point and exemplar attributes
// (keys and values at any depth).
func invalidStrings(rm *metricdata.ResourceMetrics) []string {
	var bad []string
	if !utf8.ValidString(rm.Resource.SchemaURL()) {
		bad = append(bad, fmt.Sprintf("resource schema URL %q", rm.Resource.SchemaURL()))
	}
	for _, kv := range rm.Resource.Attributes() {
		bad = append(bad, invalidInKV("resource", kv)...)
	}
	var walk func(where string, v reflect.Value)
	walk = func(where string, v reflect.Value) {
		switch {
		case v.Type() == reflect.TypeFor[attribute.Set]():
			set := v.Interface().(attribute.Set)
			for _, kv := range set.ToSlice() {
				bad = append(bad, invalidInKV(where, kv)...)
			}
			return
		case v.Type() == reflect.TypeFor[attribute.KeyValue]():
			bad = append(bad, invalidInKV(where, v.Interface().(attribute.KeyValue))...)
			return
		}
		switch v.Kind() {
		case reflect.String:
			if !utf8.ValidString(v.String()) {
				bad = append(bad, fmt.Sprintf("%s %q", where, v.String()))
			}
		case reflect.Interface, reflect.Pointer:
			if !v.IsNil() {
				walk(where, v.Elem())
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(where, v.Index(i))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() {
					walk(where+"."+f.Name, v.Field(i))
				}
			}
		}
	}
	walk("ScopeMetrics", reflect.ValueOf(rm.ScopeMetrics))
	return bad
}

func invalidInKV(where string, kv attribute.KeyValue) []string {
	var bad []string
	if !utf8.ValidString(string(kv.Key)) {
		bad = append(bad, fmt.Sprintf("%s: key %q", where, string(kv.Key)))
	}
	var value func(v attribute.Value)
	value = func(v attribute.Value) {
		switch v.Type() {
		case attribute.STRING:
			if !utf8.ValidString(v.AsString()) {
				bad = append(bad, fmt.Sprintf("%s: %q = %q", where, string(kv.Key), v.AsString()))
			}
		case attribute.STRINGSLICE:
			for _, s := range v.AsStringSlice() {
				if !utf8.ValidString(s) {
					bad = append(bad, fmt.Sprintf("%s: %q has element %q", where, string(kv.Key), s))
				}
			}
		case attribute.SLICE:
			for _, e := range v.AsSlice() {
				value(e)
			}
		case attribute.MAP:
			for _, e := range v.AsMap() {
				bad = append(bad, invalidInKV(where+" map "+string(kv.Key), e)...)
			}
		}
	}
	value(kv.Value)
	return bad
}

func scopeMetricNamed(rm *metricdata.ResourceMetrics, scope, name string) (metricdata.Metrics, bool) {
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != scope {
			continue
		}
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// int64SumPoints maps the encoded attribute set of each point of an int64 sum
// to its value.
func int64SumPoints(t *testing.T, rm *metricdata.ResourceMetrics, scope, name string) map[string]int64 {
	t.Helper()
	m, ok := scopeMetricNamed(rm, scope, name)
	if !ok {
		t.Fatalf("metric %q of scope %q not collected", name, scope)
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("metric %q is %T, want an int64 sum", name, m.Data)
	}
	out := map[string]int64{}
	for _, p := range sum.DataPoints {
		key := p.Attributes.Encoded(attribute.DefaultEncoder())
		if _, dup := out[key]; dup {
			t.Errorf("metric %q: two points with attributes {%s}", name, key)
		}
		out[key] = p.Value
	}
	return out
}

func enc(kvs ...attribute.KeyValue) string {
	s := attribute.NewSet(kvs...)
	return s.Encoded(attribute.DefaultEncoder())
}

// Every kind of string a program hands the SDK, each with invalid UTF-8 in
// one place, next to valid ones: the collection holds only valid UTF-8,
// the valid neighbours are exactly as recorded and the repaired ones carry
// their exact values under the repaired strings.
func TestInvalidUTF8RepairedWhereItEnters(t *testing.T) {
	rec := recordDiagnostics(t)
	res := resource.NewSchemaless(attribute.String("service.name", "svc"), attribute.String("host"+badStr, badStr))
	r := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(
		fastmeter.WithResource(res),
		fastmeter.WithReader(r),
		fastmeter.WithExemplarFilter(exemplar.AlwaysOnFilter),
		fastmeter.WithView(
			fastmeter.NewView(fastmeter.Instrument{Name: "renamed.src"}, fastmeter.Stream{Name: "renamed." + badStr}),
			fastmeter.NewView(fastmeter.Instrument{Name: "filtered"}, fastmeter.Stream{AttributeFilter: attribute.NewAllowKeysFilter("keep")}),
		),
	)
	ctx := context.Background()
	good := mp.Meter("good.scope", metric.WithInstrumentationVersion("1.0"))
	badScope := mp.Meter("scope."+badStr, metric.WithInstrumentationVersion("v"+badStr),
		metric.WithSchemaURL("https://example.com/"+badStr), metric.WithInstrumentationAttributes(attribute.String("a", badStr)))

	valid, err := good.Int64Counter("valid.counter", metric.WithUnit("1"), metric.WithDescription("valid"))
	if err != nil {
		t.Fatal(err)
	}
	route := attribute.String("route", "/ok")
	valid.Add(ctx, 5, metric.WithAttributes(route))
	valid.Add(ctx, 7, metric.WithAttributes(route, attribute.String("user", badStr)))
	valid.Add(ctx, 3, metric.WithAttributes(attribute.StringSlice("tags", []string{"a", badStr})))
	valid.Add(ctx, 4, metric.WithAttributes(attribute.Map("m", attribute.String("k"+badStr, badStr), attribute.Int("n", 1))))
	valid.Add(ctx, 6, metric.WithAttributes(attribute.Slice("s", attribute.StringValue(badStr), attribute.IntValue(2))))
	valid.Add(ctx, 8, metric.WithAttributes(attribute.Int("key"+badStr, 1)))

	badName, err := good.Int64Counter("bad." + badStr)
	if !errors.Is(err, fastmeter.ErrInstrumentName) {
		t.Errorf("invalid UTF-8 name: err = %v, want ErrInstrumentName", err)
	}
	badName.Add(ctx, 11)
	rec.note(err)
	hist, err := good.Float64Histogram("valid.hist", metric.WithUnit("m"+badStr))
	rec.note(err)
	hist.Record(ctx, 2.5)
	gauge, err := good.Int64Gauge("valid.gauge", metric.WithDescription("d"+badStr))
	rec.note(err)
	gauge.Record(ctx, 9)
	renamed, err := good.Int64Counter("renamed.src")
	rec.note(err)
	renamed.Add(ctx, 13)
	filtered, _ := good.Int64Counter("filtered")
	filtered.Add(ctx, 17, metric.WithAttributes(attribute.Int("keep", 1), attribute.String("drop"+badStr, badStr)))
	_, err = good.Int64ObservableGauge("obs.gauge", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(21, metric.WithAttributes(attribute.String("k", badStr)))
		o.Observe(22, metric.WithAttributes(attribute.String("k", "ok")))
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	scoped, _ := badScope.Int64Counter("scoped.counter")
	scoped.Add(ctx, 19)

	rm := collectUTF8(t, r)
	if bad := invalidStrings(&rm); len(bad) > 0 {
		t.Fatalf("the collection holds strings that are not valid UTF-8 (an OTLP exporter would reject the whole batch):\n%s", strings.Join(bad, "\n"))
	}

	// The resource: the valid attribute intact, the invalid one repaired.
	if got, _ := rm.Resource.Set().Value("service.name"); got.AsString() != "svc" {
		t.Errorf("resource service.name = %q, want svc", got.AsString())
	}
	if got, ok := rm.Resource.Set().Value(attribute.Key("host" + fixedStr)); !ok || got.AsString() != fixedStr {
		t.Errorf("resource: repaired attribute host%s = %q (present %v), want %q", fixedStr, got.AsString(), ok, fixedStr)
	}

	// The valid counter: valid series intact, repaired ones exact.
	want := map[string]int64{
		enc(route): 5,
		enc(route, attribute.String("user", fixedStr)):                                           7,
		enc(attribute.StringSlice("tags", []string{"a", fixedStr})):                              3,
		enc(attribute.Map("m", attribute.String("k"+fixedStr, fixedStr), attribute.Int("n", 1))): 4,
		enc(attribute.Slice("s", attribute.StringValue(fixedStr), attribute.IntValue(2))):        6,
		enc(attribute.Int("key"+fixedStr, 1)):                                                    8,
	}
	if got := int64SumPoints(t, &rm, "good.scope", "valid.counter"); !reflect.DeepEqual(got, want) {
		t.Errorf("valid.counter points = %v, want %v", got, want)
	}
	m, _ := scopeMetricNamed(&rm, "good.scope", "valid.counter")
	if m.Unit != "1" || m.Description != "valid" {
		t.Errorf("valid.counter unit %q description %q, want 1 and valid", m.Unit, m.Description)
	}

	if got := int64SumPoints(t, &rm, "good.scope", "bad."+fixedStr); got[""] != 11 {
		t.Errorf("instrument with an invalid name: points %v, want 11 under the repaired name", got)
	}
	if m, ok := scopeMetricNamed(&rm, "good.scope", "valid.hist"); !ok || m.Unit != "m"+fixedStr {
		t.Errorf("valid.hist: collected %v, unit %q, want unit %q", ok, m.Unit, "m"+fixedStr)
	} else if h := m.Data.(metricdata.Histogram[float64]); len(h.DataPoints) != 1 || h.DataPoints[0].Sum != 2.5 {
		t.Errorf("valid.hist points %+v, want one with sum 2.5", h.DataPoints)
	}
	if m, ok := scopeMetricNamed(&rm, "good.scope", "valid.gauge"); !ok || m.Description != "d"+fixedStr {
		t.Errorf("valid.gauge: collected %v, description %q, want %q", ok, m.Description, "d"+fixedStr)
	} else if g := m.Data.(metricdata.Gauge[int64]); len(g.DataPoints) != 1 || g.DataPoints[0].Value != 9 {
		t.Errorf("valid.gauge points %+v, want 9", g.DataPoints)
	}
	if got := int64SumPoints(t, &rm, "good.scope", "renamed."+fixedStr); got[""] != 13 {
		t.Errorf("view-renamed stream: points %v, want 13 under the repaired name", got)
	}
	if m, ok := scopeMetricNamed(&rm, "good.scope", "filtered"); !ok {
		t.Error("filtered not collected")
	} else {
		s := m.Data.(metricdata.Sum[int64])
		if len(s.DataPoints) != 1 || s.DataPoints[0].Value != 17 || s.DataPoints[0].Attributes.Encoded(attribute.DefaultEncoder()) != enc(attribute.Int("keep", 1)) {
			t.Errorf("filtered points %+v, want keep=1: 17", s.DataPoints)
		} else if ex := s.DataPoints[0].Exemplars; len(ex) != 1 || !reflect.DeepEqual(ex[0].FilteredAttributes, []attribute.KeyValue{attribute.String("drop"+fixedStr, fixedStr)}) {
			t.Errorf("filtered exemplars %+v, want one with the repaired filtered attribute", ex)
		}
	}
	if m, ok := scopeMetricNamed(&rm, "good.scope", "obs.gauge"); !ok {
		t.Error("obs.gauge not collected")
	} else {
		got := map[string]int64{}
		for _, p := range m.Data.(metricdata.Gauge[int64]).DataPoints {
			got[p.Attributes.Encoded(attribute.DefaultEncoder())] = p.Value
		}
		if w := map[string]int64{enc(attribute.String("k", fixedStr)): 21, enc(attribute.String("k", "ok")): 22}; !reflect.DeepEqual(got, w) {
			t.Errorf("obs.gauge points %v, want %v", got, w)
		}
	}

	// The scope with invalid UTF-8 everywhere: repaired, its metric intact.
	var scope *metricdata.ScopeMetrics
	for i := range rm.ScopeMetrics {
		if rm.ScopeMetrics[i].Scope.Name == "scope."+fixedStr {
			scope = &rm.ScopeMetrics[i]
		}
	}
	if scope == nil {
		t.Fatalf("scope %q not collected", "scope."+fixedStr)
	}
	wantAttrs := attribute.NewSet(attribute.String("a", fixedStr))
	if scope.Scope.Version != "v"+fixedStr || scope.Scope.SchemaURL != "https://example.com/"+fixedStr || !scope.Scope.Attributes.Equals(&wantAttrs) {
		t.Errorf("repaired scope = %+v", scope.Scope)
	}
	if got := int64SumPoints(t, &rm, "scope."+fixedStr, "scoped.counter"); got[""] != 19 {
		t.Errorf("scoped.counter points %v, want 19", got)
	}
	if badScope != mp.Meter("scope."+badStr2, metric.WithInstrumentationVersion("v"+badStr),
		metric.WithSchemaURL("https://example.com/"+badStr), metric.WithInstrumentationAttributes(attribute.String("a", badStr))) {
		t.Error("a scope that repairs to the same scope got another Meter")
	}

	// Every repair was reported, naming what was repaired; the reports
	// themselves are valid UTF-8.
	for _, wantMsg := range []string{
		"the resource's attributes had invalid UTF-8",
		`Meter "scope.` + fixedStr + `": the instrumentation scope's name "scope.caf\xff", version "vcaf\xff", schema URL "https://example.com/caf\xff", attributes had invalid UTF-8`,
		`"bad.caf\xff" has the invalid UTF-8 byte 0xff at byte 7`,
		`the instrument is created as "bad.` + fixedStr + `"`,
		`instrument "valid.hist": unit "mcaf\xff" has the invalid UTF-8 byte 0xff at byte 4`,
		`instrument "valid.gauge": description repaired`,
		`a view sets the stream name "renamed.caf\xff"`,
		`instrument "valid.counter": 1 measurement(s) had attributes that are not valid UTF-8 (latest: attribute "user" = "caf\xff")`,
		`instrument "obs.gauge": 1 measurement(s) had attributes that are not valid UTF-8`,
	} {
		if !rec.contains(wantMsg) {
			t.Errorf("no report containing %s", wantMsg)
		}
	}
	for _, text := range rec.texts() {
		if !utf8.ValidString(text) {
			t.Errorf("report is not valid UTF-8: %q", text)
		}
	}
	// Repairs that are not an error returned to a caller are warnings of
	// the global logger, as the official SDK's other warnings.
	rec.requireOn(t, onLogger, levelWarn, `instrument "valid.counter": 1 measurement(s) had attributes that are not valid UTF-8`)
}

// Series identity: a set is the series of its repaired form. The same
// invalid set, other invalid spellings of the same repair, and a valid set
// equal to the repair all land in one series (what a backend would merge
// anyway); distinct repairs stay distinct.
func TestInvalidUTF8SeriesIdentity(t *testing.T) {
	recordErrors(t)
	for _, temporality := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
		t.Run(temporality.String(), func(t *testing.T) {
			r := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality { return temporality }))
			c, _ := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("id").Int64Counter("c")
			ctx := context.Background()
			precomputed := metric.WithAttributeSet(attribute.NewSet(attribute.String("u", badStr)))
			c.Add(ctx, 1, precomputed)
			c.Add(ctx, 2, precomputed)
			c.Add(ctx, 4, metric.WithAttributes(attribute.String("u", badStr)))
			c.Add(ctx, 8, metric.WithAttributes(attribute.String("u", badStr2)))
			c.Add(ctx, 16, metric.WithAttributes(attribute.String("u", fixedStr)))
			c.Add(ctx, 32, metric.WithAttributes(attribute.String("u", "caf")))
			c.Add(ctx, 64, metric.WithAttributes(attribute.String("u"+badStr, "x")))
			c.Add(ctx, 128, metric.WithAttributes(attribute.String("u"+fixedStr, "x")))
			// Two invalid keys repairing to one: the attribute that sorted
			// last (key "u\xff" after "u\xfe") keeps its value.
			c.Add(ctx, 256, metric.WithAttributes(attribute.String("u\xfe", "first"), attribute.String("u\xff", "last")))
			// A bound handle on the invalid set records into the same series.
			bound := fastmeter.BindAdder(c, attribute.NewSet(attribute.String("u", badStr)))
			bound.Add(ctx, 512)
			bound.Add(ctx, 1024)
			rm := collectUTF8(t, r)
			want := map[string]int64{
				enc(attribute.String("u", fixedStr)):     1 + 2 + 4 + 8 + 16 + 512 + 1024,
				enc(attribute.String("u", "caf")):        32,
				enc(attribute.String("u"+fixedStr, "x")): 64 + 128,
				enc(attribute.String("u\uFFFD", "last")): 256,
			}
			if got := int64SumPoints(t, &rm, "id", "c"); !reflect.DeepEqual(got, want) {
				t.Errorf("points %v, want %v", got, want)
			}
		})
	}
}

// The repair report is rate-limited per instrument like the other bad-input
// reports: a hot loop with an invalid set reports once, naming the
// instrument, and every measurement is kept.
func TestInvalidUTF8ReportRateLimited(t *testing.T) {
	rec := recordDiagnostics(t)
	r := fastmeter.NewManualReader()
	m := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("flood")
	c, _ := m.Int64Counter("flood.counter")
	h, _ := m.Float64Histogram("flood.hist")
	ctx := context.Background()
	const n = 1000
	for range n {
		c.Add(ctx, 1, metric.WithAttributes(attribute.String("u", badStr)))
		h.Record(ctx, 1, metric.WithAttributes(attribute.String("u", badStr)))
	}
	reports := reportsNaming(t, rec, "flood.counter", "flood.hist")
	for _, name := range []string{"flood.counter", "flood.hist"} {
		if got := reports[name]; len(got) != 1 || !strings.Contains(got[0], "1 measurement(s) had attributes that are not valid UTF-8") {
			t.Errorf("%s: reports %q after %d measurements with invalid UTF-8, want exactly one (rate-limited) counting the first", name, got, n)
		}
	}
	rm := collectUTF8(t, r)
	if got := int64SumPoints(t, &rm, "flood", "flood.counter"); got[enc(attribute.String("u", fixedStr))] != n || len(got) != 1 {
		t.Errorf("flood.counter points %v, want %d in the repaired series", got, n)
	}
}

// Concurrent writers creating the same invalid set (each building it anew,
// so every one races to create the repaired series): one series with the
// exact total, on a cumulative stream and on a delta stream collected while
// they write.
func TestInvalidUTF8ConcurrentWritersOneSeries(t *testing.T) {
	recordErrors(t)
	const writers, perWriter = 8, 2000
	for _, temporality := range []metricdata.Temporality{metricdata.CumulativeTemporality, metricdata.DeltaTemporality} {
		t.Run(temporality.String(), func(t *testing.T) {
			r := fastmeter.NewManualReader(fastmeter.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality { return temporality }))
			m := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("race")
			c, _ := m.Int64Counter("c")
			h, _ := m.Int64Histogram("h")
			repaired := enc(attribute.String("u", fixedStr), attribute.Int("n", 1))
			var counterTotal int64
			var histCount uint64
			var series sync.Map // encoded sets seen in any collection
			gather := func() {
				rm := collectUTF8(t, r)
				for _, sm := range rm.ScopeMetrics {
					for _, mt := range sm.Metrics {
						switch d := mt.Data.(type) {
						case metricdata.Sum[int64]:
							for _, p := range d.DataPoints {
								series.Store(p.Attributes.Encoded(attribute.DefaultEncoder()), true)
								accumulate(&counterTotal, p.Value, temporality)
							}
						case metricdata.Histogram[int64]:
							for _, p := range d.DataPoints {
								series.Store(p.Attributes.Encoded(attribute.DefaultEncoder()), true)
								accumulate(&histCount, p.Count, temporality)
							}
						}
					}
				}
			}
			var wg sync.WaitGroup
			stop := make(chan struct{})
			collected := make(chan struct{})
			go func() { // collect while the writers write
				defer close(collected)
				for {
					select {
					case <-stop:
						return
					default:
						gather()
					}
				}
			}()
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx := context.Background()
					for range perWriter {
						// Alternate invalid spellings of one repaired set.
						u := badStr
						if w%2 == 1 {
							u = badStr2
						}
						opt := metric.WithAttributes(attribute.String("u", u), attribute.Int("n", 1))
						c.Add(ctx, 1, opt)
						h.Record(ctx, 1, opt)
					}
				}()
			}
			wg.Wait()
			close(stop)
			<-collected
			gather()
			if counterTotal != writers*perWriter || histCount != writers*perWriter {
				t.Errorf("counter total %d, histogram count %d; want %d each", counterTotal, histCount, writers*perWriter)
			}
			series.Range(func(k, _ any) bool {
				if k.(string) != repaired {
					t.Errorf("a point with attributes {%s}, want only {%s}", k, repaired)
				}
				return true
			})
		})
	}
}

// accumulate folds a collected value into a running total: delta points add
// up, a cumulative point is the total so far.
func accumulate[T int64 | uint64](total *T, v T, temporality metricdata.Temporality) {
	if temporality == metricdata.DeltaTemporality {
		*total += v
	} else {
		*total = v
	}
}

// The price of bad input, paid by it alone: a measurement with a set holding
// invalid UTF-8 is repaired on every call (the invalid set is never stored),
// next to the same measurement with the valid set it repairs to.
func BenchmarkInvalidUTF8Add(b *testing.B) {
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {})) // the repair reports are not the point here
	defer otel.SetErrorHandler(prev)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		user string
	}{{"ValidSet", fixedStr}, {"InvalidSet", badStr}} {
		b.Run(tc.name, func(b *testing.B) {
			m, _ := benchMeter()
			c, _ := m.Int64Counter("requests")
			opt := metric.WithAttributeSet(attribute.NewSet(append([]attribute.KeyValue{attribute.String("user", tc.user)}, benchAttrs...)...))
			c.Add(ctx, 1, opt)
			b.ReportAllocs()
			for b.Loop() {
				c.Add(ctx, 1, opt)
			}
		})
	}
}
