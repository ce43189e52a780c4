package otelconf

import (
	"errors"
	"fmt"
)

// PathError is an entry of the configuration that fastmeter rejects: a key
// the schema does not define, a value of the wrong type, or a setting
// fastmeter cannot honour. Path names the entry the way it is written in
// the file, for example
// "meter_provider.readers[1].periodic.exporter.otlp_grpc.compression".
type PathError struct {
	// Path is the dotted path of the entry, with [i] for list elements.
	Path string
	// Err says what is wrong with it.
	Err error
}

// Error returns "otelconf: <path>: <reason>".
func (e *PathError) Error() string {
	return "otelconf: " + e.Path + ": " + e.Err.Error()
}

// Unwrap returns the reason, so errors.Is and errors.As see through the path.
func (e *PathError) Unwrap() error { return e.Err }

// ErrUnsupported is the reason of every PathError for a setting that the
// schema defines but fastmeter cannot honour: errors.Is(err, ErrUnsupported)
// tells those apart from mistakes in the file.
var ErrUnsupported = errors.New("not supported by fastmeter")

// pathErrorf returns a PathError at path with a formatted reason.
func pathErrorf(path, format string, args ...any) error {
	return &PathError{Path: path, Err: fmt.Errorf(format, args...)}
}

// unsupported returns a PathError at path whose reason wraps ErrUnsupported.
func unsupported(path, format string, args ...any) error {
	return &PathError{Path: path, Err: fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...)}
}

// child joins a key to a path ("" is the document's root).
func child(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index joins a list index to a path.
func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}
