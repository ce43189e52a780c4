#!/usr/bin/env bash
# check-module-graph.sh: importing fastmeter must cost a user no more modules
# than importing the official SDK.
#
# It writes the same small program twice in throwaway modules (go 1.26.0,
# GOWORK=off, tidied): once importing go.opentelemetry.io/otel/sdk/metric
# (the official SDK at the version fastmeter is a drop-in for), once importing
# github.com/fastmeter/fastmeter (replaced by this checkout). It then compares
# their `go list -m all` and fails unless
#   - every module of the fastmeter program's graph, except the user's own
#     module and fastmeter itself, is also in the official program's graph,
#     at a version no higher than there (a higher one would be a minimum the
#     user could not go below), and
#   - the user's go line is still 1.26.0 (fastmeter's go directive does not
#     raise it).
# The one line more is the fastmeter module itself, which cannot be avoided: it
# requires sdk/metric for the contract types it aliases. The check covers the
# root module only; the other modules (prometheus, autoconfig, metricz, ...)
# bring their own dependencies by design (README.md, "Modules").
#
# Needs the Go module proxy (or a module cache that has these modules).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

official_module=go.opentelemetry.io/otel/sdk/metric
official_version=v1.47.0
fastmeter_module=github.com/fastmeter/fastmeter
user_go=1.26.0

export GOWORK=off GOFLAGS=-mod=mod
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# user_program DIR IMPORT REQUIRE... writes and tidies a user module in DIR
# whose main package imports IMPORT as sdkmetric, then prints its go version
# and module graph ("path version" lines) to DIR/go-line and DIR/graph.
user_program() {
	local dir=$1 import=$2
	shift 2
	mkdir -p "$dir"
	cat >"$dir/main.go" <<EOF
package main

import (
	"context"

	sdkmetric "$import"
)

func main() {
	mp := sdkmetric.NewMeterProvider()
	_ = mp.Shutdown(context.Background())
}
EOF
	(
		cd "$dir"
		go mod init example.com/user >/dev/null 2>&1
		go mod edit -go="$user_go" "$@"
		go mod tidy
		go build -o /dev/null .
		go list -m -f '{{.GoVersion}}' >go-line
		go list -m all | sed 1d >graph # without the user's own module
	)
}

user_program "$tmp/official" "$official_module" -require="$official_module@$official_version"
user_program "$tmp/fastmeter" "$fastmeter_module" \
	-require="$fastmeter_module@v0.0.0-00010101000000-000000000000" \
	-replace="$fastmeter_module=$root"

# version_le A B: whether module version A <= B (semantic versions, including
# pseudo-versions; a pre-release sorts before its release).
version_le() {
	local a=$1 b=$2
	[[ $a == "$b" ]] && return 0
	# sort -V orders v1.2.3 before v1.2.3-rc.1; semver says the other way.
	[[ $a == "$b"-* ]] && return 0
	[[ $b == "$a"-* ]] && return 1
	[[ $(printf '%s\n%s\n' "$a" "$b" | sort -V | head -1) == "$a" ]]
}

declare -A official
while read -r path version; do official[$path]=$version; done <"$tmp/official/graph"

problems=()
while read -r path version; do
	[[ $path == "$fastmeter_module" ]] && continue
	if [[ -z ${official[$path]+set} ]]; then
		problems+=("extra module: $path $version (not in the official SDK's graph)")
	elif ! version_le "$version" "${official[$path]}"; then
		problems+=("higher version: $path $version (official graph: ${official[$path]})")
	fi
done <"$tmp/fastmeter/graph"

official_go=$(cat "$tmp/official/go-line")
fastmeter_go=$(cat "$tmp/fastmeter/go-line")
[[ $fastmeter_go == "$user_go" ]] ||
	problems+=("the user's go line became $fastmeter_go (official program: $official_go; want $user_go)")

# Counts include the user's own module, as `go list -m all` prints them.
official_count=$(($(wc -l <"$tmp/official/graph") + 1))
fastmeter_count=$(($(wc -l <"$tmp/fastmeter/graph") + 1))
echo "module graph of a program importing only $official_module $official_version: $official_count modules, go $official_go"
echo "module graph of a program importing only $fastmeter_module: $fastmeter_count modules, go $fastmeter_go"

if ((${#problems[@]})); then
	echo "check-module-graph: importing $fastmeter_module costs more than the official SDK:" >&2
	printf '  %s\n' "${problems[@]}" >&2
	exit 1
fi
echo "check-module-graph: ok"
