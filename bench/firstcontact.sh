#!/usr/bin/env bash
# First-contact discovery at scale: N simulated Device:2.19 CPEs
# (dmforge cpe sim, one session each: 0 BOOTSTRAP, so the ACS discovers
# every one) against the reference ACS with its DEFAULT settings
# (discovery on) on SQLite, each in its own process on loopback.
# Prints wall time, failed sessions, ACS peak RSS (VmHWM), ACS CPU time,
# storage per device and where it goes (parameter rows, task results,
# findings), and the load average.
#   bench/firstcontact.sh [N]   (default 2000; env CONCURRENCY, default 512;
#   KEEP_DB=path keeps a copy of the database; MAX_SESSIONS=n sets the
#   ACS's --max-sessions instead of its default; MAX_FIRST_CONTACTS=n its
#   --max-first-contacts, -1 for none; VALUES=model|standard|all|lazy: the
#   discovery's value scope for the simulated product class, default the
#   ACS's)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
port=${PORT:-17561}
tmp=$(mktemp -d)
acs_pid=
cleanup() {
  if [ -n "$acs_pid" ]; then kill "$acs_pid" 2>/dev/null || true; wait "$acs_pid" 2>/dev/null || true; fi
  if [ -n "${KEEP_DB:-}" ] && [ -f "$tmp/acs.db" ]; then cp "$tmp/acs.db" "$KEEP_DB"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
go build -o "$tmp/dmforge" ./cmd/dmforge
"$tmp/dmforge" acs --cwmp-addr 127.0.0.1:$port --nbi-addr 127.0.0.1:$((port + 1)) --db "$tmp/acs.db" --nbi-token bench \
  ${MAX_SESSIONS:+--max-sessions "$MAX_SESSIONS"} ${MAX_FIRST_CONTACTS:+--max-first-contacts "$MAX_FIRST_CONTACTS"} \
  ${VALUES:+--discovery "dmforge-sim:values=$VALUES"} >"$tmp/acs.log" 2>&1 &
acs_pid=$!
for _ in $(seq 100); do grep -q NBI "$tmp/acs.log" && break; sleep 0.1; done
start=$(date +%s.%N)
set +e
"$tmp/dmforge" cpe sim --acs http://127.0.0.1:$port/ --count "$n" --sessions 1 --model Device:2.19 \
  --concurrency "${CONCURRENCY:-512}" -q >"$tmp/sim.out" 2>"$tmp/sim.err"
sim_rc=$?
set -e
end=$(date +%s.%N)
tail -n 5 "$tmp/sim.err" "$tmp/sim.out" | grep -v '^==>' | grep -v '^$' || true
# Every device discovered? (the NBI lists them)
discovered=$(curl -s -H 'Authorization: Bearer bench' "http://127.0.0.1:$((port + 1))/devices" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(1 for x in d if x["discovered"]), len(d))')
# Where the sessions' time goes (the ACS's own histograms): session,
# RPC round trips by method (sent to answered: the CPE's work and the
# wait for the ACS's CPU), store operations (a commit's time includes its
# wait in the group-commit queue).
curl -s -H 'Authorization: Bearer bench' "http://127.0.0.1:$((port + 1))/metrics" | python3 -c '
import sys, collections
s, c = collections.defaultdict(float), collections.defaultdict(float)
for line in sys.stdin:
    if line.startswith("#"): continue
    name, _, v = line.rpartition(" ")
    for base in ("acs_session_duration_seconds", "acs_rpc_duration_seconds", "acs_store_duration_seconds"):
        if name.startswith(base + "_sum"): s[base + name[len(base) + 4:]] += float(v)
        if name.startswith(base + "_count"): c[base + name[len(base) + 6:]] += float(v)
print("time in the ACS (sum over sessions, mean):")
for k in sorted(s):
    if c[k]: print(f"  {k:60s} {s[k]:9.1f} s  {1000*s[k]/c[k]:9.1f} ms x {int(c[k])}")
' || true
hwm=$(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' /proc/$acs_pid/status)
cpu=$(awk '{printf "%.1f s", ($14+$15)/100}' /proc/$acs_pid/stat)
kill "$acs_pid"; wait "$acs_pid" 2>/dev/null || true
acs_pid=
echo "ACS log: $(grep -c 'level=ERROR' "$tmp/acs.log" || true) errors, $(grep -c 'level=WARN' "$tmp/acs.log" || true) warnings"
grep -m 3 'level=ERROR' "$tmp/acs.log" || true
python3 - "$tmp/acs.db" "$n" <<'PY'
import sqlite3, sys, os
db, n = sys.argv[1], int(sys.argv[2])
size = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
c = sqlite3.connect(db)
q = lambda s: c.execute(s).fetchone()[0] or 0
print(f"storage: {size/1e6:.1f} MB ({size/n/1e3:.1f} kB per device); "
      f"parameter rows {q('select count(*) from parameters')}, "
      f"task results {q('select sum(length(result)) from tasks')/1e3:.1f} kB, "
      f"findings {q('select count(*) from findings')} rows, "
      f"pending tasks {q(chr(39).join(['select count(*) from tasks where status=', 'pending', '']))}")
# Where the bytes go: pages per table and index (the dbstat virtual
# table), after a checkpoint so that the WAL's pages are counted too.
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
rows = c.execute("select name, count(*)*max(pgsize), sum(payload), sum(ncell) from dbstat group by name order by 2 desc").fetchall()
total = sum(r[1] for r in rows)
print(f"by table/index (dbstat, {total/1e6:.1f} MB in pages):")
for name, size, payload, cells in rows:
    if size >= total/200:
        print(f"  {name:32s} {size/1e6:8.2f} MB {size/n/1e3:7.1f} kB/device  payload {payload/1e6:7.2f} MB  cells {cells}")
PY
awk -v s="$start" -v e="$end" -v n="$n" 'BEGIN { printf "first contact of %d CPEs: %.1f s wall\n", n, e - s }'
echo "discovered/listed: $discovered; simulator exit status $sim_rc (1: a session failed)"
echo "ACS peak RSS (VmHWM): $hwm, ACS CPU: $cpu"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
