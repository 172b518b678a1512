# serve_stale.sh — a write on a stale copy that fails for a store reason: instance A answers on
# its copy of a call that instance B has moved on since, while another process holds SQLite's
# write lock past the busy timeout.  The answer stays in A's memory ("saved": false) and must
# never reach the store; once the store is back, A shows and continues B's call
# (serve_stale.py).  About 11 s: A's answer comes back after the 10 s busy timeout, waited out
# once (nothing else of the request waits for the lock again; was three times).  Closing line
# "N passed, N failed".
. "$(dirname "$0")/../lib/e2e.sh"
need python3
. "$(dirname "$0")/../lib/serve.sh"
if [ "${DT_STORE:-sqlite}" != sqlite ]; then e2e_done; exit 0; fi # the lock is an SQLite one
TOKEN=$("$DTREE" token add alice --role agent --db "$SERVE_DB") && ok || bad "token add"
serve_start a; pa=$port pida=$pid
serve_start b; pb=$port pidb=$pid
if [ -n "$pa" ] && [ -n "$pb" ]; then ok; else
    bad "the instances did not start: $(cat "$tmp"/log.*)"; fi
python3 "$(dirname "$0")/serve_stale.py" "$pa" "$pb" "$TOKEN" "$SERVE_DB" >"$tmp/c.1" 2>&1
tally "$tmp/c.1"
if serve_stop "$pida" && serve_stop "$pidb"; then ok; else bad "SIGTERM: exit $rc, not 0"; fi
e2e_done
