#!/usr/bin/env bash
# check-module-graph.sh: importing a fastmeter module must cost a user no more
# modules than importing its official counterpart.
#
# For each pair below it writes the same small program twice in throwaway
# modules (go 1.26.0, GOWORK=off, tidied): once on the official packages at
# the versions fastmeter is a drop-in for, once on fastmeter's (every
# fastmeter module replaced by this checkout). Only the imports differ. It
# then compares their `go list -m all` and fails, naming the modules, unless
#   - every module of the fastmeter program's graph, except the user's own
#     module, is also in the official program's graph or on the pair's
#     allow-list, and
#   - no module is at a version higher than in the official program's graph
#     (a higher one would be a minimum the user could not go below), and
#   - the user's go line is still that of the official program, 1.26.0
#     (fastmeter's go directives do not raise it).
# It prints both counts for each pair.
#
# The pairs (README.md, "Modules"); the official program of each is the one a
# user would switch from:
#   root        github.com/fastmeter/fastmeter            vs go.opentelemetry.io/otel/sdk/metric v1.47.0
#   prometheus  github.com/fastmeter/fastmeter/prometheus vs go.opentelemetry.io/otel/exporters/prometheus v0.69.0
#   autoexport  github.com/fastmeter/fastmeter/autoexport vs go.opentelemetry.io/contrib/exporters/autoexport v0.72.0
#   otelconf    github.com/fastmeter/fastmeter/otelconf   vs go.opentelemetry.io/contrib/otelconf/x v0.27.0
#   otlp        github.com/fastmeter/fastmeter/otlp       vs otlpmetrichttp + otlpmetricgrpc v1.47.0 (both: otlp sends both protocols)
# For otelconf the counterpart is the module's experimental package x: it is
# the one that builds what fastmeter's otelconf builds from a file (a pull
# reader with the prometheus/development exporter), and fastmeter's otelconf
# decodes that exporter with x's own model, so it imports x and pays for x's
# imports (its resource detectors bring the Kubernetes client's modules). A
# program on otelconf's stable package alone has a smaller graph, printed for
# reference (README.md gives the numbers).
#
# The allow-list of every pair is the fastmeter modules themselves: the
# module imported and the fastmeter modules it is built on (the root module
# requires sdk/metric for the contract types it aliases; autoexport is
# autoconfig's readers; autoexport and otelconf serve Prometheus with
# fastmeter's own exporter and send OTLP with fastmeter's own otlp exporter
# by default, the official ones staying selectable). Beyond those, a module on a pair's allow-list
# says below why it is needed.
#
# Needs the Go module proxy (or a module cache that has these modules).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

fastmeter_module=github.com/fastmeter/fastmeter
official_sdk=go.opentelemetry.io/otel/sdk/metric
placeholder=v0.0.0-00010101000000-000000000000
user_go=1.26.0

export GOWORK=off GOFLAGS=-mod=mod
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Every fastmeter module of the checkout is replaced by its directory in the
# fastmeter programs (a user would do the same until fastmeter is tagged;
# replacements of modules outside the graph change nothing).
replaces=()
while read -r dir; do
	path=$(cd "$root/$dir" && go list -m)
	replaces+=("-replace=$path=$root/$dir")
done < <(cd "$root" && find . -mindepth 1 \( -name '.*' -o -name testdata \) -prune -o -name go.mod -printf '%h\n')

# program KIND SDK PKG prints the main.go of a pair's program: SDK is the
# import path of the metric SDK, PKG that of the package the pair is about.
program() {
	local kind=$1 sdk=$2 pkg=$3
	case $kind in
	root)
		cat <<EOF
package main

import (
	"context"

	sdkmetric "$sdk"
)

func main() {
	mp := sdkmetric.NewMeterProvider()
	_ = mp.Shutdown(context.Background())
}
EOF
		;;
	prometheus)
		cat <<EOF
package main

import (
	"context"

	sdkmetric "$sdk"
	"$pkg"
)

func main() {
	exporter, err := prometheus.New()
	if err != nil {
		panic(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	_ = mp.Shutdown(context.Background())
}
EOF
		;;
	autoexport)
		cat <<EOF
package main

import (
	"context"

	sdkmetric "$sdk"
	"$pkg"
)

func main() {
	ctx := context.Background()
	reader, err := autoexport.NewMetricReader(ctx)
	if err != nil {
		panic(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	_ = mp.Shutdown(ctx)
}
EOF
		;;
	otelconf)
		cat <<EOF
package main

import (
	"context"

	otelconf "$pkg"
)

func main() {
	sdk, err := otelconf.NewSDK()
	if err != nil {
		panic(err)
	}
	_, _ = sdk.MeterProvider().Meter("main").Int64Counter("requests")
	_ = sdk.Shutdown(context.Background())
}
EOF
		;;
	otlp)
		# The official program imports both exporters: fastmeter's otlp
		# module sends both protocols (and HTTP/JSON).
		local grpc=""
		[[ $pkg == go.opentelemetry.io/* ]] && grpc='_ "go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"'
		cat <<EOF
package main

import (
	"context"

	sdkmetric "$sdk"
	exporter "$pkg"
	$grpc
)

func main() {
	ctx := context.Background()
	exp, err := exporter.New(ctx)
	if err != nil {
		panic(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp)))
	_ = mp.Shutdown(ctx)
}
EOF
		;;
	esac
}

# user_program DIR KIND SDK PKG GO-MOD-EDIT-FLAG... writes and tidies a user
# module in DIR, then writes its go version and module graph ("path version"
# lines, without the user's own module) to DIR/go-line and DIR/graph.
user_program() {
	local dir=$1 kind=$2 sdk=$3 pkg=$4
	shift 4
	mkdir -p "$dir"
	program "$kind" "$sdk" "$pkg" >"$dir/main.go"
	(
		cd "$dir"
		go mod init example.com/user >/dev/null 2>&1
		go mod edit -go="$user_go" "$@"
		go mod tidy
		go build -o /dev/null .
		go list -m -f '{{.GoVersion}}' >go-line
		go list -m all | sed 1d >graph
	)
}

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

failed=0

# check_pair NAME KIND OFFICIAL-PKG OFFICIAL-REQUIRES FASTMETER-PKG ALLOWED...:
# builds the pair's two programs and compares their graphs. OFFICIAL-PKG is
# the import path the official program uses, OFFICIAL-REQUIRES a
# space-separated list of module@version it requires; ALLOWED are the
# modules the fastmeter program may have beyond the official one's.
check_pair() {
	local name=$1 kind=$2 official_pkg=$3 official_requires=$4 fastmeter_pkg=$5
	shift 5
	local -A allowed=()
	local m
	for m in "$@"; do allowed[$m]=1; done

	local req
	local -a official_flags=()
	for req in $official_requires; do official_flags+=("-require=$req"); done
	user_program "$tmp/$name/official" "$kind" "$official_sdk" "$official_pkg" "${official_flags[@]}"
	user_program "$tmp/$name/fastmeter" "$kind" "$fastmeter_module" "$fastmeter_pkg" \
		-require="$fastmeter_pkg@$placeholder" "${replaces[@]}"

	local -A official=()
	local path version
	while read -r path version _; do official[$path]=$version; done <"$tmp/$name/official/graph"

	local -a problems=()
	while read -r path version _; do
		# A replaced module prints "path version => dir"; its version is the
		# placeholder, and it must be on the allow-list anyway.
		if [[ -z ${official[$path]+set} ]]; then
			[[ -n ${allowed[$path]+set} ]] ||
				problems+=("extra module: $path $version (not in the official program's graph, not allowed)")
		elif ! version_le "$version" "${official[$path]}"; then
			problems+=("higher version: $path $version (official graph: ${official[$path]})")
		fi
	done <"$tmp/$name/fastmeter/graph"

	local official_go fastmeter_go
	official_go=$(cat "$tmp/$name/official/go-line")
	fastmeter_go=$(cat "$tmp/$name/fastmeter/go-line")
	[[ $fastmeter_go == "$official_go" ]] ||
		problems+=("the user's go line became $fastmeter_go (official program: $official_go)")

	# Counts include the user's own module, as `go list -m all` prints them.
	local official_count fastmeter_count
	official_count=$(($(wc -l <"$tmp/$name/official/graph") + 1))
	fastmeter_count=$(($(wc -l <"$tmp/$name/fastmeter/graph") + 1))
	echo "$name: official ($official_pkg): $official_count modules, go $official_go"
	echo "$name: fastmeter ($fastmeter_pkg): $fastmeter_count modules, go $fastmeter_go"
	if ((${#problems[@]})); then
		echo "check-module-graph: $name: importing $fastmeter_pkg costs more than the official program:" >&2
		printf '  %s\n' "${problems[@]}" >&2
		failed=1
	fi
}

check_pair root root \
	"$official_sdk" "$official_sdk@v1.47.0" \
	"$fastmeter_module" \
	"$fastmeter_module"

check_pair prometheus prometheus \
	go.opentelemetry.io/otel/exporters/prometheus \
	"go.opentelemetry.io/otel/exporters/prometheus@v0.69.0 $official_sdk@v1.47.0" \
	"$fastmeter_module/prometheus" \
	"$fastmeter_module" "$fastmeter_module/prometheus"

check_pair autoexport autoexport \
	go.opentelemetry.io/contrib/exporters/autoexport \
	"go.opentelemetry.io/contrib/exporters/autoexport@v0.72.0 $official_sdk@v1.47.0" \
	"$fastmeter_module/autoexport" \
	"$fastmeter_module" "$fastmeter_module/autoexport" "$fastmeter_module/autoconfig" "$fastmeter_module/prometheus" \
	"$fastmeter_module/otlp"

# otelconf's one module beyond fastmeter's own: the contrib Prometheus
# bridge, for the prometheus/development producer of a reader's producers
# list, which contrib otelconf v0.27.0 does not build (it builds no
# producer). Its requirements are all in the official graph.
check_pair otelconf otelconf \
	go.opentelemetry.io/contrib/otelconf/x \
	"go.opentelemetry.io/contrib/otelconf@v0.27.0 $official_sdk@v1.47.0" \
	"$fastmeter_module/otelconf" \
	"$fastmeter_module" "$fastmeter_module/otelconf" "$fastmeter_module/prometheus" "$fastmeter_module/otlp" \
	go.opentelemetry.io/contrib/bridges/prometheus

check_pair otlp otlp \
	go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp \
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp@v1.47.0 go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc@v1.47.0 $official_sdk@v1.47.0" \
	"$fastmeter_module/otlp" \
	"$fastmeter_module" "$fastmeter_module/otlp"

# For reference: the same program on otelconf's stable package alone.
user_program "$tmp/otelconf-stable" otelconf "$official_sdk" go.opentelemetry.io/contrib/otelconf \
	-require=go.opentelemetry.io/contrib/otelconf@v0.27.0 -require="$official_sdk@v1.47.0"
echo "otelconf (reference): official (go.opentelemetry.io/contrib/otelconf, stable package only): $(($(wc -l <"$tmp/otelconf-stable/graph") + 1)) modules"

((failed == 0)) || exit 1
echo "check-module-graph: ok"
