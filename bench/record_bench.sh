#!/bin/sh
# record_bench.sh — recording benchmarks (docs/recording.md, "Performance"):
#   1. builds a database of RECORD_BENCH_STEPS (default 1,000,000) recorded steps — the schema is
#      made by `dtree run` itself, the rows by sqlite3 in bulk — then times `dtree report` against
#      the very same SQL (`dtree report --sql`) run by sqlite3 on the same file: best of 3 each,
#      printed as a ratio (target <= 1.5);
#   2. prints the per-step recording overhead of `dtree run` (one committed transaction per event,
#      synchronous=FULL) against `dtree run --no-record` on a 200-step tree.
# Usage: sh bench/record_bench.sh   (DTREE = the CLI, default $B/dtree, B default build)
DTREE=${DTREE:-${B:-build}/dtree}
STEPS=${RECORD_BENCH_STEPS:-1000000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
command -v sqlite3 >/dev/null || { echo "record_bench: sqlite3 (the CLI) is needed"; exit 1; }

now() { date +%s.%N; }
best_of_3() { # command... ; prints the best wall time in seconds
    best=""
    for r in 1 2 3; do
        s=$(now); "$@" >/dev/null 2>&1 || { echo "record_bench: failed: $*" >&2; exit 1; }; e=$(now)
        t=$(echo "$e - $s" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    echo "$best"
}

# -- the database ------------------------------------------------------------------------------
cat >"$T/small.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<tree id="small" version="1" title="Small">
  <question id="q1"><say>One?</say><choice id="a" to="done">A</choice></question>
  <end id="done" outcome="resolved"><say>Bye</say></end>
</tree>
XML
DB="$T/bench.db"
echo 1 | $DTREE run "$T/small.xml" --db "$DB" --agent bench >/dev/null 2>&1 ||
    { echo "record_bench: dtree run does not record (--db)"; exit 1; }
SESS=$((STEPS / 9 + 1))   # 9 steps per session on average
s=$(now)
# ~1 session in 5 abandoned after 1-9 steps; the others answer 10 questions and end.  Step ids
# vary with the answers (s3-0, s3-1, s3-2) so paths and choices have many distinct values.
sqlite3 "$DB" >/dev/null <<SQL || exit 1
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
e=$(now)
nsteps=$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE kind = 'step'")
nev=$(sqlite3 "$DB" "SELECT count(*) FROM events")
printf 'record: database of %s steps (%s events, %s sessions, %s MB) built in %.1f s\n' \
    "$nsteps" "$nev" "$SESS" "$(( $(stat -c %s "$DB") / 1048576 ))" "$(echo "$e - $s" | bc -l)"

# -- report vs raw SQL -------------------------------------------------------------------------
$DTREE report --sql >"$T/report.sql"
t_sql=$(best_of_3 sh -c "sqlite3 '$DB' <'$T/report.sql'")
t_dt=$(best_of_3 $DTREE report --db "$DB" --format json)
t_tab=$(best_of_3 $DTREE report --db "$DB")
printf 'record: report over %s steps: dtree report %.3f s (table %.3f s), sqlite3 same SQL %.3f s, ratio %.2f (target <= 1.5)\n' \
    "$nsteps" "$t_dt" "$t_tab" "$t_sql" "$(echo "$t_dt / $t_sql" | bc -l)"

# -- per-step recording overhead ---------------------------------------------------------------
N=200
{
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<tree id="long" version="1" title="Long">'
    i=1
    while [ "$i" -lt "$N" ]; do
        echo "<question id=\"q$i\"><say>Q$i?</say><choice id=\"a\" to=\"q$((i + 1))\">Go</choice></question>"
        i=$((i + 1))
    done
    echo "<question id=\"q$N\"><say>Last?</say><choice id=\"a\" to=\"done\">Go</choice></question>"
    echo '<end id="done" outcome="resolved"><say>Bye</say></end></tree>'
} >"$T/long.xml"
yes 1 | head -n "$N" >"$T/answers"
t_no=$(best_of_3 sh -c "$DTREE run '$T/long.xml' --no-record <'$T/answers'")
t_rec=$(best_of_3 sh -c "$DTREE run '$T/long.xml' --db '$T/over.db' <'$T/answers'")
printf 'record: %d-step session: %.3f s recorded, %.3f s not recorded: %.2f ms per step (2 events, 2 commits)\n' \
    "$N" "$t_rec" "$t_no" "$(echo "($t_rec - $t_no) * 1000 / $N" | bc -l)"
