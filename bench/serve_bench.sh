#!/bin/sh
# serve_bench.sh — `dtree serve` under load (issue 13, "Performance"), with wrk on loopback at 1, 16
# and 64 connections: answers per second and p50/p99 latency, each as a ratio to GET /healthz at
# the same concurrency in the same run (the HTTP floor) and to the store's raw single-insert rate
# (sqlite3 inserting one row per committed transaction into a WAL file with synchronous=FULL, on
# the same file system).  An answer is POST /v1/sessions/{id}/answer with the seq last seen, on a
# pool of sessions of a two-question loop (tests/cases/serve-loop, which tests/e2e/serve_group.sh
# answers too; bench/serve_answer.lua keeps each seq and never sends two answers to one session
# at once).  The rows 1, 16 and 64 answer back to back (the server saturated); the row 64p has the
# 64 clients pause SERVE_BENCH_THINK_MS (default 50) ms before each answer, as a floor of people
# or a CRM does.  Memory per live session: the server's RSS before and after starting
# SERVE_BENCH_SESSIONS (default and at least 1024) sessions, divided.  Last, how many recorded writes
# shared a COMMIT (group commit on SQLite, batched writes on PostgreSQL: the server's closing
# line), and per answer the server's CPU time and context switches, PostgreSQL's CPU time, and
# the answers' p50 and p99 inside the server (its request log: wrk's figures less the waits for
# a core the client and the server share).  Never part of make check.
# Usage: sh bench/serve_bench.sh   (DTREE = the CLI, default $B/dtree; SERVE_BENCH_SECONDS per run;
# SERVE_BENCH_ARGS: more options for the server, e.g. "--threads 16"; SERVE_BENCH_ROWS: which rows,
# default "1 16 64 64p" (64p needs 64 before it: its floor); SERVE_BENCH_PG=1: the store
# is a throw-away PostgreSQL cluster with fsync on (tests/lib/pg.sh), the raw rate psql's;
# SERVE_BENCH_PG_WARM: WAL files the cluster fills and recycles first, default 16, 0: none)
set -eu
DTREE=${DTREE:-${B:-build}/dtree}
SECS=${SERVE_BENCH_SECONDS:-5}
NSESS=${SERVE_BENCH_SESSIONS:-1024}
THINK=${SERVE_BENCH_THINK_MS:-50}
[ "$NSESS" -ge 1024 ] || NSESS=1024   # the four pools of the answer runs come from them
command -v wrk >/dev/null || { echo "serve_bench: wrk is needed (make deps installs it)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "serve_bench: sqlite3 (the CLI) is needed"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/var/tmp}/dtree-serve-bench.XXXXXX")
pid=""
here=$(cd "$(dirname "$0")" && pwd)
DB="$T/s.db" store="sqlite3, WAL, synchronous=FULL"
if [ -n "${SERVE_BENCH_PG:-}" ]; then
    . "$here/../tests/lib/pg.sh"
    PG_FSYNC=on pg_start >/dev/null || { echo "serve_bench: no PostgreSQL cluster"; exit 1; }
    DB=$(pg_db bench) store="PostgreSQL, psql, fsync on"
    # A server that has run a while writes its WAL into the 16 MB files each checkpoint recycles;
    # a new cluster has one, and creates and zero-fills the next every ~16,000 answers while every
    # COMMIT waits for it (the 64-client p99 was 36-56 ms cold against 28-29 ms warm in the same
    # session).  So the cluster first fills that many files, one small transaction each, and a
    # checkpoint recycles them for the runs (the whole benchmark writes about 100 MB of WAL).
    warm=${SERVE_BENCH_PG_WARM:-16}
    { echo "CREATE TABLE warm(a INTEGER);"
      i=0; while [ "$i" -lt "$warm" ]; do echo "INSERT INTO warm VALUES ($i); SELECT pg_switch_wal();"; i=$((i + 1)); done
      echo "DROP TABLE warm; CHECKPOINT;"
    } | psql -X -q -v ON_ERROR_STOP=1 -d "$PG_URI" >/dev/null
    store="$store, $warm WAL files recycled first"
fi
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -z "${SERVE_BENCH_PG:-}" ] || pg_stop; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

# The store's raw single-insert rate: one row per transaction, as the recorder commits.  This
# machine's fsync time drifts by several times within minutes, so it is measured three times
# (before the answer runs, between them, after them) and the median is the rate the answers are
# compared with; the three are printed.
N=400
{ [ -n "${SERVE_BENCH_PG:-}" ] || echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
  echo "CREATE TABLE IF NOT EXISTS t(a INTEGER, b TEXT);"
  i=0; while [ $i -lt $N ]; do echo "INSERT INTO t VALUES ($i, 'an event row of about this size');"; i=$((i + 1)); done
} >"$T/ins.sql"
raw_rate() {
    s=$(date +%s.%N)
    if [ -n "${SERVE_BENCH_PG:-}" ]; then psql -X -q -d "$PG_URI" -f "$T/ins.sql" >/dev/null  # autocommit: one transaction a row
    else sqlite3 "$T/raw.db" <"$T/ins.sql" >/dev/null; fi
    e=$(date +%s.%N)
    echo "$N / ($e - $s)" | bc -l
}
raw1=$(raw_rate)

TOKEN=$("$DTREE" token add bench --role agent --db "$DB")
# no rate limit: the load is the point (the default 6000 a minute per token would refuse it)
"$DTREE" serve --listen 127.0.0.1:0 --db "$DB" --trees "$here/../tests/cases/serve-loop" --rate-token 0 ${SERVE_BENCH_ARGS:-} 2>"$T/log" &
pid=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' "$T/log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "serve_bench: the server did not start"; cat "$T/log"; exit 1; }
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$pid/status"; }
# The server's CPU time (clock ticks, utime + stime) and its threads' context switches so far.
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
switches() { cat /proc/"$pid"/task/*/status | awk '/ctxt_switches/ {n += $2} END {print n}'; }
# PostgreSQL's CPU time (clock ticks) so far: every postgres process of the machine (the
# throw-away cluster's: a machine running this has no other); 0 on SQLite, whose work is the
# server's own.
db_ticks() {
    [ -n "${SERVE_BENCH_PG:-}" ] || { echo 0; return; }
    for p in $(pgrep -x postgres); do cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null; done |
        awk '{n += $1 + $2} END {print n + 0}'
}

# Memory per live session; the pool of sessions the answers go to (printed as "id seq" lines).
rss0=$(rss)
python3 - "$port" "$TOKEN" "$NSESS" >"$T/pool" <<'PY'
import http.client, json, sys
port, token, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
for i in range(n):
    c.request("POST", "/v1/sessions", body=json.dumps({"tree": "loop"}),
              headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    s = json.loads(c.getresponse().read())
    if i < 1024:
        print(s["id"], s["seq"])
PY
# three pools of 256, one per run: a run starts from the seqs its sessions have
sed -n '1,256p' "$T/pool" >"$T/pool.1"; sed -n '257,512p' "$T/pool" >"$T/pool.16"
sed -n '513,768p' "$T/pool" >"$T/pool.64"; sed -n '769,1024p' "$T/pool" >"$T/pool.64p"
rss1=$(rss)
per=$(( (rss1 - rss0) * 1024 / NSESS ))

# wrk's figures: requests/s, p50 and p99 in ms (its --latency table gives ms, us or s).
ms() { case $1 in *us) echo "${1%us} / 1000" | bc -l ;; *ms) echo "${1%ms}" ;; *s) echo "${1%s} * 1000" | bc -l ;; esac; }
measure() { # $1 = connections, then wrk's other arguments; prints "rps p50 p99 non2xx"
    conns=$1
    shift
    out=$(wrk -t1 -c"$conns" -d"${SECS}s" --latency "$@" 2>&1)
    rps=$(echo "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
    p50=$(ms "$(echo "$out" | sed -n 's/^ *50% *\([0-9.]*[mu]*s\).*/\1/p')")
    p99=$(ms "$(echo "$out" | sed -n 's/^ *99% *\([0-9.]*[mu]*s\).*/\1/p')")
    bad=$(echo "$out" | sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p')
    echo "$rps $p50 $p99 ${bad:-0}"
}
# The server's own p50 and p99 of the answers in its log lines on stdin (each request's "ms", from
# its first byte read to its response queued): the part of wrk's latency spent in the server, the
# rest being the wait for a core between wrk, the HTTP threads and the workers on this one machine.
server_ms() {
    python3 -c '
import json, sys
v = sorted(json.loads(l)["ms"] for l in sys.stdin if "\"route\":\"/v1/sessions/{id}/answer\"" in l)
print(*(("%.2f" % v[min(len(v) - 1, int(len(v) * q))]) if v else "0" for q in (0.5, 0.99)))'
}
ROWS=${SERVE_BENCH_ROWS:-1 16 64 64p}
mid=$(( $(echo $ROWS | wc -w) / 2 ))
k=0
: >"$T/rows"
for c in $ROWS; do
    k=$((k + 1))
    # 64p: 64 clients again, each pausing $THINK ms after each answer (the floor of the row above)
    [ "$c" = 64p ] || { set -- $(measure "$c" "http://127.0.0.1:$port/healthz"); h_rps=$1 h50=$2 h99=$3; }
    k0=$(ticks) s0=$(switches) l0=$(wc -l <"$T/log") d0=$(db_ticks)
    think=0
    [ "$c" = 64p ] && think=$THINK
    set -- $(POOL="$T/pool.$c" TOKEN="$TOKEN" THINK_MS=$think measure "${c%p}" -s "$here/serve_answer.lua" "http://127.0.0.1:$port/"); a_rps=$1 a50=$2 a99=$3 bad=$4
    n=$(echo "$a_rps * $SECS" | bc -l)
    cpu=$(echo "($(ticks) - $k0) * 1000000 / $(getconf CLK_TCK) / $n" | bc -l)
    sw=$(echo "($(switches) - $s0) / $n" | bc -l)
    db=$(echo "($(db_ticks) - $d0) * 1000000 / $(getconf CLK_TCK) / $n" | bc -l)
    set -- $(tail -n +"$((l0 + 1))" "$T/log" | server_ms); s50=$1 s99=$2
    echo "$c $h_rps $h50 $h99 $a_rps $a50 $a99 $bad $cpu $sw $db $s50 $s99" >>"$T/rows"
    [ "$k" -ne "$mid" ] || raw2=$(raw_rate)
done
[ -n "${raw2:-}" ] || raw2=$(raw_rate)
raw3=$(raw_rate)
raw=$(printf '%s\n' "$raw1" "$raw2" "$raw3" | sort -g | sed -n 2p)
printf 'serve: %d s per run, wrk -t1 on loopback; store raw single-insert rate %.0f/s, the median of %.0f, %.0f, %.0f (%s)\n' \
    "$SECS" "$raw" "$raw1" "$raw2" "$raw3" "$store"
printf '  memory per live session: %d bytes (RSS %d -> %d KiB for %d sessions)\n' "$per" "$rss0" "$rss1" "$NSESS"
printf '  %-4s %10s %9s %9s | %10s %9s %9s | %8s %8s %8s %8s | %6s %6s %6s | %7s %7s\n' conns healthz/s p50ms p99ms answers/s p50ms p99ms "x floor" "x insert" "p99 x" refused "cpu us" switch "db us" "srv p50" "srv p99"
while read -r c h_rps h50 h99 a_rps a50 a99 bad cpu sw db s50 s99; do
    printf '  %-4s %10.0f %9.2f %9.2f | %10.0f %9.2f %9.2f | %8.3f %8.2f %8.1f %8s | %6.0f %6.1f %6.0f | %7.2f %7.2f\n' "$c" "$h_rps" "$h50" "$h99" \
        "$a_rps" "$a50" "$a99" "$(echo "$a_rps / $h_rps" | bc -l)" "$(echo "$a_rps / $raw" | bc -l)" \
        "$(echo "$a99 / $h99" | bc -l)" "$bad" "$cpu" "$sw" "$db" "$s50" "$s99"
done <"$T/rows"
echo "  (x floor: answers/s over healthz/s; x insert: answers/s over the raw insert rate, goal >= 0.5;"
echo "   p99 x: answer p99 over healthz p99; refused: non-2xx answers, expected 0;"
echo "   cpu us, switch: the server's CPU time and its threads' context switches per answer;"
echo "   db us: PostgreSQL's CPU time per answer (0 on SQLite: its work is in cpu us);"
echo "   srv p50, p99: the answers' time inside the server (its log), of wrk's p50 and p99;"
echo "   64p: 64 clients each pausing $THINK ms between answers, as people or a CRM would; the rows"
echo "   above answer back to back: the server's saturation)"
kill "$pid" 2>/dev/null; wait "$pid" || true; pid=""
sed -n 's/.*serve: \([0-9]*\) recorded writes in \([0-9]*\) commits.*/  writes sharing a commit: \1 recorded writes in \2 COMMITs/p' "$T/log"
