#!/usr/bin/env bash
# 10,000 simulated Device:2.19 CPEs in one process, one session each,
# against the minimal loopback ACS (dmforge cpe testacs, a separate
# process): peak memory of the simulator and sessions per second.
#   bench/cpesim.sh [COUNT] [SESSIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
sessions=${2:-1}
port=${PORT:-17548}
tmp=$(mktemp -d)
acs_pid=
cleanup() {
  if [ -n "$acs_pid" ]; then kill "$acs_pid" 2>/dev/null || true; wait "$acs_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/dmforge" ./cmd/dmforge
"$tmp/dmforge" cpe testacs --addr "127.0.0.1:$port" --gpv Device.DeviceInfo.SoftwareVersion >"$tmp/acs.out" 2>"$tmp/acs.err" &
acs_pid=$!
for _ in $(seq 50); do grep -q http "$tmp/acs.out" 2>/dev/null && break; sleep 0.1; done
echo "ACS: $(cat "$tmp/acs.out") (answers Inform, sends one GetParameterValues per session)"
status=0
/usr/bin/time -v -o "$tmp/time" "$tmp/dmforge" cpe sim --acs "http://127.0.0.1:$port/" \
  --count "$count" --sessions "$sessions" -q | tee "$tmp/sim" || status=$?
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time")
echo "simulator peak RSS: $((rss_kb / 1024)) MiB for $count CPEs ($((rss_kb * 1024 / count)) bytes/CPE)"
echo "wall clock: $(awk -F'): ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/time")  (process start to exit, CPE set-up included)"
exit $status
