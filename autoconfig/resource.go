package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// checkResourceAttributes validates OTEL_RESOURCE_ATTRIBUTES before the
// SDK's environment detector reads it: the detector drops an entry without
// '=' and keeps a malformed %-escape verbatim, reporting either only through
// otel.Handle. It also keeps a key or decoded value that is not UTF-8,
// which OTLP cannot carry: every export would then fail to marshal.
func checkResourceAttributes() error {
	raw, ok := lookupEnv(envResourceAttributes)
	if !ok {
		return nil
	}
	var problems []string
	for i, pair := range strings.Split(raw, ",") {
		// Parsed as the detector parses it: the key trimmed and taken
		// as is, the value trimmed, then percent-decoded.
		key, value, found := strings.Cut(pair, "=")
		key = strings.TrimSpace(key)
		if !found {
			problems = append(problems, fmt.Sprintf("entry %d (%q) has no '='", i+1, pair))
			continue
		}
		if key == "" {
			problems = append(problems, fmt.Sprintf("entry %d (%q) has an empty key", i+1, pair))
			continue
		}
		if where := invalidUTF8(key); where != "" {
			problems = append(problems, fmt.Sprintf("entry %d (%q): the key is not valid UTF-8 (%s)", i+1, pair, where))
			continue
		}
		decoded, err := url.PathUnescape(strings.TrimSpace(value))
		if err != nil {
			problems = append(problems, fmt.Sprintf("entry %d (%q) has a malformed %%-escape", i+1, pair))
			continue
		}
		if where := invalidUTF8(decoded); where != "" {
			problems = append(problems, fmt.Sprintf("entry %d (%q): the value decodes to invalid UTF-8 (%s)", i+1, pair, where))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	// Value is printed with %q, so an invalid byte shows as \xff.
	return &EnvError{Name: envResourceAttributes, Value: raw,
		Reason: "expected key=value pairs of UTF-8 text separated by commas, values percent-encoded; " +
			strings.Join(problems, "; ")}
}

// checkServiceName requires OTEL_SERVICE_NAME, which the detector uses
// verbatim (it is not percent-decoded), to be UTF-8 for the same reason.
func checkServiceName() error {
	raw, ok := lookupEnv(envServiceName)
	if !ok {
		return nil
	}
	if where := invalidUTF8(raw); where != "" {
		return &EnvError{Name: envServiceName, Value: raw,
			Reason: "not valid UTF-8 (" + where + "); OTLP carries only UTF-8 strings"}
	}
	return nil
}

// invalidUTF8 describes where s stops being valid UTF-8 ("byte 0xFF at
// offset 3"), or returns "" if it is valid. The byte is named rather than
// printed: raw, it would make the message unreadable.
func invalidUTF8(s string) string {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Sprintf("byte 0x%02X at offset %d", s[i], i)
			}
		}
	}
	return ""
}

// buildResource detects the resource the way the official SDK's defaults
// do and adds what a service's metrics are usually grouped by. Later
// detectors win, so the environment (OTEL_RESOURCE_ATTRIBUTES, then
// OTEL_SERVICE_NAME) overrides what is detected, and user (WithResource)
// overrides everything. The SDK's own resource.Default is not used: it is
// computed once per process and would ignore later changes to the
// environment.
//
// Host, OS, process and container detectors describe the machine; their
// failures are not the user's input, so they are reported through warn
// and the attributes they did find are kept. Process command-line arguments
// and owner are left out: arguments often carry secrets.
func buildResource(ctx context.Context, user *resource.Resource, warn func(error)) (*resource.Resource, error) {
	detected, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(defaultServiceName())),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithOS(),
		resource.WithProcessPID(),
		resource.WithProcessExecutableName(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
		resource.WithProcessRuntimeDescription(),
		resource.WithContainer(),
		resource.WithFromEnv(),
	)
	if err != nil {
		if detected == nil {
			return nil, fmt.Errorf("autoconfig: detect resource: %w", err)
		}
		warn(fmt.Errorf("autoconfig: resource detection incomplete, keeping what was found: %w", err))
	}
	if user == nil {
		return detected, nil
	}
	merged, err := resource.Merge(detected, user)
	if err != nil {
		if !errors.Is(err, resource.ErrSchemaURLConflict) || merged == nil {
			return nil, fmt.Errorf("autoconfig: merge WithResource: %w", err)
		}
		// Same fallback as the official WithResource: keep every
		// attribute, drop the conflicting schema URL.
		warn(fmt.Errorf("autoconfig: WithResource: %w; the resource has no schema URL", err))
	}
	return merged, nil
}

// defaultServiceName is the specification's fallback service.name,
// "unknown_service:" followed by the executable name, as the official SDK
// computes it.
func defaultServiceName() string {
	exe, err := os.Executable()
	if err != nil {
		return "unknown_service:go"
	}
	return "unknown_service:" + filepath.Base(exe)
}
