#!/bin/sh
# follow.sh — `dtree sessions --follow`, the live board, on SQLite (docs/recording.md, "The live
# board"): the calls in progress first; then a call started, its steps, its end, a resume, each
# told once as it happens; terminal escapes in recorded text are neutralised; --agent filters;
# --json gives JSON Lines; SIGTERM and SIGINT end it with status 0 within a second.
# Every wait is a bounded poll.  DT_STORE=pg: the same on PostgreSQL, where the board is told by
# LISTEN/NOTIFY (tests/e2e/pg_spool.sh).  Ends with "N passed, N failed".
. tests/lib/e2e.sh
. tests/lib/store.sh
need python3
T=$tmp
unset DTREE_DB
LIMIT=100            # polls of 0.1 s: 10 s for anything to show
if [ -n "${DTREE_WRAP:-}" ]; then LIMIT=600; fi
check() { # $1 = description, $2 = shell condition
    if eval "$2"; then ok; else bad "$1"; fi
}
wait_for() { # $1 = file, $2 = grep -E pattern; 0 once the file has a matching line
    i=0
    while [ $i -lt $LIMIT ]; do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
ended() { # $1 = pid: 0 once it has exited (bounded)
    i=0
    while [ $i -lt $LIMIT ]; do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
followers=""
e2e_on_exit() { for p in $followers; do kill "$p" 2>/dev/null; done; }

cat >"$T/t.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<tree id="board" version="1" title="Board">
  <question id="q1"><say>One?</say><choice id="a" to="q2">A</choice></question>
  <question id="q2"><say>Two?</say><choice id="a" to="done">A</choice></question>
  <end id="done" outcome="resolved"><say>Bye</say></end>
</tree>
XML
D=$(newdb board)
printf '1\n1\n' | run run "$T/t.xml" --db "$D" --agent old >/dev/null 2>&1
printf '1\n' | run run "$T/t.xml" --db "$D" --agent quitter >/dev/null 2>&1   # left at q2
quit_id=$(dbsql "$D" "SELECT uuid FROM sessions WHERE agent = 'quitter'")
mkfifo "$T/in"

# -- the board, and a call as it happens -------------------------------------------------------
# One call in progress before the board starts, held at its first question (answers by a fifo).
evil=$(printf 'ev\033]0;pwned\007il\302\233x')
"$DTREE" run "$T/t.xml" --db "$D" --agent "$evil" <"$T/in" >/dev/null 2>&1 &
rpid=$!
exec 3>"$T/in"
i=0; while [ $i -lt $LIMIT ] && [ "$(dbsql "$D" "SELECT count(*) FROM sessions WHERE agent LIKE 'ev%' AND steps = 1")" != 1 ]; do sleep 0.1; i=$((i + 1)); done
new_id=$(dbsql "$D" "SELECT substr(uuid, 1, 8) FROM sessions WHERE agent LIKE 'ev%'")
$DTREE_WRAP "$DTREE" sessions --follow --db "$D" >"$T/out" 2>"$T/err" &
fpid=$!; followers="$fpid"
check "the board starts with its header" 'wait_for "$T/out" "^TIME +CHANGE +ID"'
check "the calls in progress first: the one at its first question ($(cat "$T/out"))" \
    'wait_for "$T/out" " active +$new_id .* active +1 q1"'
check "the finished and the quit calls are not in progress" '! grep -Eq " (old|quitter) " "$T/out"'
echo 1 >&3
check "its step is told" 'wait_for "$T/out" " step +$new_id .* active +2 q2"'
echo 1 >&3
exec 3>&-
wait $rpid
check "its end is told, with the outcome" 'wait_for "$T/out" " ended +$new_id .* completed +3 resolved"'
check "terminal escapes in recorded text never reach the board" \
    '! grep -q "$(printf "\033")" "$T/out" && ! grep -q "$(printf "\007")" "$T/out" && ! grep -q "$(printf "\302\233")" "$T/out"'
printf '1\n1\n' | run run "$T/t.xml" --db "$D" --agent fresh >/dev/null 2>&1
fresh_id=$(dbsql "$D" "SELECT substr(uuid, 1, 8) FROM sessions WHERE agent = 'fresh'")
check "a call started (and ended) after the board is told as started" \
    'wait_for "$T/out" " started +$fresh_id "'
check "and as ended" 'wait_for "$T/out" " ended +$fresh_id .* completed"'
n=$(grep -Ec " step +$new_id " "$T/out"); m=$(grep -Ec " started +$fresh_id " "$T/out")
check "each change told once ($n step lines, $m started)" '[ "$n" -eq 1 ] && [ "$m" -eq 1 ]'
printf '1\n' | run resume "${quit_id%%-*}" --db "$D" --agent back --tree "$T/t.xml" >/dev/null 2>&1
short=${quit_id%"${quit_id#????????}"}
check "a resumed call is told as resumed ($(cat "$T/out"))" 'wait_for "$T/out" " resumed +$short "'
check "and then its end" 'wait_for "$T/out" " ended +$short .* completed"'
kill -TERM $fpid
check "SIGTERM ends the board" 'ended $fpid'
wait $fpid; rc=$?
check "with status 0 ($rc; $(cat "$T/err"))" '[ "$rc" -eq 0 ]'

# -- a filter, JSON Lines, SIGINT --------------------------------------------------------------
$DTREE_WRAP "$DTREE" sessions --follow --json --agent bob --db "$D" >"$T/json" 2>"$T/jerr" &
jpid=$!; followers="$followers $jpid"
check "the JSON board is up (empty: nobody named bob is in a call)" \
    'i=0; while [ $i -lt $LIMIT ] && [ ! -e "$T/json" ]; do sleep 0.1; i=$((i+1)); done; [ -e "$T/json" ]'
printf '1\n1\n' | run run "$T/t.xml" --db "$D" --agent carol >/dev/null 2>&1
printf '1\n1\n' | run run "$T/t.xml" --db "$D" --agent bob >/dev/null 2>&1
check "bob's call is told" 'wait_for "$T/json" "\"change\": *\"ended\".*\"agent\": *\"bob\"|\"agent\": *\"bob\".*\"change\": *\"ended\""'
check "carol's is not (--agent bob)" '! grep -q carol "$T/json"'
check "every line is a JSON object" \
    'python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$T/json"'
kill -INT $jpid
check "SIGINT ends it too" 'ended $jpid'
wait $jpid; rc=$?
check "with status 0 ($rc; $(cat "$T/jerr"))" '[ "$rc" -eq 0 ]'
if [ "$DT_STORE" != pg ]; then
    out=$(run sessions --follow --db "$T/none.db" 2>&1); rc=$?
    check "no database: a clear message, exit 4 ($rc: $out)" '[ "$rc" -eq 4 ]'
fi

e2e_done
