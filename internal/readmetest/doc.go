// Package readmetest holds a test only: every Go block of the repository's
// README.md compiles (see readme_test.go for how fragments are completed).
// It is a module of its own so that the packages the examples use (the
// exporters, autoexport, otelconf) never enter the root module's graph.
package readmetest
