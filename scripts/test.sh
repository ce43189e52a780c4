#!/usr/bin/env bash
# The whole fastmeter test suite, runnable on a fresh machine (Debian, Go,
# root for apt-get). It installs and builds what the tests need (Debian's
# prometheus and chromium, an OpenTelemetry Collector), then runs:
#   1. gofmt and go vet over every module,
#   2. go test -race over the main module (unit, conformance, real
#      Prometheus and headless-Chromium tests),
#   3. the autoexport and otelconf modules' tests (race detector), then the
#      real-Collector end-to-end tests (e2e/, its own module),
#   4. the benchmark suite's equivalence tests and a one-iteration smoke run
#      of every benchmark (benchmarks/, its own module).
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-}"

step() { printf '\n==> %s\n' "$*"; }

step "install test dependencies"
for installer in scripts/install-*.sh; do
	[ -e "$installer" ] || continue
	echo "-- $installer"
	bash "$installer"
done

modules=(.)
[ -f e2e/go.mod ] && modules+=(e2e)
[ -f autoexport/go.mod ] && modules+=(autoexport)
[ -f otelconf/go.mod ] && modules+=(otelconf)
[ -f benchmarks/go.mod ] && modules+=(benchmarks)

step "gofmt"
unformatted=$(gofmt -l . || true)
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:"; echo "$unformatted"; exit 1
fi

step "go vet"
for m in "${modules[@]}"; do (cd "$m" && go vet ./...); done

step "unit, conformance and real-component tests (race detector)"
go test -race -count=1 -timeout 25m ./...

if [ -f autoexport/go.mod ]; then
	step "autoexport module: unit and differential tests (race detector)"
	(cd autoexport && go test -race -count=1 -timeout 10m ./...)
fi

if [ -f otelconf/go.mod ]; then
	step "otelconf module: configuration files, differential and real-receiver tests (race detector)"
	(cd otelconf && go test -race -count=1 -timeout 10m ./...)
fi

if [ -f e2e/go.mod ]; then
	step "end to end against a real OpenTelemetry Collector"
	(cd e2e && go test -count=1 -timeout 15m ./...)
fi

if [ -f benchmarks/go.mod ]; then
	step "benchmark equivalence tests and smoke run"
	(cd benchmarks && go test -count=1 -timeout 10m ./... && go test -run '^$' -bench . -benchtime 1x -timeout 10m ./...)
fi

step "all tests passed"
