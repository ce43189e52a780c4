#!/usr/bin/env bash
# The whole fastmeter test suite, runnable on a fresh machine (Debian, Go,
# root for apt-get). It installs and builds what the tests need (Debian's
# prometheus and chromium, an OpenTelemetry Collector), then runs:
#   1. gofmt over the repository; for every module, with GOWORK=off (so each
#      module's own go.mod and replace directives are what is proven):
#      go.mod tidy, go build and go vet; then that go.work lists every
#      module and the README's `go run ./cmd/fastmeter-demo` builds,
#   2. the module-graph check: a program importing the root package,
#      autoexport or otelconf has no module the official program it replaces
#      lacks (but fastmeter's own and a documented allow-list), and none at
#      a higher version (scripts/check-module-graph.sh),
#   3. go test -race over every module except e2e/ and benchmarks/ (unit,
#      conformance, real Prometheus and headless-Chromium tests),
#   4. the real-Collector end-to-end tests (e2e/),
#   5. the benchmark suite's equivalence tests and a one-iteration smoke run
#      of every benchmark (benchmarks/).
#
# Modules are found, not listed: every go.mod under the repository (outside
# hidden directories and testdata) is one. To add a module: create its
# directory with a go.mod whose module path is github.com/fastmeter/fastmeter/<dir>,
# require and replace (relative ../ paths) every fastmeter module it uses,
# directly or not, run `GOWORK=off go mod tidy` in it, and `go work use ./<dir>`
# at the root. This script then vets and race-tests it with no change here.
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

# Every module's directory, relative to the root, the root first.
mapfile -t modules < <(find . -mindepth 1 \( -name '.*' -o -name testdata \) -prune -o -name go.mod -printf '%h\n' |
	sed 's|^\./||' | LC_ALL=C sort)
echo "modules: ${modules[*]}"

# in_module DIR CMD...: runs CMD in module DIR without the workspace.
in_module() {
	local dir=$1
	shift
	(cd "$dir" && GOWORK=off "$@") || {
		echo "failed in module $dir: $*" >&2
		return 1
	}
}

# go_test ARGS...: go test -v, filtered by scripts/go-test-filter.awk so that
# skips and failures (with their messages) and go test's closing ok/FAIL lines
# show in the log, and passing tests' chatter does not; pipefail keeps go
# test's exit status.
go_test() {
	go test -v "$@" 2>&1 | awk -f "$root/scripts/go-test-filter.awk"
}
root=$PWD

step "gofmt"
unformatted=$(gofmt -l . || true)
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:"; echo "$unformatted"; exit 1
fi

step "go.mod tidy, go build and go vet, per module (GOWORK=off)"
for m in "${modules[@]}"; do
	echo "-- $m"
	in_module "$m" go mod tidy -diff
	in_module "$m" go build -o /dev/null ./...
	in_module "$m" go vet ./...
done

step "go.work lists every module; README's go run ./cmd/fastmeter-demo builds"
mapfile -t workspace < <(go list -m -f '{{.Dir}}' | sed "s|^$PWD/\{0,1\}||; s|^$|.|" | LC_ALL=C sort)
if [ "${workspace[*]}" != "${modules[*]}" ]; then
	echo "go.work uses: ${workspace[*]}"
	echo "modules:      ${modules[*]}"
	echo "run go work use for the missing ones (or drop the stale ones)"; exit 1
fi
go build -o /dev/null ./cmd/fastmeter-demo

step "module graph: each public module (root, prometheus, autoexport, otelconf, otlp) costs a user no more than its official counterpart"
bash scripts/check-module-graph.sh

step "unit, conformance and real-component tests (race detector), per module"
for m in "${modules[@]}"; do
	case "$m" in e2e | benchmarks) continue ;; esac # their own steps below
	echo "-- $m"
	in_module "$m" go_test -race -count=1 -timeout 25m ./...
done

if [ -f e2e/go.mod ]; then
	step "end to end against a real OpenTelemetry Collector"
	in_module e2e go_test -count=1 -timeout 15m ./...
fi

if [ -f benchmarks/go.mod ]; then
	step "benchmark equivalence tests and smoke run"
	in_module benchmarks go_test -count=1 -timeout 10m ./...
	in_module benchmarks go test -run '^$' -bench . -benchtime 1x -timeout 10m ./...
fi

step "all tests passed"
