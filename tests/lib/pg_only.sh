# tests/lib/pg_only.sh — what only a shared PostgreSQL store has (issue 12 points 1-3, 7), run by
# tests/e2e/record_pg.sh inside its cluster (not a suite of its own): identical output on both
# stores, report --sql in PostgreSQL's dialect, tokens, two "machines" handing one session back
# and forth, refusal while claimed, take-over after expiry, the least-privilege roles of
# docs/recording.md, and one clear message each for a wrong password, an unreachable server, a
# newer schema and a role without INSERT (a call then goes on in the spool).  Ends "N passed, N failed".
. tests/lib/e2e.sh
DT_STORE=pg
. tests/lib/store.sh
unset DTREE_DB
export TZ=UTC NO_COLOR=1
T=trees/printer.xml
expect() { # NAME CODE CMD...: exit code CODE; stdout in $tmp/o, stderr in $tmp/e
    name=$1 want=$2
    shift 2
    run "$@" >"$tmp/o" 2>"$tmp/e"
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "$name: exit $got, want $want"; cat "$tmp/e"; fi
}
has() { if grep -q -- "$2" "$3"; then ok; else bad "$1: no '$2' in $3:"; head -n 8 "$3"; fi; }
hasnt() { if grep -q -- "$2" "$3"; then bad "$1: '$2' in $3"; grep -- "$2" "$3" | head -n 3; else ok; fi; }

# -- the same calls on both stores: the same reports ----------------------------------------------
P=$(newdb same)
S="$tmp/same.db"
for db in "$P" "$S"; do
    for a in '1 1 1' '2 1' '1 2 2 2' '3' '1 1 1'; do
        printf '%s\n' $a | run run "$T" --db "$db" --agent ann >/dev/null 2>&1
    done
done
for t in outcomes ends drop_off paths choices; do
    run report --db "$P" --only "$t" >"$tmp/p.$t" 2>&1
    run report --db "$S" --only "$t" >"$tmp/s.$t" 2>&1
    if cmp -s "$tmp/p.$t" "$tmp/s.$t"; then ok; else bad "report $t differs:"; diff "$tmp/s.$t" "$tmp/p.$t" | head; fi
done
run sessions --db "$P" | cut -c1-8 --complement | sed 's/ 20[0-9-]* [0-9:]* //; s/ [0-9]*m[0-9]*s / /' >"$tmp/p.ls"
run sessions --db "$S" | cut -c1-8 --complement | sed 's/ 20[0-9-]* [0-9:]* //; s/ [0-9]*m[0-9]*s / /' >"$tmp/s.ls"
cmp -s "$tmp/p.ls" "$tmp/s.ls" && ok || { bad "sessions differ:"; diff "$tmp/s.ls" "$tmp/p.ls" | head; }
expect "graph --heat on PostgreSQL" 0 graph --heat --db "$P" printer
has "graph --heat counts" 'penwidth' "$tmp/o"

# -- report --sql: PostgreSQL's dialect, and psql runs it ------------------------------------------
run report --sql --db "$P" >"$tmp/rep.sql" 2>&1
has "report --sql for PostgreSQL" 'string_agg' "$tmp/rep.sql"
hasnt "no SQLite-only function" 'group_concat' "$tmp/rep.sql"
sed 's/\$[1-4]/NULL/g; s/\$[56]/0/g' "$tmp/rep.sql" >"$tmp/rep.run.sql"
psql -X -q -v ON_ERROR_STOP=1 -d "$P" -f "$tmp/rep.run.sql" >/dev/null 2>"$tmp/e" && ok ||
    { bad "psql cannot run report --sql:"; head -n 5 "$tmp/e"; }
run report --sql --db "$S" >"$tmp/rep.sqlite" 2>&1
has "report --sql for SQLite" 'group_concat' "$tmp/rep.sqlite"

# -- rows one at a time: an export's memory does not grow with the events --------------------------
# engine/record_db_pg.c reads a query's rows in single-row mode; had it read the whole result at
# once (PQexec), 60,000 more events would add some 30 MB to the peak.  Not under valgrind (its
# own memory is what would be measured); under ASan its quarantine of freed blocks is turned off.
if [ -z "${DTREE_WRAP:-}" ]; then
    peak_kb() { # the command's peak RSS in KB
        ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=0" python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
    }
    small=$(peak_kb "$DTREE" export --format csv --db "$P") || small=
    dbsql "$P" "INSERT INTO events(sid, seq, time_ms, kind, tree_id, step_id, step_kind, choice_id, label, path_length)
        SELECT s.sid, 1000 + g, s.started_ms + g, 'step', s.tree_id, 'many-' || g, 'question', '',
          repeat('x', 200), 1
        FROM (SELECT sid, started_ms, tree_id FROM sessions ORDER BY sid LIMIT 1) s,
          generate_series(1, 60000) g" >/dev/null
    rows=$("$DTREE" export --format csv --db "$P" | grep -c 'many-')
    [ "$rows" = 60000 ] && ok || bad "export gave $rows of the 60000 events"
    big=$(peak_kb "$DTREE" export --format csv --db "$P") || big=
    if [ -n "$small" ] && [ -n "$big" ] && [ $((big - small)) -lt 8192 ]; then ok; else
        bad "export's peak grew from ${small:-?} KB to ${big:-?} KB with 60,000 more events"
    fi
fi

# -- tokens live in the shared store ----------------------------------------------------------------
expect "token add on PostgreSQL" 0 token add desk1 --role agent --db "$P"
expect "token list on PostgreSQL" 0 token list --db "$P"
has "token listed" 'desk1' "$tmp/o"
[ "$(dbsql "$P" "SELECT count(*) FROM tokens WHERE name = 'desk1' AND length(hash) >= 32")" = 1 ] &&
    ok || bad "the token's hash is not in the PostgreSQL store"

# -- two machines, one session ---------------------------------------------------------------------
H=$(newdb hand)
mkdir -p "$tmp/A" "$tmp/B"
machine() { # $1 = A|B, then the command: its own HOME and XDG directories
    m=$1
    shift
    HOME="$tmp/$m" XDG_DATA_HOME="$tmp/$m/data" XDG_CONFIG_HOME="$tmp/$m/config" DTREE_DB="$H" run "$@"
}
printf '1\n' | machine A run tests/cases/run/trees/tiny.xml --agent alice >/dev/null 2>&1
id=$(run sessions --db "$H" --json | sed -n 's/^ *"id": "\(.*\)",$/\1/p' | head -n 1)
[ -n "$id" ] && ok || bad "machine A recorded nothing"
agent=alice
i=1
while [ "$i" -le 5 ]; do   # back and forth five times: B, A, B, A, B
    if [ $((i % 2)) -eq 1 ]; then m=B who=bob; else m=A who=alice; fi
    printf 'note part %s\n' "$i" | machine "$m" resume "$id" --agent "$who" >"$tmp/h$i.out" 2>"$tmp/h$i.err"
    grep -q "left by $agent" "$tmp/h$i.err" && ok || { bad "hand-off $i: not 'left by $agent'"; cat "$tmp/h$i.err"; }
    agent=$who
    i=$((i + 1))
done
n=$(dbsql "$H" "SELECT count(*) FROM events e JOIN sessions s ON s.sid = e.sid WHERE s.uuid = '$id' AND e.kind = 'handoff'")
[ "$n" = 5 ] && ok || bad "$n hand-offs recorded, want 5"
run show "$id" --db "$H" >"$tmp/show" 2>&1
has "show names alice" '1\. alice' "$tmp/show"
has "show names bob" '2\. bob' "$tmp/show"
has "show has the sixth part" '6\. bob' "$tmp/show"
run sessions --db "$H" >"$tmp/o" 2>&1
has "sessions names every agent" 'alice>bob' "$tmp/o"
[ "$(dbsql "$H" "SELECT count(*) FROM claims")" = 0 ] && ok || bad "a claim was left after every part quit"

# refused while claimed: A holds the session (waiting at a question), B is told who and since when
mkfifo "$tmp/hold"
machine A resume "$id" --agent alice <"$tmp/hold" >/dev/null 2>"$tmp/a.err" &
apid=$!
exec 9>"$tmp/hold"
k=0
while [ "$(dbsql "$H" "SELECT count(*) FROM claims")" != 1 ] && [ "$k" -lt 200 ]; do sleep 0.05; k=$((k + 1)); done
echo 1 | machine B resume "$id" --agent bob >/dev/null 2>"$tmp/b.err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "held by agent 'alice'" "$tmp/b.err" && grep -q 'since 20' "$tmp/b.err" && ok ||
    { bad "B resumed a session A holds (exit $rc):"; cat "$tmp/b.err"; }
# the lease runs out (A's machine is gone from the network, say): B may take it without --take-over
dbsql "$H" "UPDATE claims SET expires_ms = 1" >/dev/null
printf 'note taken after expiry\n' | machine B resume "$id" --agent bob >/dev/null 2>"$tmp/b.err"
grep -q 'resuming session .* (left by' "$tmp/b.err" && ok || { bad "resume after the lease expired:"; cat "$tmp/b.err"; }
echo >&9                    # A goes on (Enter): its recording stops and says so
exec 9>&-
wait "$apid"
grep -q "recording stopped" "$tmp/a.err" && ok || { bad "A was not told that its recording stopped:"; cat "$tmp/a.err"; }
n=$(dbsql "$H" "SELECT count(*) FROM events e JOIN sessions s ON s.sid = e.sid WHERE s.uuid = '$id' AND e.kind = 'answer' AND e.time_ms > (SELECT max(h.time_ms) FROM events h WHERE h.sid = s.sid AND h.kind = 'handoff')")
[ "$n" = 0 ] && ok || bad "A's answer after the take-over was recorded ($n)"

# --take-over of a live claim (the holder's machine is known to be gone): allowed, recorded
mkfifo "$tmp/hold2"
machine A resume "$id" --agent alice <"$tmp/hold2" >/dev/null 2>"$tmp/a2.err" &
apid=$!
exec 8>"$tmp/hold2"
k=0
while [ "$(dbsql "$H" "SELECT count(*) FROM claims")" != 1 ] && [ "$k" -lt 200 ]; do sleep 0.05; k=$((k + 1)); done
printf 'note taken over\n' | machine B resume "$id" --agent bob --take-over >/dev/null 2>"$tmp/b2.err"
grep -q 'taken over from a live claim' "$tmp/b2.err" && ok || { bad "--take-over:"; cat "$tmp/b2.err"; }
exec 8>&-
wait "$apid"
n=$(dbsql "$H" "SELECT count(*) FROM events e JOIN sessions s ON s.sid = e.sid WHERE s.uuid = '$id' AND e.kind = 'handoff' AND e.extra = 'take-over'")
[ "$n" = 1 ] && ok || bad "$n hand-offs marked take-over, want 1"

# -- roles: the SQL of docs/recording.md, as written there ------------------------------------------
R=$(newdb roles)
run token list --db "$R" >/dev/null 2>&1   # the schema, made by the owner (a read-write open)
sed -n '/^-- roles: begin$/,/^-- roles: end$/p' docs/recording.md >"$tmp/roles.sql"
[ -s "$tmp/roles.sql" ] && ok || bad "docs/recording.md has no roles SQL block"
psql -X -q -v ON_ERROR_STOP=1 -d "$R" -f "$tmp/roles.sql" >/dev/null 2>"$tmp/e" && ok ||
    { bad "the roles SQL fails:"; cat "$tmp/e"; }
RR=$(echo "$R" | sed 's|//postgres@|//dtree_recorder@|')
RP=$(echo "$R" | sed 's|//postgres@|//dtree_report@|')
printf '1\n1\n1\n' | run run "$T" --db "$RR" --agent rita >/dev/null 2>"$tmp/e"
rc=$?
[ "$rc" -eq 5 ] && ! grep -q 'cannot record\|WARNING' "$tmp/e" && ok ||
    { bad "the recorder role cannot record (exit $rc):"; cat "$tmp/e"; }
rid=$(run sessions --db "$RP" --json 2>/dev/null | sed -n 's/^ *"id": "\(.*\)",$/\1/p' | head -n 1)
printf 'restart\n' | run resume "$rid" --db "$RR" --agent rob >/dev/null 2>"$tmp/e"
expect "the reporting role reads" 0 report --db "$RP"
has "report as dtree_report" 'sessions *1' "$tmp/o"
for q in "DELETE FROM events" "UPDATE events SET label = 'x'" "UPDATE sessions SET uuid = 'x'" \
    "DELETE FROM sessions" "SELECT * FROM tokens" "DROP TABLE events"; do
    if pg_sql -d "$RR" "$q" >/dev/null 2>"$tmp/e"; then bad "the recorder role may: $q"; else
        grep -q 'permission denied\|must be owner' "$tmp/e" && ok || { bad "$q: not a permission error"; cat "$tmp/e"; }
    fi
done
for q in "INSERT INTO events(sid, seq, time_ms, kind) VALUES (1, 99, 0, 'x')" "DELETE FROM claims"; do
    if pg_sql -d "$RP" "$q" >/dev/null 2>"$tmp/e"; then bad "the reporting role may: $q"; else ok; fi
done
# A recording command that cannot record says why once, and the call goes on in the spool
# (docs/recording.md, "the spool"; tests/e2e/pg_spool.sh): exit 5 here only because the piped
# answers end before the tree does.
export DTREE_SPOOL="$tmp/spool.db"
# one line about recording: the piped answers' end and a --db password's warning are said apart
calm1() { [ "$(grep -v 'end of input at step\|--db holds a password' "$tmp/e" | grep -c .)" -eq 1 ]; }
spooled() { [ "$(sqlite3 "$DTREE_SPOOL" "SELECT count(*) FROM sessions" 2>/dev/null)" -gt "${1:-0}" ]; }
printf '1\n' | run run "$T" --db "$RP" --agent rex >/dev/null 2>"$tmp/e"
rc=$?
[ "$rc" -eq 5 ] && grep -q 'lacks the right' "$tmp/e" && grep -q 'kept on this machine' "$tmp/e" &&
    calm1 && spooled 0 && ok ||
    { bad "a role without INSERT (exit $rc):"; cat "$tmp/e"; }

# -- one clear message each ---------------------------------------------------------------------------
pg_sql "CREATE ROLE dtree_pw LOGIN SUPERUSER PASSWORD 'Right0ne'" >/dev/null
run token list --db "$PG_URI" >/dev/null 2>&1
W="postgresql://dtree_pw:Wr0ngPw99@/postgres?host=$PG_DIR&port=$PG_PORT"
n=$(sqlite3 "$DTREE_SPOOL" "SELECT count(*) FROM sessions")
printf '1\n' | run run "$T" --db "$W" --agent x >/dev/null 2>"$tmp/e"
rc=$?
[ "$rc" -eq 5 ] && grep 'refused the login' "$tmp/e" | grep -q 'kept on this machine' &&
    calm1 && spooled "$n" && ok || { bad "wrong password (exit $rc):"; cat "$tmp/e"; }
hasnt "the password is never shown" 'Wr0ngPw99' "$tmp/e"
has "the URI is shown masked" 'dtree_pw:\*\*\*@' "$tmp/e"
has "argv passwords are warned about" 'pgpass' "$tmp/e"
echo "*:*:*:dtree_pw:Wr0ngPw99" >"$tmp/pgpass"
chmod 600 "$tmp/pgpass"
PGPASSFILE="$tmp/pgpass" run sessions --db "postgresql://dtree_pw@/postgres?host=$PG_DIR&port=$PG_PORT" >/dev/null 2>"$tmp/e"
rc=$?
[ "$rc" -eq 4 ] && grep -q 'refused the login' "$tmp/e" && ok || { bad "wrong password in PGPASSFILE (exit $rc):"; cat "$tmp/e"; }
echo "*:*:*:dtree_pw:Right0ne" >"$tmp/pgpass"
PGPASSFILE="$tmp/pgpass" run sessions --db "postgresql://dtree_pw@/postgres?host=$PG_DIR&port=$PG_PORT" >/dev/null 2>"$tmp/e"
[ $? -eq 0 ] && ok || { bad "the right password in PGPASSFILE:"; cat "$tmp/e"; }
expect "unreachable server" 4 sessions --db "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=5"
has "unreachable: what to check" 'cannot reach the PostgreSQL server' "$tmp/e"
[ "$(grep -c . "$tmp/e")" -le 2 ] && ok || { bad "unreachable: more than one message"; cat "$tmp/e"; }
N=$(newdb newer)
run token list --db "$N" >/dev/null 2>&1
dbsql "$N" "UPDATE dtree_schema SET version = 99" >/dev/null
n=$(sqlite3 "$DTREE_SPOOL" "SELECT count(*) FROM sessions")
printf '1\n' | run run "$T" --db "$N" >/dev/null 2>"$tmp/e"
rc=$?
[ "$rc" -eq 5 ] && grep 'schema version 99 is newer than this dtree knows' "$tmp/e" |
    grep -q 'kept on this machine' && calm1 && spooled "$n" && ok ||
    { bad "newer schema (exit $rc):"; cat "$tmp/e"; }
O=$(newdb other)
dbsql "$O" "CREATE TABLE sessions(x int)" >/dev/null
expect "another program's tables" 4 sessions --db "$O"
has "not ours" 'not a dtree recording database' "$tmp/e"

# -- a password in --db is gone from `ps` while the call waits for an answer ------------------------
# cli/record_hook.c overwrites it in argv (the kernel's /proc/PID/cmdline is what `ps` reads) and
# never puts it into the environment.  Under valgrind cmdline is valgrind's own copy: skipped.
if [ -z "${DTREE_WRAP:-}" ]; then
    mkfifo "$tmp/ps"
    "$DTREE" run "$T" --db "postgresql://dtree_pw:Right0ne@/postgres?host=$PG_DIR&port=$PG_PORT" \
        --agent pat <"$tmp/ps" >"$tmp/ps.out" 2>"$tmp/ps.err" &
    pp=$!
    exec 7>"$tmp/ps"
    k=0   # bounded: until it shows the first question (it then reads the fifo)
    while { [ ! -s "$tmp/ps.out" ] || ! grep -q 'holds a password' "$tmp/ps.err"; } && [ $k -lt 200 ]; do
        sleep 0.05; k=$((k + 1))
    done
    tr '\0' ' ' <"/proc/$pp/cmdline" >"$tmp/ps.cmd" 2>/dev/null
    tr '\0' '\n' <"/proc/$pp/environ" >"$tmp/ps.env" 2>/dev/null
    has "ps shows the waiting call's --db" 'postgresql://dtree_pw:\**@' "$tmp/ps.cmd"
    hasnt "ps never shows the password" 'Right0ne' "$tmp/ps.cmd"
    hasnt "nor does its environment" 'Right0ne' "$tmp/ps.env"
    exec 7>&-
    wait "$pp"
    hasnt "the call was recorded there" 'cannot record' "$tmp/ps.err"
fi

e2e_done
