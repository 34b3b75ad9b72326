#!/usr/bin/env bash
# The figures of issue 15 (generated code as data): gen go for the four
# standard models, the size of generated/, the first use of each schema,
# a cold `go build ./cmd/dmforge`, and a cold build of a downstream module
# that imports the typed TR-181 package (CPU, peak RSS, binary size).
# "Cold" is an empty GOCACHE (the standard library included) and a warm
# module cache. Quote the load line with the figures: on a shared machine
# wall time is mostly waiting for a core, CPU time is what to compare.
set -euo pipefail
cd "$(dirname "$0")/.."
# BENCH_SKIP_DMFORGE=1 skips the long cold build of ./cmd/dmforge.
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
T=/usr/bin/time
echo "load: $(uptime)"
go build -o "$tmp/dmforge" ./cmd/dmforge
$T -f "gen go, four standard models: %e s wall, %U s user + %S s sys CPU, %M KB peak RSS" bash -c '
  for m in "Device:2.19 tr181" "InternetGatewayDevice:1.14 tr098" "VoiceService:2.0 tr104" "STBService:1.4 tr135"; do
    set -- $m
    "$0/dmforge" gen go "$1" --out "$0/out/$2" --package "$2" --import-path "example.com/out/$2"
  done' "$tmp"
echo "generated/: $(du -sb generated | cut -f1) bytes in $(find generated -name '*.go' | wc -l) files"
for p in tr181 tr098 tr104 tr135; do
  echo "  generated/$p: $(cat generated/$p/*.go | wc -c) bytes typed, $(cat generated/$p/schema/*.go | wc -c) bytes schema, $(cat generated/$p/*.go generated/$p/schema/*.go | wc -l) lines"
done
go run ./bench/firstuse
echo "load: $(uptime)"
# One cold build, timed as a whole and per tool invocation (compile/link of
# each package: user CPU, peak RSS).
steps() { # file, package-path regexp: the compile of that package
  grep -E " -p ($2) " "$1" | awk -F'|' '{u+=$1; if ($2>m) m=$2} END {printf "%.1f s user CPU, %d KB peak RSS", u, m}'
}
if [ -z "${BENCH_SKIP_DMFORGE:-}" ]; then
GOCACHE="$tmp/cache1" $T -f "cold go build ./cmd/dmforge: %e s wall, %U s user + %S s sys CPU, %M KB peak RSS" \
  go build -o "$tmp/dmforge.cold" -toolexec "$T -a -o $tmp/steps1 -f %U|%M|%C" ./cmd/dmforge
echo "  binary: $(stat -c %s "$tmp/dmforge.cold") bytes"
echo "  compiling generated/*/schema: $(steps "$tmp/steps1" 'github.com/dmforge/dmforge/generated/[a-z0-9]+/schema')"
echo "  compiling modernc.org/sqlite/lib and modernc.org/libc: $(steps "$tmp/steps1" 'modernc.org/sqlite/lib|modernc.org/libc')"
echo "  the five most expensive compiles:"
sort -t'|' -k1 -rn "$tmp/steps1" | sed -n 1,5p | awk -F'|' '{match($3, / -p [^ ]+/); print "    " $1 " s user, " $2 " KB: " substr($3, RSTART+4, RLENGTH-4)}'
fi
mkdir -p "$tmp/ds"
cat > "$tmp/ds/go.mod" <<MOD
module example.com/downstream

go 1.24

require github.com/dmforge/dmforge v0.0.0

replace github.com/dmforge/dmforge => $root
MOD
cp go.sum "$tmp/ds/go.sum"
cat > "$tmp/ds/main.go" <<'SRC'
package main

import (
	"fmt"

	"github.com/dmforge/dmforge/generated/tr181"
)

func main() { fmt.Println(tr181.Device.WiFi.Radio(1).Channel.Path()) }
SRC
echo "load: $(uptime)"
(cd "$tmp/ds" && GOFLAGS=-mod=mod GOCACHE="$tmp/cache2" $T -f "cold build of a downstream module importing typed TR-181: %e s wall, %U s user + %S s sys CPU, %M KB peak RSS" \
  go build -o app -toolexec "$T -a -o $tmp/steps2 -f %U|%M|%C" . && echo "  binary: $(stat -c %s app) bytes; runs: $(./app)")
echo "  compiling generated/tr181: $(steps "$tmp/steps2" 'github.com/dmforge/dmforge/generated/tr181')"
echo "  compiling generated/tr181/schema: $(steps "$tmp/steps2" 'github.com/dmforge/dmforge/generated/tr181/schema')"
echo "load: $(uptime)"
go test ./gen -run '^$' -bench 'GenerateStandardModels|Validate1000|SchemaFirstUse' -benchmem
