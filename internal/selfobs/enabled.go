package selfobs

import (
	"os"
	"strings"
)

// envKeys are the switches read, in order; the first non-empty one decides,
// as the official SDK's feature lookup does (an empty value counts as unset).
var envKeys = [...]string{"OTEL_GO_X_OBSERVABILITY", "OTEL_GO_X_SELF_OBSERVABILITY"}

// Enabled reports whether self-observability is switched on. Like the
// official SDK it is read when a component (reader, exporter) is created,
// so a component keeps the state it was created with.
func Enabled() bool {
	for _, k := range envKeys {
		if v := os.Getenv(k); v != "" {
			return strings.EqualFold(v, "true")
		}
	}
	return false
}
