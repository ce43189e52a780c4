package fastmeter_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/otel"
)

// The channels a diagnostic can reach, as the official SDK splits them:
// the OpenTelemetry global logger (otel.SetLogger) for warnings,
// informational messages and configuration errors, the error handler
// (otel.SetErrorHandler) for errors of running operations. "returned" marks
// an error a test got back from a call and noted (diagRecorder.note).
const (
	onLogger   = "logger"
	onHandler  = "handler"
	onReturned = "returned"

	levelError = -1 // a logr Error call; Info calls carry their V level
	levelWarn  = 1
)

// diagEntry is one diagnostic a diagRecorder received.
type diagEntry struct {
	channel string
	level   int // for onLogger: the V level, or levelError
	text    string
}

// diagRecorder records what fastmeter sends to the global logger and to the
// error handler.
type diagRecorder struct {
	mu      sync.Mutex
	entries []diagEntry
}

func (d *diagRecorder) add(e diagEntry) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.entries = append(d.entries, e)
}

// note records an error a call returned, so that a test can look for a
// problem wherever fastmeter reports it.
func (d *diagRecorder) note(err error) {
	if err != nil {
		d.add(diagEntry{channel: onReturned, level: levelError, text: err.Error()})
	}
}

// contains reports whether any diagnostic, on any channel, contains substr.
func (d *diagRecorder) contains(substr string) bool {
	return d.find(substr) != nil
}

// find returns the first diagnostic containing substr, or nil.
func (d *diagRecorder) find(substr string) *diagEntry {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.entries {
		if strings.Contains(d.entries[i].text, substr) {
			e := d.entries[i]
			return &e
		}
	}
	return nil
}

// requireOn fails the test unless a diagnostic containing substr arrived on
// channel (at level, for the logger).
func (d *diagRecorder) requireOn(t *testing.T, channel string, level int, substr string) {
	t.Helper()
	e := d.find(substr)
	switch {
	case e == nil:
		t.Errorf("no diagnostic containing %q; got %v", substr, d.texts())
	case e.channel != channel || (channel == onLogger && e.level != level):
		t.Errorf("diagnostic %q arrived on %s (level %d), want %s (level %d)", e.text, e.channel, e.level, channel, level)
	}
}

func (d *diagRecorder) texts() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]string, len(d.entries))
	for i, e := range d.entries {
		out[i] = e.text
	}
	return out
}

// texts is the errors' text, so that helpers take either recorder.
func (e *errorRecorder) texts() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, len(e.errs))
	for i, err := range e.errs {
		out[i] = err.Error()
	}
	return out
}

// recordDiagnostics installs a diagRecorder as the global logger (errors
// and warnings; informational messages are not recorded) and as the error handler until the test ends. The
// logger cannot be read back to restore it, so the test leaves a discarding
// one.
func recordDiagnostics(t *testing.T) *diagRecorder {
	d := &diagRecorder{}
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		d.add(diagEntry{channel: onHandler, level: levelError, text: err.Error()})
	}))
	otel.SetLogger(logr.New(diagSink{d: d}))
	t.Cleanup(func() {
		otel.SetErrorHandler(prev)
		otel.SetLogger(logr.Discard())
	})
	return d
}

// diagSink is the logr.LogSink of a diagRecorder.
type diagSink struct{ d *diagRecorder }

func (diagSink) Init(logr.RuntimeInfo)            {}
func (diagSink) Enabled(level int) bool           { return level <= levelWarn }
func (s diagSink) WithValues(...any) logr.LogSink { return s }
func (s diagSink) WithName(string) logr.LogSink   { return s }
func (s diagSink) Info(level int, msg string, kv ...any) {
	s.d.add(diagEntry{channel: onLogger, level: level, text: logText(msg, nil, kv)})
}
func (s diagSink) Error(err error, msg string, kv ...any) {
	s.d.add(diagEntry{channel: onLogger, level: levelError, text: logText(msg, err, kv)})
}

// logText is a log call as one line: the message, the error, the key-values.
func logText(msg string, err error, kv []any) string {
	parts := []string{msg}
	if err != nil {
		parts = append(parts, err.Error())
	}
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, fmt.Sprintf("%v=%v", kv[i], kv[i+1]))
	}
	return strings.Join(parts, " ")
}
