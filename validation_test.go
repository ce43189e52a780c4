package fastmeter_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fastmeter/fastmeter"
)

// errorRecorder captures what the SDK reports through otel.Handle.
type errorRecorder struct {
	mu   sync.Mutex
	errs []error
}

func (e *errorRecorder) Handle(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, err)
}

func (e *errorRecorder) contains(substr string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, err := range e.errs {
		if strings.Contains(err.Error(), substr) {
			return true
		}
	}
	return false
}

func recordErrors(t *testing.T) *errorRecorder {
	rec := &errorRecorder{}
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(rec)
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	return rec
}

func TestInvalidNameReturnsErrorAndWorkingInstrument(t *testing.T) {
	recordErrors(t)
	r := fastmeter.NewManualReader()
	m := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("v")
	for _, name := range []string{"", "1abc", "has space", strings.Repeat("a", 256)} {
		c, err := m.Int64Counter(name)
		if !errors.Is(err, fastmeter.ErrInstrumentName) {
			t.Errorf("name %q: err = %v, want ErrInstrumentName", name, err)
		}
		c.Add(context.Background(), 1)
	}
	if n := len(collect(t, r).ScopeMetrics[0].Metrics); n != 4 {
		t.Fatalf("%d metrics reported, want 4 working instruments", n)
	}
}

func TestUnitAndDescriptionValidation(t *testing.T) {
	rec := recordDiagnostics(t)
	r := fastmeter.NewManualReader()
	m := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("v")

	_, err := m.Int64Counter("long.unit", metric.WithUnit(strings.Repeat("u", 64)))
	if err == nil || !strings.Contains(err.Error(), "limit is 63") {
		t.Errorf("64-char unit: err = %v", err)
	}
	_, err = m.Int64Counter("nonascii.unit", metric.WithUnit("µs"))
	if err == nil || !strings.Contains(err.Error(), "ASCII") {
		t.Errorf("non-ASCII unit: err = %v", err)
	}
	c, err := m.Int64Counter("bad.description", metric.WithDescription("ok \xff bytes"))
	if err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("invalid UTF-8 description: err = %v", err)
	}
	rec.note(err)
	c.Add(context.Background(), 1)
	_, err = m.Int64Counter("long.description", metric.WithDescription(strings.Repeat("d", 1024)))
	if err == nil || !strings.Contains(err.Error(), "1023") {
		t.Errorf("1024-char description: err = %v", err)
	}
	got := metricNamed(t, collect(t, r), "bad.description")
	if got.Description != "ok \uFFFD bytes" {
		t.Errorf("description = %q, want the repaired UTF-8", got.Description)
	}
	if !rec.contains("description repaired") {
		t.Error("the repair was not reported")
	}
}

// Duplicate registrations resolve per the specification: a name differing
// only in case, or a different description, returns the first instrument with
// its first-seen casing and description (and a warning); a different unit is
// a conflict that keeps both streams.
func TestDuplicateRegistration(t *testing.T) {
	rec := recordDiagnostics(t)
	r := fastmeter.NewManualReader()
	m := fastmeter.NewMeterProvider(fastmeter.WithReader(r)).Meter("v")
	ctx := context.Background()

	first, _ := m.Int64Counter("Requests", metric.WithDescription("first"))
	same, _ := m.Int64Counter("Requests", metric.WithDescription("first"))
	if first != same {
		t.Fatal("an identical registration must return the same instrument")
	}
	recased, _ := m.Int64Counter("requests", metric.WithDescription("second"))
	if recased != first {
		t.Fatal("a registration differing in casing and description must return the first instrument")
	}
	rec.requireOn(t, onLogger, levelWarn, "returning the first registration") // as the official SDK warns
	first.Add(ctx, 1)
	recased.Add(ctx, 2)

	other, _ := m.Int64Counter("requests", metric.WithUnit("ms"))
	other.Add(ctx, 5)
	rec.requireOn(t, onLogger, levelWarn, "conflicting identities")

	rm := collect(t, r)
	var names []string
	for _, md := range rm.ScopeMetrics[0].Metrics {
		names = append(names, md.Name+"|"+md.Description+"|"+md.Unit)
	}
	want := []string{"Requests|first|", "requests||ms"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("streams %v, want %v", names, want)
	}
	if v := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64]).DataPoints[0].Value; v != 3 {
		t.Fatalf("first stream = %d, want 3", v)
	}
}

// zeroReader is what a zero value of a type embedding Reader looks like
// (prometheus.Exporter{} instead of prometheus.New()): every method panics.
type zeroReader struct{ fastmeter.Reader }

func TestUnusableReaderIsReportedNotFatal(t *testing.T) {
	rec := recordErrors(t)
	good := fastmeter.NewManualReader()
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(zeroReader{}), fastmeter.WithReader(good))
	c, _ := mp.Meter("m").Int64Counter("c")
	c.Add(context.Background(), 4)
	if v := metricNamed(t, collect(t, good), "c").Data.(metricdata.Sum[int64]).DataPoints[0].Value; v != 4 {
		t.Fatalf("the usable reader got %d, want 4", v)
	}
	if !rec.contains("zeroReader is not usable") {
		t.Fatalf("the unusable reader was not reported: %v", rec.errs)
	}
	if err := mp.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
