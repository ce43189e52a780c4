// Package testenv holds the helpers that both the autoexport package's
// tests and its differential tests (in the tests-only module
// autoexport/internal/difftest) use, so that they are written once. It
// imports only the standard library: being a package of the autoexport
// module, anything it imported would become a requirement of that module.
package testenv
