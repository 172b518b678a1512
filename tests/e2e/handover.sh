#!/bin/sh
# handover.sh — a call handed from one agent to another (`dtree resume`), as the second agent and
# the final summary show it: the first agent's notes, every agent with their part, the real start,
# the session id, and only the variables that changed (by label; internal helpers left out); and
# `dtree show` after a restart.
# DT_STORE=pg: the same checks on PostgreSQL (tests/lib/store.sh, tests/e2e/record_pg.sh).
. tests/lib/e2e.sh
. tests/lib/store.sh
DTREE_DB=$(newdb s)
export DTREE_DB TZ=UTC NO_COLOR=1
T=tests/cases/run/trees/tiny.xml

# alice: the first step, a note, then the line drops (end of input)
printf '2\nnote customer calls from a hotel\n' | run run "$T" --agent alice >"$tmp/a.out" 2>"$tmp/a.err"
[ $? = 5 ] && ok || bad "first part: exit 5 expected"
id=$(sed -n 's/^  Session:  \([0-9a-f-]*\) .*/\1/p' "$tmp/a.out")
[ -n "$id" ] && ok || bad "the case summary names the session id"
grep -qF "(dtree show ${id%"${id#????????}"})" "$tmp/a.out" && ok || bad "the summary says how to show it"
start_a=$(sed -n 's/^  Started:  //p' "$tmp/a.out")
grep -q '^Details' "$tmp/a.out" && bad "nothing changed, yet a Details section" || ok

sleep 1.1   # so that a start taken at resume time would differ from the real one
# bob: continues, answers the age and the account, and stops
printf '42\n1234\n' | run resume "$id" --agent bob >"$tmp/b.out" 2>"$tmp/b.err"
grep -q '^  Agents:   alice (2 steps), bob (' "$tmp/b.out" && ok || bad "the summary names every agent with their part"
[ "$(sed -n 's/^  Started:  //p' "$tmp/b.out")" = "$start_a" ] && ok || bad "the real start is kept"
grep -qF "Note: customer calls from a hotel" "$tmp/b.out" && ok || bad "the first agent's note is in the summary"
[ "$(grep -cF 'customer calls from a hotel' "$tmp/b.out")" = 1 ] && ok || bad "the note is listed once"
grep -qF "  Session:  $id" "$tmp/b.out" && ok || bad "the resumed summary names the same session"
grep -qF '  Caller age: 42' "$tmp/b.out" && ok || bad "a changed variable by its label"
grep -qF 'account: [redacted]' "$tmp/b.out" && ok || bad "a sensitive one masked with the one mask"
grep -q '^  name' "$tmp/b.out" && bad "an internal helper listed" || ok
grep -q '^  plan' "$tmp/b.out" && bad "an unchanged default listed" || ok

# show after a restart: the steps left by it are not on the final path (no `*`)
printf '1\nrestart\n2\n' | run run "$T" --agent carol >"$tmp/c.out" 2>/dev/null
rid=$(sed -n 's/^  Session:  \([0-9a-f-]*\) .*/\1/p' "$tmp/c.out")
run show "$rid" >"$tmp/show.out" 2>&1
grep -q '^  \* .*step *router-info' "$tmp/show.out" && bad "show marks a step left by restart as on the path" || ok
grep -q '^  \* .*step *ask-age' "$tmp/show.out" && ok || bad "show marks the steps after the restart"

# a note after a restart, then a hand-off: the note is shown once, with its step (it was shown
# twice: under the "restarted" line too, by the step's visit before the restart)
printf '1\nrestart\ny\nnote after the restart\n' | run run "$T" --agent dora >"$tmp/d.out" 2>/dev/null
did=$(sed -n 's/^  Session:  \([0-9a-f-]*\) .*/\1/p' "$tmp/d.out")
printf '' | run resume "$did" --agent erin >"$tmp/e.out" 2>/dev/null
[ "$(grep -cF 'Note: after the restart' "$tmp/e.out")" = 1 ] && ok ||
    bad "a note made after a restart is listed $(grep -cF 'Note: after the restart' "$tmp/e.out") times after the hand-off"
grep -qE 'the (1 step before is|[0-9]+ steps before are) not listed' "$tmp/e.out" && ok ||
    bad "the restart line's grammar"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
