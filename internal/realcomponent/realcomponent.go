// Package realcomponent is what tests do when a real component they need
// (the Prometheus server, headless Chromium, the OpenTelemetry Collector)
// is not installed: skip on a developer's machine, with the reason and how
// to install it, but fail under CI, which must have installed every
// component (scripts/test.sh runs the installers), so that a test that
// never ran cannot pass as a skip in CI's log.
package realcomponent

import (
	"os"
	"strconv"
	"testing"
)

// UnderCI reports whether $CI says the tests run in CI: any value
// strconv.ParseBool reads as true (true, 1, TRUE, ...).
func UnderCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// Missing ends the test because a real component is missing: t.Fatal under
// CI (see UnderCI), t.Skip elsewhere. msg says what is missing and how to
// install it.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if UnderCI() {
		t.Fatalf("%s (CI=%s: a missing component fails the test instead of skipping it)", msg, os.Getenv("CI"))
		return
	}
	t.Skip(msg)
}
