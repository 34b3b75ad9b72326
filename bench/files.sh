#!/bin/sh
# File streaming benchmark of the reference ACS (dmforge acs): one PUT
# /files of SIZE MiB (default 256, random bytes, with Content-Length),
# then the file read back whole and by Range, on SQLite and (with
# DMFORGE_TEST_POSTGRES set) on PostgreSQL. The ACS runs as its own
# process on loopback (curl is the client), so its peak memory (VmHWM)
# is its own. Prints per store: the PUT's time, the ACS's peak RSS before
# and after the PUT and after the GET, the bytes the ACS allocated during
# the PUT and the GET (go_memstats_alloc_bytes_total of /metrics), and
# whether the SHA-256 read back matches.
# Usage: bench/files.sh [SIZE_MIB]   (env: DMFORGE=path to a dmforge binary
# to measure instead of building this tree's)
set -eu
cd "$(dirname "$0")/.."
size=${1:-256}
tmp=$(mktemp -d)
acs_pid=
cleanup() {
	[ -n "$acs_pid" ] && kill "$acs_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
bin=${DMFORGE:-}
if [ -z "$bin" ]; then
	go build -o "$tmp/dmforge" ./cmd/dmforge
	bin=$tmp/dmforge
fi
head -c "$((size << 20))" /dev/urandom >"$tmp/file.bin"
want=$(sha256sum "$tmp/file.bin" | cut -d' ' -f1)
hwm() { awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' /proc/$acs_pid/status; }
allocated() {
	curl -sf -H "Authorization: Bearer bench" "$nbi/metrics" | awk '/^go_memstats_alloc_bytes_total/ {printf "%.0f", $2}'
}
mib() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f MiB", (b - a) / 1048576}'; }

stores="sqlite"
[ -n "${DMFORGE_TEST_POSTGRES:-}" ] && stores="$stores postgres"
port=18547
for st in $stores; do
	port=$((port + 2))
	nbi=http://127.0.0.1:$((port + 1))
	db=$tmp/acs.db
	if [ "$st" = postgres ]; then
		# A schema of its own, dropped at the end.
		schema=dmforge_bench_$$
		psql -q "$DMFORGE_TEST_POSTGRES" -c "CREATE SCHEMA $schema" >/dev/null
		case $DMFORGE_TEST_POSTGRES in *\?*) db="$DMFORGE_TEST_POSTGRES&search_path=$schema" ;; *) db="$DMFORGE_TEST_POSTGRES?search_path=$schema" ;; esac
	fi
	"$bin" acs --cwmp-addr 127.0.0.1:$port --nbi-addr 127.0.0.1:$((port + 1)) --db "$db" --nbi-token bench \
		--no-discovery >"$tmp/acs-$st.log" 2>&1 &
	acs_pid=$!
	i=0
	until grep -q "NBI" "$tmp/acs-$st.log"; do
		i=$((i + 1)); [ $i -lt 100 ] || { cat "$tmp/acs-$st.log"; exit 1; }
		sleep 0.1
	done
	idle=$(hwm)
	a0=$(allocated)
	t0=$(date +%s.%N)
	code=$(curl -s -o /dev/null -w '%{http_code}' -T "$tmp/file.bin" -H "Authorization: Bearer bench" "$nbi/files/big.bin")
	t1=$(date +%s.%N)
	a1=$(allocated)
	put=$(hwm)
	got=$(curl -sf -H "Authorization: Bearer bench" "$nbi/files/big.bin" | sha256sum | cut -d' ' -f1)
	rng=$(curl -sf -H "Authorization: Bearer bench" -H "Range: bytes=1000000-1099999" "$nbi/files/big.bin" | wc -c)
	a2=$(allocated)
	echo "$st: PUT /files $size MiB: HTTP $code in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f s", b - a}');" \
		"ACS peak RSS $idle idle, $put after the PUT, $(hwm) after the GET;" \
		"allocated $(mib "$a0" "$a1") by the PUT, $(mib "$a1" "$a2") by the GETs;" \
		"SHA-256 read back $([ "$got" = "$want" ] && echo matches || echo DIFFERS), Range $rng bytes"
	kill "$acs_pid"; wait "$acs_pid" 2>/dev/null || true
	acs_pid=
	if [ "$st" = postgres ]; then
		psql -q "$DMFORGE_TEST_POSTGRES" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1
	fi
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
