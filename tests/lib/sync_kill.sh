# tests/lib/sync_kill.sh — a `dtree sync` killed mid-copy, shared by tests/e2e/sync.sh (SQLite to
# SQLite) and tests/e2e/pg_spool.sh (SQLite to PostgreSQL, with tests/lib/pg.sh); sourced after
# tests/lib/e2e.sh, not a suite.
#   sync_bulk FILE N TREE  add N bulk sessions of tree TREE to the SQLite store FILE (which dtree
#                   made: sid 1 is taken): ~1 in 5 abandoned, ~1 in 97 without events, the others
#                   7 events each
#   sync_kill FROM TO WANT  `dtree sync --from FROM --to TO` under $DTREE_WRAP, SIGKILLed once TO
#                   holds WANT sessions (a bounded poll: 30 s, 90 s under a wrapper) or the copy
#                   ended by itself; then $have is the number of sessions in TO
#   sessions_in DB  the number of sessions in a store (SQLite file or PostgreSQL URI), 0 if none
sync_bulk() {
    sqlite3 "$1" >/dev/null <<SQL
PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < $2 + 1)
INSERT INTO sessions(sid, uuid, tree_id, tree_version, tree_hash, tree_path, agent, mode, host,
  started_ms, ended_ms, last_ms, status, outcome, last_tree, last_step, steps, events)
SELECT i, printf('%08x-0000-4000-8000-%012x', i, i), '$3', '1', 'h', '/t.xml', 'agent' || (i % 7),
  'agent', 'host', 1700000000000 + i * 1000, CASE WHEN i % 5 THEN 1700000000000 + i * 1000 + 900 END,
  1700000000000 + i * 1000 + 900, CASE WHEN i % 5 THEN 'completed' ELSE 'abandoned' END,
  CASE WHEN i % 5 THEN 'resolved' ELSE '' END, '$3', 'q2', 3, CASE WHEN i % 97 THEN 7 ELSE 0 END
FROM n;
WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < 7)
INSERT INTO events(sid, seq, time_ms, kind, tree_id, step_id, label, path_length)
SELECT s.sid, j, s.started_ms + j * 100, CASE j WHEN 1 THEN 'start' WHEN 7 THEN 'end' ELSE
  CASE j % 2 WHEN 0 THEN 'step' ELSE 'answer' END END, '$3', 'q' || (j / 2), 'L' || (s.sid % 13), j / 2
FROM sessions s JOIN k WHERE s.sid > 1 AND s.events = 7;
COMMIT;
SQL
}

sessions_in() {
    case $1 in
    postgres*) n=$(pg_sql -d "$1" "SELECT count(*) FROM sessions" 2>/dev/null) ;;
    *) n=$(sqlite3 "$1" "SELECT count(*) FROM sessions" 2>/dev/null) ;;
    esac
    echo "${n:-0}"
}

sync_kill() {
    $DTREE_WRAP "$DTREE" sync --from "$1" --to "$2" >"$tmp/sync_kill.out" 2>&1 &
    sk=$!
    polls=3000
    [ -z "${DTREE_WRAP:-}" ] || polls=9000
    i=0
    while [ $i -lt $polls ]; do
        [ "$(sessions_in "$2")" -ge "$3" ] && break
        kill -0 $sk 2>/dev/null || break
        sleep 0.01; i=$((i + 1))
    done
    kill -9 $sk 2>/dev/null; wait $sk 2>/dev/null
    have=$(sessions_in "$2")
}
