package testenv

import (
	"os"
	"strings"
	"testing"
)

// CleanEnv unsets every OTEL_* variable for the test, so that the
// machine's environment cannot change a result.
func CleanEnv(t testing.TB) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "OTEL_") {
			t.Setenv(name, "")
		}
	}
}

// SetEnv is CleanEnv, then sets every variable of env for the test.
func SetEnv(t testing.TB, env map[string]string) {
	t.Helper()
	CleanEnv(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
}
