package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// checkResourceAttributes validates OTEL_RESOURCE_ATTRIBUTES before the
// SDK's environment detector reads it: the detector drops an entry without
// '=' and keeps a malformed %-escape verbatim, reporting either only through
// otel.Handle.
func checkResourceAttributes() error {
	raw, ok := lookupEnv(envResourceAttributes)
	if !ok {
		return nil
	}
	var problems []string
	for i, pair := range strings.Split(raw, ",") {
		key, value, found := strings.Cut(pair, "=")
		switch {
		case !found:
			problems = append(problems, fmt.Sprintf("entry %d (%q) has no '='", i+1, pair))
		case strings.TrimSpace(key) == "":
			problems = append(problems, fmt.Sprintf("entry %d (%q) has an empty key", i+1, pair))
		default:
			if _, err := url.PathUnescape(strings.TrimSpace(value)); err != nil {
				problems = append(problems, fmt.Sprintf("entry %d (%q) has a malformed %%-escape", i+1, pair))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &EnvError{Name: envResourceAttributes, Value: raw,
		Reason: "expected key=value pairs separated by commas, values percent-encoded; " + strings.Join(problems, "; ")}
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
