#!/bin/sh
# pg_spool.sh — what a network failure and the moving of recordings do on PostgreSQL (issue 12
# points 4, 5, 6), on a throw-away cluster started here (tests/lib/pg.sh):
#   1. the server stopped (`pg_ctl stop -m immediate`) mid-call and started again: the call never
#      stops, the agent sees one calm line (no warning), the spool is uploaded, answers == answer
#      events, every seq once, the spool empty;
#   1b. the server black-holed mid-call through a relay (connections dropped, new ones held without
#      a word), then carried on: every answer timed from outside stays under 1 s (no reconnection
#      waits), the rest lands on the server, every seq once;
#   1c. a call started while black-holed moves to the server mid-call when the relay opens: the
#      spooled part uploaded, the rest recorded there under the agent's claim, every seq once;
#   2. a call killed while spooling: `dtree sync --from SPOOL --to PG` uploads it, run again adds
#      nothing, `dtree resume` goes on from there;
#   3. a server that cannot be used at the start (unreachable, a host that never answers, wrong
#      password, a newer schema, a role without the right to insert): one calm line each that
#      says why (no password in it), the call goes on, every event is in the spool; the connect
#      timeout bounds the wait (the string's, else 5 s); the next reachable call uploads it;
#   4. sync of a SQLite store into PostgreSQL (COPY), killed mid-way and run again: every session
#      and event exactly once; values with a tab, newline or backslash as they were; a session
#      held with a different event named and not merged; the live board (tests/e2e/follow.sh)
#      with LISTEN/NOTIFY.
# Under valgrind the loops are scaled down.  Ends with "N passed, N failed".
. tests/lib/e2e.sh
. tests/lib/pg.sh
. tests/lib/sync_kill.sh
need psql
need sqlite3
e2e_on_exit() { [ -z "${lp:-}" ] || kill "$lp" 2>/dev/null; [ -z "${pp:-}" ] || kill "$pp" 2>/dev/null; pg_stop; }
if ! pg_start; then echo "0 passed, 1 failed"; exit 1; fi
export PG_DIR PG_USER PG_URI PG_PORT
T=$tmp
unset DTREE_DB
BULK_N=3000
WAIT=100           # polls of 0.1 s
SLACK=3000         # ms a command may take beyond a connect timeout
if [ -n "${DTREE_WRAP:-}" ]; then BULK_N=600; WAIT=600; SLACK=30000; fi
check() { # $1 = description, $2 = shell condition
    if eval "$2"; then ok; else bad "$1"; fi
}
q() { pg_sql -d "$1" "$2"; }
until_has() { # $1 = file, $2 = pattern: bounded wait for a line
    i=0
    while [ $i -lt $WAIT ]; do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; i=$((i + 1)); done
    return 1
}
until_rows() { # $1 = sqlite file, $2 = SQL, $3 = value: bounded wait
    i=0
    while [ $i -lt $WAIT ]; do [ "$(sqlite3 "$1" "$2" 2>/dev/null)" = "$3" ] && return 0; sleep 0.1; i=$((i + 1)); done
    return 1
}
cat >"$T/long.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<tree id="long" version="1" title="Long">
  <question id="q1"><say>1?</say><choice id="a" to="q2">A</choice></question>
  <question id="q2"><say>2?</say><choice id="a" to="q3">A</choice></question>
  <question id="q3"><say>3?</say><choice id="a" to="q4">A</choice></question>
  <question id="q4"><say>4?</say><choice id="a" to="q5">A</choice></question>
  <question id="q5"><say>5?</say><choice id="a" to="q6">A</choice></question>
  <question id="q6"><say>6?</say><choice id="a" to="done">A</choice></question>
  <end id="done" outcome="resolved"><say>Bye</say></end>
</tree>
XML
mkfifo "$T/in"
export DTREE_SPOOL="$T/spool.db"
answers() { q "$1" "SELECT count(*) FILTER (WHERE kind = 'answer') || ' ' || count(*) || ' ' || count(DISTINCT seq) || ' ' || max(seq) FROM events"; }

# -- 1. stopped mid-call, started again ------------------------------------------------------------
U=$(pg_db mid)
$DTREE_WRAP "$DTREE" run "$T/long.xml" --db "$U" --agent al <"$T/in" >"$T/out1" 2>"$T/err1" &
rp=$!
exec 3>"$T/in"
echo 1 >&3; echo 1 >&3
i=0; while [ $i -lt $WAIT ] && [ "$(q "$U" "SELECT count(*) FROM events WHERE kind = 'answer'" 2>/dev/null)" != 2 ]; do sleep 0.1; i=$((i + 1)); done
pg_stop immediate
echo 1 >&3; echo 1 >&3
check "the calm line comes once the server is gone ($(cat "$T/err1"))" 'until_has "$T/err1" "cannot be reached; the call goes on"'
check "the answers given meanwhile are in the spool" \
    'until_rows "$T/spool.db" "SELECT count(*) FROM events WHERE kind = '"'answer'"'" 2'
pg_restart
sleep 6   # libpq asks an unreachable server again after 5 s: the next answer finds it back
echo 1 >&3; echo 1 >&3
exec 3>&-
wait $rp; rc=$?
check "the call went on to its end ($rc)" '[ "$rc" -eq 0 ] && grep -q "Outcome: resolved" "$T/out1"'
n=$(grep -c "cannot be reached" "$T/err1")
check "one calm line, no warning ($(cat "$T/err1"))" '[ "$n" -eq 1 ] && ! grep -qi "warning\|failed" "$T/err1"'
n=$(grep -c "is back;\|can be used again" "$T/err1")
check "one line when it is back, and nothing else ($(cat "$T/err1"))" '[ "$n" -eq 1 ] && [ "$(grep -c . "$T/err1")" -eq 2 ]'
a=$(answers "$U")
check "answers == answer events, every seq once ($a)" '[ "$a" = "6 15 15 15" ]'
st=$(q "$U" "SELECT status || ' ' || steps || ' ' || events FROM sessions")
check "the session row is whole ($st)" '[ "$st" = "completed 7 15" ]'
check "the spool kept nothing" '[ "$(sqlite3 "$T/spool.db" "SELECT count(*) FROM events")" = 0 ]'

# -- 1b. a server that goes silent mid-call (a black hole) and comes back --------------------------
# The call reaches the server through a relay (proxy.py); when $T/hole exists the relay drops the
# connections it carries and takes new ones without a word (a host whose packets are swallowed);
# when it is gone again it carries the held ones on.  Each answer is timed from outside, from
# writing it to the next question on the screen: a reconnection must never hold an answer up
# (libpq's blocking connect held one for the whole connect timeout, 3 s here, about every 5 s).
cat >"$T/proxy.py" <<'PY'
import os, select, socket, sys
port_file, upstream, hole = sys.argv[1:4]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
with open(port_file + ".tmp", "w") as f:
    f.write(str(ls.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
peer, held = {}, []
def link(c):
    u = socket.socket(socket.AF_UNIX)
    try:
        u.connect(upstream)
    except OSError:
        c.close(); u.close(); return
    peer[c], peer[u] = u, c
def drop(s):
    o = peer.pop(s, None)
    for x in (s, o):
        if x is not None:
            peer.pop(x, None); x.close()
while True:
    dark = os.path.exists(hole)
    if dark:
        for s in list(peer):
            drop(s)
    elif held:
        for c in held:
            link(c)
        held = []
    r = select.select([ls] + list(peer), [], [], 0.05)[0]
    for s in r:
        if s is ls:
            c = ls.accept()[0]
            held.append(c) if dark else link(c)
        elif s in peer:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            try:
                peer[s].sendall(data) if data else drop(s)
            except (OSError, KeyError):
                drop(s)
PY
python3 "$T/proxy.py" "$T/proxy.port" "$PG_DIR/.s.PGSQL.$PG_PORT" "$T/hole" &
pp=$!
until_file() { i=0; while [ $i -lt $WAIT ] && [ ! -s "$1" ]; do sleep 0.1; i=$((i + 1)); done; }
until_file "$T/proxy.port"
NQ=30
{ echo '<?xml version="1.0" encoding="UTF-8"?><tree id="many" version="1" title="Many">'
  k=1; while [ $k -lt $NQ ]; do
      echo "<question id=\"q$k\"><say>Question $k of many.</say><choice id=\"a\" to=\"q$((k + 1))\">A</choice></question>"
      k=$((k + 1)); done
  echo "<question id=\"q$NQ\"><say>Question $NQ of many.</say><choice id=\"a\" to=\"done\">A</choice></question>"
  echo '<end id="done" outcome="resolved"><say>Bye</say></end></tree>'; } >"$T/many.xml"
LAT=1000                                     # ms an answer may take, from outside
[ -z "${DTREE_WRAP:-}" ] || LAT=2500         # (still under the connect timeout it must not wait)
ms() { echo $(($(date +%s%N) / 1000000)); }
shown() { # $1 = a question's number: bounded wait until it is on the screen
    i=0
    while [ $i -lt $((WAIT * 5)) ]; do grep -q "Question $1 of" "$OUT" && return 0; sleep 0.02; i=$((i + 1)); done
    return 1
}
slowest=0; times=
answer() { # $1 = the question answered: answer it, time it until the next one shows
    t0=$(ms); echo 1 >&3
    if [ "$1" -lt $NQ ]; then shown $(($1 + 1)); else until_has "$OUT" "Outcome: resolved"; fi
    took=$(($(ms) - t0)); times="$times $took"
    [ "$took" -le "$slowest" ] || slowest=$took
}
last_answer() { # $1 = name, $2 = database, $3 = agent: the last answer, the end, the record
    answer $NQ
    exec 3>&-
    wait $rp; rc=$?
    name=$1 ag=$3
    check "$name: no answer waited after it either (slowest ${slowest} ms of:$times)" '[ "$slowest" -lt "$LAT" ]'
    echo "$name: the slowest answer took ${dark_slowest} ms while dark, ${slowest} ms after (limit $LAT)"
    check "$name: the call went on to its end ($rc)" '[ "$rc" -eq 0 ] && grep -q "Outcome: resolved" "$OUT"'
    a=$(answers "$2")
    check "$name: answers == answer events, every seq once ($a)" \
        'set -- $a; [ "$1" = $NQ ] && [ "$2" = "$3" ] && [ "$3" = "$4" ]'
    st=$(q "$2" "SELECT status || ' ' || steps || ' ' || events || ' ' || agent FROM sessions")
    check "$name: one session row, whole ($st; $a)" 'set -- $a; [ "$st" = "completed $((NQ + 1)) $2 $ag" ]'
    check "$name: the spool kept nothing" '[ "$(sqlite3 "$T/spool.db" "SELECT count(*) FROM events")" = 0 ]'
}
H=$(pg_db hole)
OUT=$T/out_h
UH="postgresql://postgres@127.0.0.1:$(cat "$T/proxy.port")/hole?connect_timeout=3"
$DTREE_WRAP "$DTREE" run "$T/many.xml" --db "$UH" --agent hole <"$T/in" >"$T/out_h" 2>"$T/err_h" &
rp=$!
exec 3>"$T/in"
shown 1
answer 1; answer 2
check "before the hole, the answers are on the server" \
    '[ "$(q "$H" "SELECT count(*) FROM events WHERE kind = '"'answer'"'")" = 2 ]'
touch "$T/hole"
k=3; while [ $k -le 18 ]; do answer $k; sleep 0.4; k=$((k + 1)); done
dark_slowest=$slowest
check "the server black-holed: no answer waited for it (slowest ${slowest} ms of:$times)" \
    '[ "$slowest" -lt "$LAT" ]'
check "the answers given meanwhile are in the spool ($(cat "$T/err_h"))" \
    'grep -q "cannot be reached; the call goes on" "$T/err_h" && [ "$(sqlite3 "$T/spool.db" "SELECT count(*) FROM events WHERE kind = '"'answer'"'")" -gt 0 ]'
rm -f "$T/hole"
slowest=0; times=
while [ $k -lt $NQ ]; do answer $k; sleep 0.4; k=$((k + 1)); done
have=$(q "$H" "SELECT count(*) FROM events WHERE kind = 'answer'")
check "back: mid-call, every answer so far is on the server ($have of $((NQ - 1)); $(cat "$T/err_h"))" \
    '[ "$have" = $((NQ - 1)) ] && grep -q "is back; the answers kept" "$T/err_h"'
last_answer black-hole "$H" hole
check "no warning ($(cat "$T/err_h"))" '! grep -qi "warning\|failed" "$T/err_h"'

# -- 1c. a call that starts while the server is black-holed moves to it mid-call -----------------
# The start waits for the connect timeout (3 s) and goes on in the spool; meanwhile the CLI asks
# the server again without waiting for it; once it answers, the spooled part is uploaded and the
# rest of the call is recorded there, under a claim that names the agent.
M=$(pg_db moved)
OUT=$T/out_m
UM="postgresql://postgres@127.0.0.1:$(cat "$T/proxy.port")/moved?connect_timeout=3"
touch "$T/hole"; sleep 0.3   # (the relay looks every 50 ms)
$DTREE_WRAP "$DTREE" run "$T/many.xml" --db "$UM" --agent mover <"$T/in" >"$OUT" 2>"$T/err_m" &
rp=$!
exec 3>"$T/in"
shown 1
slowest=0; times=
k=1; while [ $k -le 12 ]; do answer $k; sleep 0.4; k=$((k + 1)); done
dark_slowest=$slowest
check "started black-holed: one calm line, the answers in the spool ($(cat "$T/err_m"))" \
    'grep -q "cannot record into" "$T/err_m" && [ "$(sqlite3 "$T/spool.db" "SELECT count(*) FROM events WHERE kind = '"'answer'"'")" = 12 ]'
check "started black-holed: no answer waited for the server (slowest ${slowest} ms of:$times)" \
    '[ "$slowest" -lt "$LAT" ]'
n=$(q "$M" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" 2>&1)
check "nothing on the server yet, not even the schema ($n)" '[ "$n" = 0 ]'
rm -f "$T/hole"
slowest=0; times=
while [ $k -lt $NQ ]; do answer $k; sleep 0.4; k=$((k + 1)); done
have=$(q "$M" "SELECT count(*) FROM events WHERE kind = 'answer'")
holder=$(q "$M" "SELECT holder FROM claims")
check "moved mid-call: every answer so far on the server ($have of $((NQ - 1)); $(cat "$T/err_m"))" \
    '[ "$have" = $((NQ - 1)) ] && grep -q "can be used again; the answers kept on this machine are saved there and the call goes on there" "$T/err_m"'
check "the server names who holds the call ($holder)" '[ "$holder" = mover ]'
check "the spool forgot the call once it moved" \
    '[ "$(sqlite3 "$T/spool.db" "SELECT count(*) FROM events")" = 0 ]'
last_answer moved "$M" mover
check "moved: the claim is released at the end" '[ "$(q "$M" "SELECT count(*) FROM claims")" = 0 ]'
check "moved: one calm line at the start, one when it moved ($(cat "$T/err_m"))" \
    '[ "$(grep -c . "$T/err_m")" -eq 2 ] && ! grep -qi "warning" "$T/err_m"'
kill "$pp"; wait "$pp" 2>/dev/null; pp=

# -- 2. killed while spooling --------------------------------------------------------------------
U=$(pg_db killed)
$DTREE_WRAP "$DTREE" run "$T/long.xml" --db "$U" --agent bo <"$T/in" >/dev/null 2>"$T/err2" &
rp=$!
exec 3>"$T/in"
echo 1 >&3; echo 1 >&3
i=0; while [ $i -lt $WAIT ] && [ "$(q "$U" "SELECT count(*) FROM events WHERE kind = 'answer'" 2>/dev/null)" != 2 ]; do sleep 0.1; i=$((i + 1)); done
pg_stop immediate
echo 1 >&3; echo 1 >&3
check "spooling" 'until_rows "$T/spool.db" "SELECT count(*) FROM events WHERE kind = '"'answer'"'" 2'
kill -9 $rp; wait $rp 2>/dev/null
exec 3>&-
pg_restart
out=$(run sync --from "$T/spool.db" --to "$U" 2>&1); rc=$?
check "sync uploads what the killed call spooled ($rc: $out)" '[ "$rc" -eq 0 ] && echo "$out" | grep -q "1 updated"'
a=$(answers "$U")
check "every answer once ($a)" '[ "$a" = "4 10 10 10" ]'
out=$(run sync --from "$T/spool.db" --to "$U" 2>&1)
check "run again: nothing to add ($out)" 'echo "$out" | grep -q "0 events written"'
check "no event twice" '[ "$(answers "$U")" = "4 10 10 10" ]'
id=$(q "$U" "SELECT substr(uuid, 1, 8) FROM sessions")
printf '1\n1\n' | run resume "$id" --db "$U" --agent cy --tree "$T/long.xml" >"$T/out2b" 2>&1
check "resume goes on from the spooled answers ($(tail -n 3 "$T/out2b"))" 'grep -q "Outcome: resolved" "$T/out2b"'
rm -f "$T/spool.db"*

# -- 3. a server that cannot be used at the start --------------------------------------------------
offline() { # $1 = name, $2 = the --db value; the call must end and be all in the spool
    name=$1
    printf '1\n1\n1\n1\n1\n1\n' | run run "$T/long.xml" --db "$2" --agent off >"$T/o_$1" 2>"$T/e_$1"
    rc=$?
    check "$name: the call goes on to its end ($rc; $(cat "$T/e_$name"))" '[ "$rc" -eq 0 ]'
    # one line that says why and that the call is kept here (a password in --db adds its warning)
    grep -v "^dtree: warning: --db holds a password" "$T/e_$name" >"$T/calm_$name"
    check "$name: one calm line that says why ($(cat "$T/e_$name"))" \
        '[ "$(grep -c . "$T/calm_$name")" -eq 1 ] && grep "cannot record into" "$T/calm_$name" | grep -q "kept on this machine"'
    check "$name: no password in any message" '! grep -q "s3cret" "$T/e_$name" "$T/o_$name"'
    sp=$(sqlite3 "$T/spool.db" "SELECT count(*) FROM events WHERE sid = (SELECT max(sid) FROM sessions)")
    check "$name: every event in the spool ($sp)" '[ "$sp" = 15 ]'
}
U=$(pg_db later)
offline unreachable "postgresql://postgres@/later?host=$T/nowhere&port=$PG_PORT"

# A host that takes the connection and never answers (a server hung, a firewall that swallows the
# packets): libpq waits for the server's first reply until the connect timeout, the string's
# connect_timeout= or else dtree's default, 5 s (docs/recording.md, "Connecting").  Both at once.
python3 -c '
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    held.append(s.accept()[0])
' "$T/silent.port" &
lp=$!
until_file "$T/silent.port"
SP=$(cat "$T/silent.port" 2>/dev/null)
( s=$(ms); env -u PGCONNECT_TIMEOUT $DTREE_WRAP "$DTREE" sessions --db "postgresql://u@127.0.0.1:$SP/db" \
    >/dev/null 2>"$T/e_default"; echo "$? $(($(ms) - s))" >"$T/t_default" ) &
dp=$!
s=$(ms)
offline silent "postgresql://u@127.0.0.1:$SP/db?connect_timeout=2"
took=$(($(ms) - s))   # two waits of 2 s: at the start, and the upload tried at the end
check "silent host, connect_timeout=2: the call went on in ${took} ms" '[ "$took" -lt $((4000 + SLACK)) ]'
check "silent host: it says it cannot reach the server ($(cat "$T/e_silent"))" \
    'grep -q "cannot reach the PostgreSQL server" "$T/e_silent"'
wait "$dp"
read -r drc dms <"$T/t_default"
check "silent host, no connect_timeout: gives up after the default 5 s ($drc, ${dms} ms; $(cat "$T/e_default"))" \
    '[ "$drc" -eq 4 ] && [ "$dms" -ge 4500 ] && [ "$dms" -lt $((5000 + SLACK)) ]'
kill "$lp"; wait "$lp" 2>/dev/null; lp=
q "$PG_URI" "CREATE ROLE dtree_pw LOGIN PASSWORD 'right'" >/dev/null
offline password "postgresql://dtree_pw:s3cret@/later?host=$PG_DIR&port=$PG_PORT"
N=$(pg_db newer)
echo 1 | run run "$T/long.xml" --db "$N" >/dev/null 2>&1   # dtree makes the schema
q "$N" "UPDATE dtree_schema SET version = version + 1" >/dev/null
offline newer "$N"
q "$PG_URI" "CREATE ROLE noins LOGIN" >/dev/null
echo 1 | run run "$T/long.xml" --db "$U" >/dev/null 2>&1   # the schema, by a role that may
q "$U" "GRANT SELECT ON ALL TABLES IN SCHEMA public TO noins" >/dev/null
offline no-insert "postgresql://noins@/later?host=$PG_DIR&port=$PG_PORT"
kept=$(sqlite3 "$T/spool.db" "SELECT count(*) FROM sessions")
before=$(q "$U" "SELECT count(*) FROM sessions")
printf '1\n1\n1\n1\n1\n1\n' | run run "$T/long.xml" --db "$U" --agent back >/dev/null 2>"$T/e_back"
after=$(q "$U" "SELECT count(*) FROM sessions")
check "the next call that reaches the server uploads the spool ($kept kept, $before -> $after; $(cat "$T/e_back"))" \
    '[ "$after" -eq $((before + kept + 1)) ] && grep -q "now saved there" "$T/e_back"'
check "and the spool forgets them" '[ "$(sqlite3 "$T/spool.db" "SELECT count(*) FROM sessions")" = 0 ]'

# -- 4. sync into PostgreSQL killed mid-way; the live board ------------------------------------------
S="$T/bulk.db"
printf '1\n1\n1\n1\n1\n1\n' | run run "$T/long.xml" --db "$S" --agent seed >/dev/null 2>&1
sync_bulk "$S" "$BULK_N" long
total_s=$(sqlite3 "$S" "SELECT count(*) FROM sessions"); total_e=$(sqlite3 "$S" "SELECT count(*) FROM events")
B2=$(pg_db bulk)
sync_kill "$S" "$B2" 400
check "the copy into PostgreSQL was killed mid-way ($have of $total_s)" '[ "$have" -gt 0 ] && [ "$have" -lt "$total_s" ]'
out=$(run sync --from "$S" --to "$B2" 2>&1); rc=$?
check "run again it finishes ($rc: $out)" '[ "$rc" -eq 0 ]'
got=$(q "$B2" "SELECT count(*) || ' ' || count(DISTINCT uuid) || ' ' || (SELECT count(*) FROM events) FROM sessions")
check "every session and event exactly once ($got)" '[ "$got" = "$total_s $total_s $total_e" ]'
run export --db "$S" --format jsonl | sort >"$T/s.dump"; run export --db "$B2" --format jsonl | sort >"$T/p.dump"
check "the same sessions and events as the SQLite store" 'cmp -s "$T/s.dump" "$T/p.dump"'

# COPY's text format: a tab, newline, carriage return or backslash in a value (a tree's text has
# them normalised away; a store may hold them) arrives as it was; a session that PostgreSQL holds
# with a different event is named and left as it is (the set-wise compare)
cat >"$T/esc.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<tree id="esc" version="1" title="Esc">
  <question id="q1"><say>One?</say><choice id="a" to="q2">A</choice></question>
  <question id="q2"><say>Two?</say><choice id="a" to="done">B</choice></question>
  <end id="done" outcome="resolved"><say>Bye</say></end>
</tree>
XML
E="$T/esc.db"
for ag in al bo; do printf '1\n1\n' | run run "$T/esc.xml" --db "$E" --agent $ag >/dev/null 2>&1; done
sqlite3 "$E" <<'SQL'
UPDATE events SET label = 'A' || char(9) || 'tab \back\\slash' || char(10) || '\N' || char(13) || '\.'
WHERE kind = 'answer' AND seq = 3;
SQL
E2=$(pg_db esc)
out=$(run sync --from "$E" --to "$E2" 2>&1); rc=$?
run export --db "$E" --format jsonl | sort >"$T/e.dump"; run export --db "$E2" --format jsonl | sort >"$T/e2.dump"
lab=$(psql -X -At -d "$E2" <<'SQL'
SELECT count(*) FROM events WHERE label = E'A\ttab \\back\\\\slash\n\\N\r\\.';
SQL
)
check "tab, newline, backslash copied as they are ($rc: $out; $lab)" \
    '[ "$rc" -eq 0 ] && [ "$lab" = 2 ] && cmp -s "$T/e.dump" "$T/e2.dump"'
al_id=$(sqlite3 "$E" "SELECT uuid FROM sessions WHERE agent = 'al'")
q "$E2" "UPDATE events SET label = 'tampered' WHERE seq = 3 AND sid = (SELECT sid FROM sessions WHERE uuid = '$al_id')" >/dev/null
sqlite3 "$E" "UPDATE sessions SET last_ms = last_ms + 1"
before=$(q "$E2" "SELECT last_ms FROM sessions WHERE uuid = '$al_id'")
out=$(run sync --from "$E" --to "$E2" 2>&1); rc=$?
after=$(q "$E2" "SELECT last_ms FROM sessions WHERE uuid = '$al_id'")
check "a difference in PostgreSQL: named, left as it was, the other session updated ($rc: $out)" \
    '[ "$rc" -eq 1 ] && echo "$out" | grep -q "session $al_id: event 3 differs" && [ "$after" = "$before" ] && echo "$out" | grep -q "0 created, 1 updated, 0 already there, 1 not merged"'

DT_STORE=pg DT_STORE_PREFIX=follow sh tests/e2e/follow.sh >"$T/follow.log" 2>&1 </dev/null
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$T/follow.log" | tail -n 1)
fp=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p'); ff=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
pass=$((pass + ${fp:-0})); fail=$((fail + ${ff:-1}))
[ "${ff:-1}" -eq 0 ] || cat "$T/follow.log"
echo "follow on PostgreSQL (LISTEN/NOTIFY): ${fp:-0} passed, ${ff:-1} failed"
e2e_done
