#!/bin/sh
# sync.sh — `dtree sync --from STORE --to STORE` between SQLite stores (docs/recording.md,
# "Moving recordings"):
#   1. a copy holds every session and event of the source (exports equal), and run again adds
#      nothing;
#   2. a copy SIGKILLed mid-way (a source of SYNC_BULK_N bulk sessions, default 8000) and run
#      again: every session and event exactly once;
#   3. a session that went on in the source after a copy: its new events and state follow;
#   4. a session the destination holds with a different event: named, not merged, exit 1, the
#      other sessions still copied;
#   5. filters, and the refusals (same store, no source, not a dtree database, bad arguments).
# Ends with "N passed, N failed".
. tests/lib/e2e.sh
. tests/lib/sync_kill.sh
need sqlite3
BULK_N=${SYNC_BULK_N:-8000}
if [ -n "${DTREE_WRAP:-}" ]; then BULK_N=${SYNC_BULK_N:-1500}; fi   # valgrind: slower, so fewer
T=$tmp
unset DTREE_DB
check() { # $1 = description, $2 = shell condition (evaluated here, so it sees the variables)
    if eval "$2"; then ok; else bad "$1"; fi
}
q() { sqlite3 "$1" "$2"; }
# the sessions and events of a store, independent of row ids (sorted export lines)
dump() { run export --db "$1" --format jsonl | sort; }

cat >"$T/t.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<tree id="small" version="1" title="Small">
  <question id="q1"><say>One?</say><choice id="a" to="q2">A</choice><choice id="b" to="q2">B</choice></question>
  <question id="q2"><say>Two?</say><choice id="a" to="done">A</choice></question>
  <end id="done" outcome="resolved"><say>Bye</say></end>
</tree>
XML
A="$T/a.db"
for ag in al al bo; do printf '1\n1\n' | run run "$T/t.xml" --db "$A" --agent $ag >/dev/null 2>&1; done
printf '2\n' | run run "$T/t.xml" --db "$A" --agent cy >/dev/null 2>&1   # left at q2: abandoned
open_id=$(q "$A" "SELECT uuid FROM sessions WHERE agent = 'cy'")

# -- 1. a copy, and the same copy again --------------------------------------------------------
out=$(run sync --from "$A" --to "$T/b.db" 2>&1); rc=$?
check "first copy succeeds ($rc: $out)" '[ "$rc" -eq 0 ]'
check "first copy says what it did ($out)" \
    '[ "$out" = "sync: 4 sessions read: 4 created, 0 updated, 0 already there, 0 not merged; 25 events written" ]'
dump "$A" >"$T/a.dump"; dump "$T/b.db" >"$T/b.dump"
check "the copy holds the same sessions and events" 'cmp -s "$T/a.dump" "$T/b.dump"'
out=$(run sync --from "$A" --to "$T/b.db" 2>&1); rc=$?
check "the copy run again adds nothing ($out)" \
    '[ "$rc" -eq 0 ] && [ "$out" = "sync: 4 sessions read: 0 created, 0 updated, 4 already there, 0 not merged; 0 events written" ]'
check "run again, still the same" 'dump "$T/b.db" | cmp -s "$T/a.dump" -'

# -- 3. a session that went on in the source ---------------------------------------------------
printf '1\n' | run resume "${open_id%%-*}" --db "$A" --agent dee --tree "$T/t.xml" >/dev/null 2>&1
out=$(run sync --from "$A" --to "$T/b.db" 2>&1); rc=$?
check "a resumed session follows ($out)" \
    '[ "$rc" -eq 0 ] && [ "${out#*read: }" = "0 created, 1 updated, 3 already there, 0 not merged; 4 events written" ]'
dump "$A" >"$T/a.dump"
check "its new events and state are in the copy" 'dump "$T/b.db" | cmp -s "$T/a.dump" -'
st=$(q "$T/b.db" "SELECT status || agent FROM sessions WHERE uuid = '$open_id'")
check "its status followed ($st)" '[ "$st" = completeddee ]'

# -- 4. a difference is named, never merged ------------------------------------------------------
al_id=$(q "$A" "SELECT uuid FROM sessions WHERE agent = 'al' ORDER BY sid LIMIT 1")
q "$T/b.db" "UPDATE events SET label = 'tampered' WHERE seq = 3 AND sid = (SELECT sid FROM sessions WHERE uuid = '$al_id')"
q "$A" "UPDATE sessions SET last_ms = last_ms + 1 WHERE uuid = '$al_id'"   # so it is not skipped as unchanged
printf '1\n1\n' | run run "$T/t.xml" --db "$A" --agent eve >/dev/null 2>&1
before=$(q "$T/b.db" "SELECT last_ms FROM sessions WHERE uuid = '$al_id'")
out=$(run sync --from "$A" --to "$T/b.db" 2>&1); rc=$?
check "a difference: exit 1 ($rc)" '[ "$rc" -eq 1 ]'
check "a difference names the session and the event ($out)" \
    'echo "$out" | grep -q "session $al_id: event 3 differs"'
after=$(q "$T/b.db" "SELECT last_ms FROM sessions WHERE uuid = '$al_id'")
check "the differing session is left as it was" '[ "$after" = "$before" ]'
eve=$(q "$T/b.db" "SELECT count(*) FROM sessions WHERE agent = 'eve'")
check "the other sessions are still copied ($out)" '[ "$eve" = 1 ]'

# -- 5. filters and refusals -------------------------------------------------------------------
out=$(run sync --from "$A" --to "$T/c.db" --agent al 2>&1); rc=$?
agents=$(q "$T/c.db" "SELECT group_concat(DISTINCT agent) FROM sessions")
check "--agent copies only that agent's sessions ($out)" '[ "$rc" -eq 0 ] && [ "$agents" = al ]'
out=$(run sync --from "$A" --to "$A" 2>&1); rc=$?
check "the same store is refused ($rc: $out)" \
    '[ "$rc" -eq 2 ] && echo "$out" | grep -q "the same store"'
out=$(run sync --from "$T/none.db" --to "$T/d.db" 2>&1); rc=$?
check "a missing source: exit 4, named, nothing created ($rc: $out)" \
    '[ "$rc" -eq 4 ] && echo "$out" | grep -q "cannot open the source" && [ ! -e "$T/d.db" ]'
printf 'not a database at all, just text\n' >"$T/text.db"
out=$(run sync --from "$A" --to "$T/text.db" 2>&1); rc=$?
check "a destination that is not a dtree database: exit 4 ($rc: $out)" '[ "$rc" -eq 4 ]'
out=$(run sync --from "$A" 2>&1); rc=$?
check "no --to: usage ($rc: $out)" '[ "$rc" -eq 2 ]'
out=$(run sync --from "$A" --to "$T/e.db" --status nonsense 2>&1); rc=$?
check "a bad --status: usage ($rc: $out)" '[ "$rc" -eq 2 ]'

# -- 2. killed mid-way, run again ----------------------------------------------------------------
S="$T/bulk.db"
printf '1\n1\n' | run run "$T/t.xml" --db "$S" --agent seed >/dev/null 2>&1
sync_bulk "$S" "$BULK_N" small
total_s=$(q "$S" "SELECT count(*) FROM sessions")
total_e=$(q "$S" "SELECT count(*) FROM events")
D="$T/dest.db"
# kill once some batches are in (batches of 400 sessions): a random point past the first
want=$(( 1 + $(od -An -N1 -tu1 /dev/urandom | tr -d ' ') % (total_s / 1200 + 1) * 400 ))
sync_kill "$S" "$D" "$want"
check "the copy was killed mid-way ($have of $total_s sessions in)" \
    '[ "$have" -gt 0 ] && [ "$have" -lt "$total_s" ]'
out=$(run sync --from "$S" --to "$D" 2>&1); rc=$?
check "the copy run again after the kill succeeds ($rc: $out)" '[ "$rc" -eq 0 ]'
ns=$(q "$D" "SELECT count(*), count(DISTINCT uuid) FROM sessions")
ne=$(q "$D" "SELECT count(*) FROM events")
check "every session exactly once ($ns)" '[ "$ns" = "$total_s|$total_s" ]'
check "every event exactly once ($ne of $total_e)" '[ "$ne" = "$total_e" ]'
q "$S" "SELECT uuid, status, events, steps, coalesce(ended_ms, 'open'), (SELECT group_concat(seq || kind || label) FROM events e WHERE e.sid = s.sid) FROM sessions s ORDER BY uuid" >"$T/s.rows"
q "$D" "SELECT uuid, status, events, steps, coalesce(ended_ms, 'open'), (SELECT group_concat(seq || kind || label) FROM events e WHERE e.sid = s.sid) FROM sessions s ORDER BY uuid" >"$T/d.rows"
check "every session and event as in the source (also the sessions without events)" \
    'cmp -s "$T/s.rows" "$T/d.rows"'
out=$(run sync --from "$S" --to "$D" 2>&1)
check "and once more: nothing to do ($out)" \
    'echo "$out" | grep -q " 0 created, 0 updated, $total_s already there, 0 not merged; 0 events written"'

e2e_done
