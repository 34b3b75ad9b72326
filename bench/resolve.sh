#!/usr/bin/env bash
# Resolve the current standard models with one core and report wall time
# and peak resident memory of the whole dmforge process (GNU time).
# Usage: bench/resolve.sh   (run from the project root; needs ../shared/bbf or $DMFORGE_BBF)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/dmforge
go build -o "$bin" ./cmd/dmforge
export GOMAXPROCS=1
for model in Device:2.19 InternetGatewayDevice:1.14 VoiceService:2.0 STBService:1.4; do
  for run in 1 2 3; do
    /usr/bin/time -f "$model run $run: %e s wall, %M KiB peak RSS" "$bin" show "$model" --format paths >/dev/null
  done
done
go test ./parser -run '^$' -bench 'Resolve' -benchtime 10x -benchmem
