// Package testenv holds test helpers that the tests of several fastmeter
// modules share (autoconfig, otelconf, autoexport and its differential tests in
// autoexport/internal/difftest), so that they are written once: Go's
// internal rule is about import paths, so every github.com/fastmeter/fastmeter/...
// module may import it. It imports only the standard library, so it adds
// nothing to any module's requirements, and no SDK package imports it.
package testenv
