package transport

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":     0,
		"7":    7 * time.Second,
		" 2 ":  2 * time.Second,
		"-1":   0,
		"soon": 0,
		now.Add(30 * time.Second).Format(http.TimeFormat): 30 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
	} {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestPartialFromJSON(t *testing.T) {
	for in, want := range map[string]PartialSuccess{
		``:                      {},
		`{}`:                    {},
		`{"partialSuccess":{}}`: {},
		`{"partialSuccess":{"rejectedDataPoints":"3","errorMessage":"m"}}`: {3, "m"},
		`{"partialSuccess":{"rejectedDataPoints":4}}`:                      {RejectedDataPoints: 4},
	} {
		got, err := partialFromJSON([]byte(in))
		if err != nil || got != want {
			t.Errorf("partialFromJSON(%s) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	if _, err := partialFromJSON([]byte(`{"partialSuccess":{"rejectedDataPoints":"x"}}`)); err == nil {
		t.Error("a bad count was accepted")
	}
}

func TestPartialFromProtoRejectsGarbage(t *testing.T) {
	if _, err := partialFromProto([]byte{0x0a, 0x05, 0x01}); err == nil {
		t.Error("a truncated response was accepted")
	}
}

// The backoff doubles up to MaxInterval and every wait stays within the
// jitter band; it stops at MaxElapsedTime.
func TestRetryBudget(t *testing.T) {
	r := Retry{Enabled: true, InitialInterval: time.Millisecond, MaxInterval: 4 * time.Millisecond, MaxElapsedTime: 30 * time.Millisecond}
	attempts := 0
	err := r.Do(context.Background(), func(context.Context) error {
		attempts++
		return &RetryableError{Err: errors.New("down")}
	})
	if err == nil || attempts < 3 {
		t.Fatalf("err %v after %d attempts", err, attempts)
	}
	disabled := Retry{}
	attempts = 0
	_ = disabled.Do(context.Background(), func(context.Context) error {
		attempts++
		return &RetryableError{Err: errors.New("down")}
	})
	if attempts != 1 {
		t.Fatalf("disabled retry made %d attempts", attempts)
	}
}
