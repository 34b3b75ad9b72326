#!/bin/sh
# Load benchmark of the reference ACS (dmforge acs) on SQLite: N simulated
# CPEs (default 1000 and 10000), each one session of Inform, empty POST,
# GetParameterValues of 20 parameters answered, 204; at most 200 sessions
# in flight. The ACS runs as its own process on loopback, so its peak
# memory (VmHWM) is its own; the CPEs run in the acsref TestLoad test.
# Prints sessions/s, p50/p99 session time, failed sessions and ACS peak RSS.
# Usage: bench/acs.sh [N...]   (env: CONCURRENCY, default 200)
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
acs_pid=
cleanup() {
	[ -n "$acs_pid" ] && kill "$acs_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
go build -o "$tmp/dmforge" ./cmd/dmforge
go test -c -o "$tmp/acsref.test" ./acsref
params=$(awk '/^var LoadParams/,/^}/' acsref/load_test.go | grep -o '"Device\.[A-Za-z.]*"' | tr -d '"' | paste -sd, -)
[ $# -gt 0 ] || set -- 1000 10000
port=17547
for n in "$@"; do
	port=$((port + 2))
	"$tmp/dmforge" acs --cwmp-addr 127.0.0.1:$port --nbi-addr 127.0.0.1:$((port + 1)) \
		--db "$tmp/acs-$n.db" --no-discovery --inform-get "$params" >"$tmp/acs-$n.log" 2>&1 &
	acs_pid=$!
	i=0
	until grep -q "NBI" "$tmp/acs-$n.log"; do
		i=$((i + 1)); [ $i -lt 100 ] || { cat "$tmp/acs-$n.log"; exit 1; }
		sleep 0.1
	done
	DMFORGE_ACS_URL=http://127.0.0.1:$port/ DMFORGE_ACS_LOAD=$n DMFORGE_ACS_CONCURRENCY=${CONCURRENCY:-200} \
		"$tmp/acsref.test" -test.run '^TestLoad$' -test.count=1 -test.v | grep -E '^LOAD|FAIL|failed sessions' || true
	echo "ACS peak memory (VmHWM): $(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' /proc/$acs_pid/status), database $(du -h "$tmp/acs-$n.db" | cut -f1)"
	kill "$acs_pid"; wait "$acs_pid" 2>/dev/null || true
	acs_pid=
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
