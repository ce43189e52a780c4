#!/usr/bin/env bash
# Builds the OpenTelemetry Collector used by the e2e tests (e2e/) with the
# official builder, pinned to v0.160.0, and caches the binary in e2e/.collector/.
#
# Idempotent and non-interactive: when the cached binary exists and was built
# from the current manifest (e2e/collector/builder-config.yaml, compared by
# sha256) the script does nothing. Needs only Go and the Go module proxy.
#
# Output: e2e/.collector/otelcol-fastmeter (the tests find it there, or at
# $FASTMETER_OTELCOL when that is set).
set -euo pipefail

BUILDER_VERSION=v0.160.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
manifest="$root/e2e/collector/builder-config.yaml"
cache="$root/e2e/.collector"
binary="$cache/otelcol-fastmeter"
stamp="$cache/otelcol-fastmeter.sha256"

command -v go >/dev/null || { echo "install-collector: go is not on PATH" >&2; exit 1; }
mkdir -p "$cache"

# The stamp covers the manifest and the builder version, so changing either rebuilds.
want="$( { cat "$manifest"; echo "builder $BUILDER_VERSION"; } | sha256sum | cut -d' ' -f1)"

up_to_date() {
  [[ -x "$binary" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$binary" --version >/dev/null 2>&1
}

# Serialise concurrent runs (two engineers or two CI steps) on one lock file.
if command -v flock >/dev/null; then
  exec 9>"$cache/.lock"
  flock 9
fi

if up_to_date; then
  echo "install-collector: cached $binary is up to date"
  exit 0
fi

echo "install-collector: building the collector (cold build takes a few minutes)"
export GOBIN="$cache/bin"
if [[ ! -x "$GOBIN/builder" ]] || ! "$GOBIN/builder" version 2>/dev/null | grep -q "${BUILDER_VERSION#v}"; then
  go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION"
fi

work="$cache/build"
rm -rf "$work"
mkdir -p "$work"
# The committed manifest has no output_path; point the builder at our cache.
gen="$cache/builder-config.gen.yaml"
sed "s|^dist:|dist:\n  output_path: $work/src|" "$manifest" >"$gen"

export CGO_ENABLED=0
# The collector's generated module lives under the repository, whose go.work
# would otherwise put the go command in workspace mode (where -mod=mod is
# refused and the collector's requirements would mix with ours).
export GOWORK=off
# The sources live inside the repository's checkout: do not stamp them with
# its VCS state (that fails where git is missing).
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
ldflags="-s -w"
# The builder's output goes to a log, shown only when the build fails: its
# first attempt can fail harmlessly (below), and a passing test log should
# not carry its "Error: ..." lines.
log="$cache/builder.log"
if ! "$GOBIN/builder" --config "$gen" --ldflags "$ldflags" >"$log" 2>&1; then
  # The builder runs its own `go mod tidy`, which fails against a partial
  # module proxy (HTTP 403 for a module it does not serve); generating the
  # sources and building them with -mod=mod works there.
  reason=$(grep -m1 -o 'failed to update go.mod[^:]*' "$log" || echo "see $log")
  echo "install-collector: note: the builder's own go mod tidy did not complete ($reason);" \
    "building its generated sources with go build -mod=mod instead, as expected with a partial module proxy"
  # The sources and go.mod are written before the builder's tidy step fails,
  # so regenerate them (ignoring that failure) and check the go.mod is there:
  # without it `go build` would walk up into the e2e module.
  rm -rf "$work/src"
  "$GOBIN/builder" --config "$gen" --skip-compilation >>"$log" 2>&1 || true
  if [[ ! -f "$work/src/go.mod" ]]; then
    cat "$log" >&2
    echo "install-collector: builder did not generate $work/src/go.mod (its log is above)" >&2
    exit 1
  fi
  if ! (cd "$work/src" && go build -mod=mod -trimpath -ldflags "$ldflags" -o otelcol-fastmeter .); then
    cat "$log" >&2
    echo "install-collector: go build of the generated collector failed (the builder's log is above)" >&2
    exit 1
  fi
fi

# Install atomically: a reader never sees a half-written binary.
cp "$work/src/otelcol-fastmeter" "$binary.tmp"
mv -f "$binary.tmp" "$binary"
echo "$want" >"$stamp"
rm -rf "$work"
"$binary" --version
echo "install-collector: installed $binary ($(du -h "$binary" | cut -f1))"
