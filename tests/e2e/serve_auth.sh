# serve_auth.sh — the browser sign-in (cookie, Origin check, --cors, logout) and the claims of
# live sessions (one agent answers; release, take-over, the hand-off recorded) of `dtree serve`,
# over real HTTP on 127.0.0.1 (serve_auth.py), then a revoked token's cookie refused at once.
# Cheap: one server, ~60 requests.  Closing line "N passed, N failed".
. "$(dirname "$0")/../lib/e2e.sh"
need curl
need sqlite3
export SERVE_STATE="$tmp/state" CORS="http://crm.example:8443"
. "$(dirname "$0")/../lib/serve.sh"
ALICE=$(run token add alice --role agent --db "$SERVE_DB") && BOB=$(run token add bob --role agent --db "$SERVE_DB") &&
    CAROL=$(run token add carol --role agent --db "$SERVE_DB") && ok || bad "token add"
export ALICE BOB CAROL SERVE_DB DTREE
if serve_start 1 --cors "$CORS"; then ok; else bad "server did not start: $(cat "$log")"; fi

python3 "$(dirname "$0")/serve_auth.py" "$port" >"$tmp/c" 2>&1
tally "$tmp/c"

# The hand-offs are in the recording: to bob after the release, back to alice as a take-over.
sid=$(cat "$tmp/state" 2>/dev/null)
show=$(run show "$sid" --db "$SERVE_DB" 2>&1)
if printf '%s\n' "$show" | grep -q 'from alice to bob' && printf '%s\n' "$show" | grep -q 'from bob to alice'; then ok
else bad "hand-offs not recorded: $show"; fi
# A revoked token's cookie is refused at the next request; the token never reaches the log.
run token revoke alice --db "$SERVE_DB" || bad "token revoke"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: dtree_token=$ALICE" "http://127.0.0.1:$port/v1/me")
if [ "$code" = 401 ]; then ok; else bad "revoked token's cookie: $code"; fi
if grep -q "$ALICE\|$BOB" "$log"; then bad "a token reached the log"; else ok; fi
serve_stop; rc=$?
if [ "$rc" -eq 0 ]; then ok; else bad "the server exited $rc (a sanitizer or valgrind report?): $(tail -n 20 "$log")"; fi
# (read with the sqlite3 program only once the server is gone: closing it removes the -wal and
# -shm of a SQLite store the server still has open)
marks=$(dbsql "$SERVE_DB" "SELECT e.label || '>' || e.text || ':' || e.extra FROM events e JOIN sessions s ON s.sid = e.sid WHERE s.uuid = '$sid' AND e.kind = 'handoff' ORDER BY e.seq" | tr '\n' ' ')
if [ "$marks" = "alice>bob: bob>alice:take-over " ]; then ok
else bad "the take-over is not marked in the recording: $marks"; fi

e2e_done
