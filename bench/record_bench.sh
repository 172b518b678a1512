#!/bin/sh
# record_bench.sh [sqlite|pg] — recording benchmarks on one store (docs/recording.md,
# "Performance"; default sqlite).  On both: `dtree report` over $RECORD_BENCH_STEPS (default
# 1,000,000) recorded steps (the schema made by `dtree run` itself, the rows in bulk by the store's
# own client) against the very same SQL (`dtree report --sql` for that store) run by sqlite3 or
# psql on the same data: best of 3 each, as a ratio (target <= 1.5).  Then, per store:
#   sqlite  the per-step recording overhead of `dtree run` (one committed transaction per answer,
#           synchronous=FULL) against `dtree run --no-record` on a 200-step tree;
#   pg      (issue 12; a throw-away cluster from tests/lib/pg.sh, fsync and synchronous_commit
#           on) $PG_BENCH_WRITERS (default 32) writers, each its own recorder and connection
#           (bench_record), record answers for $PG_BENCH_SECONDS (default 10) s: committed
#           events (rows) per second against pgbench's rows per second with a one-INSERT
#           script, -c the same number of clients, same cluster, same run (target >= 0.5x), and
#           the same per answer (one transaction of about two event rows and the session row's
#           update); measured first, in $PG_BENCH_ROUNDS (default 3) rounds alternating the two.
#           PG_BENCH_ONLY=writers stops after that figure (and the tables' HOT update counts).
# Lines start "record:" (SQLite) or "record_pg:" (PostgreSQL).
# Usage: sh bench/record_bench.sh [sqlite|pg]   (DTREE = the CLI, default $B/dtree, B default build)
set -u
STORE=${1:-sqlite}
B=${B:-build}
DTREE=${DTREE:-$B/dtree}
STEPS=${RECORD_BENCH_STEPS:-1000000}
SESS=$((STEPS / 9 + 1))   # 9 steps per session on average
OUT=bench/out
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

now() { date +%s.%N; }
best_of_3() { # command... ; prints the best wall time in seconds
    best=""
    for r in 1 2 3; do
        s=$(now); "$@" >/dev/null 2>&1 || { echo "$P: failed: $*" >&2; exit 1; }; e=$(now)
        t=$(echo "$e - $s" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    echo "$best"
}
long_tree() { # $1 = questions, $2 = file: a tree of $1 questions in a row, then an end
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo '<tree id="long" version="1" title="Long">'
        i=1
        while [ "$i" -lt "$1" ]; do
            echo "<question id=\"q$i\"><say>Q$i?</say><choice id=\"a\" to=\"q$((i + 1))\">Go</choice></question>"
            i=$((i + 1))
        done
        echo "<question id=\"q$1\"><say>Last?</say><choice id=\"a\" to=\"done\">Go</choice></question>"
        echo '<end id="done" outcome="resolved"><say>Bye</say></end></tree>'
    } >"$2"
}

# ~1 session in 5 abandoned after 1-9 steps; the others answer 10 questions and end.  Step ids
# vary with the answers (s3-0, s3-1, s3-2) so paths and choices have many distinct values.  The
# same rows in each store's dialect.
rows_sqlite() {
    sqlite3 "$DB" >/dev/null <<SQL
PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < $SESS)
INSERT INTO sessions(sid, uuid, tree_id, tree_version, tree_hash, tree_path, agent, mode, host,
  started_ms, ended_ms, last_ms, status, outcome, last_tree, last_step, steps, events)
SELECT i, printf('%08x-0000-4000-8000-%012x', i, i), 'bench', '1', 'b0b0b0b0b0b0b0b0', '/bench.xml',
  'agent' || (i % 25), CASE i % 3 WHEN 0 THEN 'agent' WHEN 1 THEN 'kiosk' ELSE 'scripted' END, 'host',
  1700000000000 + i * 60000,
  CASE WHEN i % 5 = 0 THEN NULL ELSE 1700000000000 + i * 60000 + 70000 + (i * 7919) % 300000 END,
  1700000000000 + i * 60000 + 70000,
  CASE WHEN i % 5 = 0 THEN (CASE WHEN i % 10 = 0 THEN 'timed_out' ELSE 'abandoned' END) ELSE 'completed' END,
  CASE WHEN i % 5 = 0 THEN '' WHEN i % 7 = 0 THEN 'escalated' ELSE 'resolved' END,
  'bench', 's' || (CASE WHEN i % 5 = 0 THEN 1 + i % 9 ELSE 10 END) || '-' || (i % 3),
  CASE WHEN i % 5 = 0 THEN 1 + i % 9 ELSE 11 END, 0
FROM n;
WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < 10)
INSERT INTO events(sid, seq, time_ms, kind, tree_id, step_id, step_kind, choice_id, label, path_length)
SELECT s.sid, 2 * j, s.started_ms + j * 7000 + (s.sid * j) % 5000, 'step', 'bench',
  's' || j || '-' || ((s.sid * 7 + j) % 3), 'question', '', '', j
FROM sessions s JOIN k ON j <= min(s.steps, 10) WHERE s.sid > 1
UNION ALL
SELECT s.sid, 2 * j + 1, s.started_ms + j * 7000 + (s.sid * j) % 5000 + 3000, 'answer', 'bench',
  's' || j || '-' || ((s.sid * 7 + j) % 3), 'question', CASE (s.sid + j) % 3 WHEN 0 THEN 'b' ELSE 'a' END,
  CASE (s.sid + j) % 3 WHEN 0 THEN 'No' ELSE 'Yes' END, j
FROM sessions s JOIN k ON j <= min(s.steps, 10) WHERE s.sid > 1 AND (s.status = 'completed' OR j < s.steps);
INSERT INTO events(sid, seq, time_ms, kind, tree_id, step_id, step_kind, outcome, path_length)
SELECT sid, 22, ended_ms, 'end', 'bench', 'done', 'end', outcome, 11 FROM sessions
WHERE sid > 1 AND status = 'completed';
INSERT INTO events(sid, seq, time_ms, kind, path_length)
SELECT sid, 1, started_ms, 'start', 0 FROM sessions WHERE sid > 1;
UPDATE sessions SET events = (SELECT count(*) FROM events e WHERE e.sid = sessions.sid);
COMMIT;
ANALYZE;
SQL
}
rows_pg() { # after the throughput run's sessions: sids from 100 on
    psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<SQL
BEGIN;
INSERT INTO sessions(sid, uuid, tree_id, tree_version, tree_hash, tree_path, agent, mode, host,
  started_ms, ended_ms, last_ms, status, outcome, last_tree, last_step, steps, events)
SELECT i, lpad(to_hex(i), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(i), 12, '0'), 'bench', '1',
  'b0b0b0b0b0b0b0b0', '/bench.xml', 'agent' || (i % 25),
  CASE i % 3 WHEN 0 THEN 'agent' WHEN 1 THEN 'kiosk' ELSE 'scripted' END, 'host',
  1700000000000 + i * 60000::bigint,
  CASE WHEN i % 5 = 0 THEN NULL ELSE 1700000000000 + i * 60000::bigint + 70000 + (i * 7919) % 300000 END,
  1700000000000 + i * 60000::bigint + 70000,
  CASE WHEN i % 5 = 0 THEN (CASE WHEN i % 10 = 0 THEN 'timed_out' ELSE 'abandoned' END) ELSE 'completed' END,
  CASE WHEN i % 5 = 0 THEN '' WHEN i % 7 = 0 THEN 'escalated' ELSE 'resolved' END,
  'bench', 's' || (CASE WHEN i % 5 = 0 THEN 1 + i % 9 ELSE 10 END) || '-' || (i % 3),
  CASE WHEN i % 5 = 0 THEN 1 + i % 9 ELSE 11 END, 0
FROM generate_series(100, $SESS + 100) i;
SELECT setval(pg_get_serial_sequence('sessions', 'sid'), (SELECT max(sid) FROM sessions));
INSERT INTO events(sid, seq, time_ms, kind, tree_id, step_id, step_kind, choice_id, label, path_length)
SELECT s.sid, 2 * j, s.started_ms + j * 7000 + (s.sid * j) % 5000, 'step', 'bench',
  's' || j || '-' || ((s.sid * 7 + j) % 3), 'question', '', '', j
FROM sessions s JOIN generate_series(1, 10) j ON j <= least(s.steps, 10) WHERE s.tree_id = 'bench'
UNION ALL
SELECT s.sid, 2 * j + 1, s.started_ms + j * 7000 + (s.sid * j) % 5000 + 3000, 'answer', 'bench',
  's' || j || '-' || ((s.sid * 7 + j) % 3), 'question', CASE (s.sid + j) % 3 WHEN 0 THEN 'b' ELSE 'a' END,
  CASE (s.sid + j) % 3 WHEN 0 THEN 'No' ELSE 'Yes' END, j
FROM sessions s JOIN generate_series(1, 10) j ON j <= least(s.steps, 10)
WHERE s.tree_id = 'bench' AND (s.status = 'completed' OR j < s.steps);
INSERT INTO events(sid, seq, time_ms, kind, tree_id, step_id, step_kind, outcome, path_length)
SELECT sid, 22, ended_ms, 'end', 'bench', 'done', 'end', outcome, 11 FROM sessions
WHERE tree_id = 'bench' AND status = 'completed';
INSERT INTO events(sid, seq, time_ms, kind, path_length)
SELECT sid, 1, started_ms, 'start', 0 FROM sessions WHERE tree_id = 'bench';
UPDATE sessions SET events = c.n FROM (SELECT sid, count(*) AS n FROM events GROUP BY sid) c
WHERE c.sid = sessions.sid AND sessions.tree_id = 'bench';
COMMIT;
VACUUM ANALYZE;
SQL
}

# -- the store ---------------------------------------------------------------------------------------
case $STORE in
sqlite)
    P=record RAW=sqlite3
    command -v sqlite3 >/dev/null || { echo "$P: sqlite3 (the CLI) is needed"; exit 1; }
    DB="$T/bench.db"
    cat >"$T/small.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<tree id="small" version="1" title="Small">
  <question id="q1"><say>One?</say><choice id="a" to="done">A</choice></question>
  <end id="done" outcome="resolved"><say>Bye</say></end>
</tree>
XML
    echo 1 | $DTREE run "$T/small.xml" --db "$DB" --agent bench >/dev/null 2>&1 ||
        { echo "$P: dtree run does not record (--db)"; exit 1; }
    raw_sql() { sqlite3 "$DB" <"$1"; }
    count() { sqlite3 "$DB" "$1"; }
    size_mb() { echo $(( $(stat -c %s "$DB") / 1048576 )); }
    ;;
pg)
    P=record_pg RAW=psql
    WRITERS=${PG_BENCH_WRITERS:-32} SECS=${PG_BENCH_SECONDS:-10} SYNC_N=${PG_BENCH_SYNC:-5000}
    PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
    for tool in "$PG_BIN/pgbench" psql; do
        command -v "$tool" >/dev/null || { echo "$P: $tool is missing (scripts/deps.sh installs postgresql)"; exit 1; }
    done
    . tests/lib/pg.sh
    PG_FSYNC=on pg_start || exit 1
    trap 'pg_stop; rm -rf "$T"' EXIT
    DB=$(pg_db bench) || exit 1
    pg_sql -d "$DB" "SHOW synchronous_commit" | sed "s/^/$P: synchronous_commit = /"
    raw_sql() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -f "$1"; }
    count() { pg_sql -d "$DB" "$1"; }
    size_mb() { echo $(( $(pg_sql -d "$DB" "SELECT pg_database_size(current_database())") / 1048576 )); }
    mkdir -p "$OUT"
    ${CC:-cc} -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iengine bench/bench_record.c "$B/libdtree.a" \
        $(pkg-config --libs libxml-2.0 libpcre2-8 sqlite3 libpq) -lm -pthread -o "$OUT/bench_record" || exit 1
    long_tree 400 "$T/long.xml"
    echo 1 | $DTREE run "$T/long.xml" --db "$DB" --agent bench >/dev/null 2>&1   # the schema, by dtree
    pg_sql -d "$DB" "CREATE TABLE pgbench_one(id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      sid BIGINT NOT NULL, seq BIGINT NOT NULL, time_ms BIGINT NOT NULL, kind TEXT NOT NULL)" >/dev/null
    printf "INSERT INTO pgbench_one(sid, seq, time_ms, kind) VALUES (:client_id, 1, 1700000000000, 'answer');\n" \
        >"$T/one.sql"
    # Rounds alternate the two, so that a load from elsewhere on the machine falls on both.
    ROUNDS=${PG_BENCH_ROUNDS:-3} r=0 answers=0 events=0 secs=0 tpsum=0 ratios=""
    while [ "$r" -lt "$ROUNDS" ]; do
        r=$((r + 1))
        line=$("$OUT/bench_record" "$DB" "$T/long.xml" "$WRITERS" "$SECS") ||
            { echo "$P: bench_record failed: $line"; exit 1; }
        a=$(echo "$line" | sed 's/.*answers=\([0-9]*\).*/\1/')
        s=$(echo "$line" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
        answers=$((answers + a)) secs=$(echo "$secs + $s" | bc -l)
        ev=$(echo "$line" | sed 's/.*events=\([0-9]*\).*/\1/')
        events=$((events + ev))
        tps=$("$PG_BIN/pgbench" -n -M prepared -c "$WRITERS" -j 2 -T "$SECS" -f "$T/one.sql" "$DB" 2>&1 |
            sed -n 's/^tps = \([0-9.]*\).*/\1/p' | tail -n 1)
        [ -n "$tps" ] || { echo "$P: pgbench gave no rate"; exit 1; }
        tpsum=$(echo "$tpsum + $tps" | bc -l)
        ratios="$ratios $(printf '%.2f' "$(echo "$ev / $s / $tps" | bc -l)")"
    done
    rate=$(echo "$answers / $secs" | bc -l) tps=$(echo "$tpsum / $ROUNDS" | bc -l)
    erate=$(echo "$events / $secs" | bc -l)
    # pgbench inserts one row per transaction; an answer is one transaction of its event rows (an
    # answer and the step it leads to) and the session row's update: both ratios are printed
    printf '%s: %d writers: dtree records %.0f events/s, pgbench one-INSERT %.0f rows/s: ratio %.2f (target >= 0.5); per answer %.0f answers/s, one committed transaction each: ratio %.2f (%d rounds of %s s each, per event:%s)\n' \
        "$P" "$WRITERS" "$erate" "$tps" "$(echo "$erate / $tps" | bc -l)" "$rate" "$(echo "$rate / $tps" | bc -l)" \
        "$ROUNDS" "$SECS" "$ratios"
    # how the writers' updates went: HOT (no index touched) or not, per table
    pg_sql -d "$DB" "SELECT relname || ': ' || n_tup_upd || ' updates, ' || n_tup_hot_upd || ' HOT'
      FROM pg_stat_user_tables WHERE relname IN ('sessions', 'claims') ORDER BY relname" |
        sed "s/^/$P: /"
    [ "${PG_BENCH_ONLY:-}" != writers ] || exit 0
    # dtree sync of a SQLite store into PostgreSQL (its batches go up by COPY), then run again
    . tests/lib/sync_kill.sh
    echo 1 | $DTREE run "$T/long.xml" --db "$T/sync.db" --agent bench >/dev/null 2>&1
    sync_bulk "$T/sync.db" "$SYNC_N" long
    SY=$(pg_db sync_bench) || exit 1
    s=$(now); $DTREE sync -q --from "$T/sync.db" --to "$SY" || { echo "$P: dtree sync failed"; exit 1; }; e=$(now)
    $DTREE sync -q --from "$T/sync.db" --to "$SY" || { echo "$P: dtree sync failed"; exit 1; }; e2=$(now)
    n=$(pg_sql -d "$SY" "SELECT count(*) FROM events")
    printf '%s: dtree sync of %s sessions (%s events) from SQLite: %.2f s (%.0f events/s); run again: %.2f s\n' \
        "$P" "$(pg_sql -d "$SY" "SELECT count(*) FROM sessions")" "$n" "$(echo "$e - $s" | bc -l)" \
        "$(echo "$n / ($e - $s)" | bc -l)" "$(echo "$e2 - $e" | bc -l)"
    ;;
*) echo "usage: sh bench/record_bench.sh [sqlite|pg]" >&2; exit 2 ;;
esac

# -- report vs raw SQL ---------------------------------------------------------------------------------
s=$(now)
"rows_$STORE" || { echo "$P: the bulk rows were refused"; exit 1; }
e=$(now)
nsteps=$(count "SELECT count(*) FROM events WHERE kind = 'step'")
printf '%s: database of %s steps (%s events, %s sessions, %s MB) built in %.1f s\n' "$P" "$nsteps" \
    "$(count "SELECT count(*) FROM events")" "$(count "SELECT count(*) FROM sessions")" "$(size_mb)" \
    "$(echo "$e - $s" | bc -l)"
$DTREE report --sql --db "$DB" >"$T/report.sql" || { echo "$P: dtree report --sql failed"; exit 1; }
t_sql=$(best_of_3 raw_sql "$T/report.sql")
t_dt=$(best_of_3 $DTREE report --db "$DB" --format json)
t_tab=$(best_of_3 $DTREE report --db "$DB")
printf '%s: report over %s steps: dtree report %.3f s (table %.3f s), %s same SQL %.3f s, ratio %.2f (target <= 1.5)\n' \
    "$P" "$nsteps" "$t_dt" "$t_tab" "$RAW" "$t_sql" "$(echo "$t_dt / $t_sql" | bc -l)"
[ "$STORE" = sqlite ] || exit 0

# -- per-step recording overhead (SQLite) --------------------------------------------------------------
N=200
long_tree "$N" "$T/long.xml"
yes 1 | head -n "$N" >"$T/answers"
t_no=$(best_of_3 sh -c "$DTREE run '$T/long.xml' --no-record <'$T/answers'")
t_rec=$(best_of_3 sh -c "$DTREE run '$T/long.xml' --db '$T/over.db' <'$T/answers'")
printf '%s: %d-step session: %.3f s recorded, %.3f s not recorded: %.2f ms per step (2 events, 2 commits)\n' \
    "$P" "$N" "$t_rec" "$t_no" "$(echo "($t_rec - $t_no) * 1000 / $N" | bc -l)"
