#!/bin/sh
# Convergence benchmark of the reference ACS's provisioning policies:
# N simulated TR-181 CPEs (default 10000) converge bench/policy-bench.yaml
# (20 parameters and one object instance identified by key) in their
# BOOTSTRAP session, then run a second session that must get no request.
# The ACS (dmforge acs on SQLite, --no-discovery) runs as its own process
# on loopback, so its peak memory (VmHWM) is its own; the CPEs run in the
# acsref TestPolicyLoad test. Prints time to full convergence, sessions/s,
# RPCs per converging session, the ACS's peak RSS and the policy's
# device counts; then the planner's cost per session (BenchmarkPlan).
# Usage: bench/policy.sh [N...]   (env: CONCURRENCY, default 200)
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
[ $# -gt 0 ] || set -- 10000
port=18547
for n in "$@"; do
	port=$((port + 2))
	"$tmp/dmforge" acs --cwmp-addr 127.0.0.1:$port --nbi-addr 127.0.0.1:$((port + 1)) \
		--db "$tmp/acs-$n.db" --no-discovery --nbi-token bench >"$tmp/acs-$n.log" 2>&1 &
	acs_pid=$!
	i=0
	until grep -q "NBI" "$tmp/acs-$n.log"; do
		i=$((i + 1)); [ $i -lt 100 ] || { cat "$tmp/acs-$n.log"; exit 1; }
		sleep 0.1
	done
	nbi=http://127.0.0.1:$((port + 1))
	export DMFORGE_NBI_TOKEN=bench # the NBI requires credentials
	"$tmp/dmforge" policy apply --nbi "$nbi" bench/policy-bench.yaml
	(cd acsref && DMFORGE_ACS_URL=http://127.0.0.1:$port/ DMFORGE_NBI=$nbi DMFORGE_POLICY_LOAD=$n DMFORGE_ACS_CONCURRENCY=${CONCURRENCY:-200} \
		"$tmp/acsref.test" -test.run '^TestPolicyLoad$' -test.count=1 -test.v | grep -E '^POLICY|FAIL|failed' || true)
	echo "ACS peak memory (VmHWM): $(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' /proc/$acs_pid/status), database $(du -h "$tmp/acs-$n.db" | cut -f1)"
	"$tmp/dmforge" policy get --nbi "$nbi"
	kill "$acs_pid"; wait "$acs_pid" 2>/dev/null || true
	acs_pid=
done
go test -run '^$' -bench 'BenchmarkPlan' -benchmem ./acsref/policy | grep -E '^Benchmark'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
