// Package globallog writes to the OpenTelemetry global logger, the logr.Logger
// a program installs with otel.SetLogger, at the verbosity levels the official
// SDK uses: Warn is V(1), Info V(4), Error is logr's Error (shown at every
// verbosity). The official SDK sends its warnings, informational messages and
// configuration errors there and reserves otel.Handle for errors of running
// operations (a failed export); fastmeter follows the same split, so a program
// that captures the logger sees fastmeter's warnings and one with a strict
// error handler is not failed by them.
//
// The otel module exposes SetLogger but no way to read the logger back, so
// these functions are bound with go:linkname to the ones the official SDK
// itself calls (go.opentelemetry.io/otel/internal/global). That package is
// part of every program importing go.opentelemetry.io/otel (as fastmeter
// does), its functions have had these signatures since otel v1.0, and
// TestGlobalLoggerReceivesWarnings in this package fails if a future otel
// version changes them.
package globallog

import (
	_ "unsafe" // for go:linkname

	_ "go.opentelemetry.io/otel" // links go.opentelemetry.io/otel/internal/global
)

// Warn logs a warning (logr V(1)): something is likely wrong, but the SDK
// goes on as documented.
//
//go:linkname Warn go.opentelemetry.io/otel/internal/global.Warn
func Warn(msg string, keysAndValues ...any)

// Info logs an informational message (logr V(4)) about the SDK's state.
//
//go:linkname Info go.opentelemetry.io/otel/internal/global.Info
func Info(msg string, keysAndValues ...any)

// Error logs an error (logr Error): a configuration or programming mistake
// the SDK worked around, or data it could not record.
//
//go:linkname Error go.opentelemetry.io/otel/internal/global.Error
func Error(err error, msg string, keysAndValues ...any)
