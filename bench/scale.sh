#!/usr/bin/env bash
# Registration at scale (issue 16): N simulated CPEs, half Device:2.19 and
# half InternetGatewayDevice:1.14 (two `dmforge cpe sim` processes), each
# boots and then informs periodically (--sessions 3: 1 BOOT, 2 PERIODIC)
# against the reference ACS in its own process with --no-discovery on
# SQLite (or the PostgreSQL DSN in $DB). Prints the simulators' summaries
# (sessions ok/failed, p50/p99), the ACS's peak RSS (VmHWM) and CPU time,
# the database size per device, and the load average. The full-size run
# of the issue is `bench/scale.sh 100000`; discovered devices are
# bench/firstcontact.sh's.
#   bench/scale.sh [N]   (default 10000; env CONCURRENCY per simulator,
#                         default 256; PERIODIC, default 20s)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
port=${PORT:-17571}
tmp=$(mktemp -d)
acs_pid=
cleanup() {
  if [ -n "$acs_pid" ]; then kill "$acs_pid" 2>/dev/null || true; wait "$acs_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
go build -o "$tmp/dmforge" ./cmd/dmforge
db=${DB:-$tmp/acs.db}
"$tmp/dmforge" acs --cwmp-addr 127.0.0.1:$port --nbi-addr 127.0.0.1:$((port + 1)) --db "$db" \
  --no-discovery --nbi-token bench >"$tmp/acs.log" 2>&1 &
acs_pid=$!
for _ in $(seq 100); do grep -q NBI "$tmp/acs.log" && break; sleep 0.1; done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
start=$(date +%s.%N)
sim() { # model prefix count
  "$tmp/dmforge" cpe sim --acs http://127.0.0.1:$port/ --model "$1" --serial-prefix "$2" --count "$3" \
    --sessions 3 --periodic "${PERIODIC:-20s}" --concurrency "${CONCURRENCY:-256}" -q >"$tmp/sim-$2.out" 2>&1
}
set +e
sim Device:2.19 D $((n / 2)) &
p1=$!
sim InternetGatewayDevice:1.14 I $((n - n / 2)) &
p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
set -e
end=$(date +%s.%N)
for p in D I; do echo "== simulator $p:"; tail -n 4 "$tmp/sim-$p.out"; done
hwm_sessions=$(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' /proc/$acs_pid/status)
listed=$(curl -s -H 'Authorization: Bearer bench' "http://127.0.0.1:$((port + 1))/devices?limit=1000000" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' || echo "?")
hwm=$(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' /proc/$acs_pid/status)
cpu=$(awk '{printf "%.1f s", ($14+$15)/100}' /proc/$acs_pid/stat)
kill "$acs_pid"; wait "$acs_pid" 2>/dev/null || true
acs_pid=
size=0
[ -f "$db" ] && size=$(du -cb "$db"* | tail -n 1 | cut -f1)
echo "ACS log: $(grep -c 'level=ERROR' "$tmp/acs.log" || true) errors"
printf 'devices %d (listed %s), %d sessions in %.1f s wall (%.0f sessions/s); simulators exit %d %d\n' \
  "$n" "$listed" $((3 * n)) "$(echo "$end - $start" | bc)" "$(echo "3 * $n / ($end - $start)" | bc -l)" "$rc1" "$rc2"
echo "ACS peak RSS (VmHWM) $hwm_sessions after the sessions, $hwm after listing every device through the NBI; CPU $cpu; database $size bytes ($((size / n)) per device)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
