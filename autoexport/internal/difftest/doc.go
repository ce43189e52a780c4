// Package difftest runs the same programs on go.opentelemetry.io/contrib/exporters/autoexport
// with the official SDK and on github.com/fastmeter/fastmeter/autoexport
// with fastmeter, and requires the same data out of both.
//
// It is a Go module of its own so that what only these tests need (contrib
// autoexport itself, the official SDK's exporters, grpc for a receiver) is
// never a requirement of the autoexport module, and so never enters the
// module graph of a program that imports autoexport. It holds tests only;
// nothing imports it.
package difftest
