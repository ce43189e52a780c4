package globallog

import (
	"errors"
	"testing"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/otel"
)

// entry is one call the test sink received.
type entry struct {
	level int // V level of an Info call; -1 for Error
	msg   string
	err   error
}

type sink struct{ got *[]entry }

func (sink) Init(logr.RuntimeInfo)            {}
func (sink) Enabled(level int) bool           { return level <= 8 }
func (s sink) WithValues(...any) logr.LogSink { return s }
func (s sink) WithName(string) logr.LogSink   { return s }
func (s sink) Info(level int, msg string, _ ...any) {
	*s.got = append(*s.got, entry{level: level, msg: msg})
}
func (s sink) Error(err error, msg string, _ ...any) {
	*s.got = append(*s.got, entry{level: -1, msg: msg, err: err})
}

// TestGlobalLoggerReceivesWarnings: the linknamed functions reach the
// logger installed with otel.SetLogger, at the official levels.
func TestGlobalLoggerReceivesWarnings(t *testing.T) {
	var got []entry
	otel.SetLogger(logr.New(sink{got: &got}))
	boom := errors.New("boom")
	Warn("w")
	Info("i")
	Error(boom, "e")
	want := []entry{{level: 1, msg: "w"}, {level: 4, msg: "i"}, {level: -1, msg: "e", err: boom}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
