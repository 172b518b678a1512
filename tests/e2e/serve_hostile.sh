# serve_hostile.sh — regression tests from the security review of `dtree serve`, over real HTTP
# on 127.0.0.1.  Anonymous kiosk starts must not use up the server's file descriptors (each cached
# session keeps a store connection open): under a low descriptor limit, many kiosk sessions later
# an agent still starts a session and the first kiosk session still continues (rebuilt from the
# store).  Then a `dtree token add` run while the server runs must not cost the server its later
# steps: they survive a kill -9; and a revoked token's open event stream ends and sends nothing
# more.  Cheap: two servers, ~110 requests (~12 s; 30 kiosk starts under valgrind).
. "$(dirname "$0")/../lib/e2e.sh"
need curl
. "$(dirname "$0")/../lib/serve.sh"
e2e_on_exit() { serve_cleanup; kill -9 ${cpid:-} 2>/dev/null; }
AGENT=$(run token add alice --role agent --db "$tmp/s.db") && ok || bad "token add"
n=100
[ "${DT_VALGRIND:-}" = 1 ] && n=30
# 128 descriptors: without a bound on the cache, ~60 live sessions use them all up (no rate limit
# per address here: this is about descriptors, and 100 starts from one address are over it)
SERVE_NOFILE=128
serve_start 1 --max-connections 16 --rate-address 0
SERVE_NOFILE=
if [ -n "$port" ]; then ok; else bad "server did not start: $(cat "$tmp/log.1")"; fi
U="http://127.0.0.1:$port"

first=$(curl -s -m 30 -X POST "$U/v1/kiosk/printer/sessions")
fid=$(printf '%s' "$first" | sed -n 's/^{"id":"\([0-9a-f-]*\)".*/\1/p')
[ -n "$fid" ] && ok || bad "kiosk start: $first"
refused=0
for _ in $(seq 2 "$n"); do
    code=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -X POST "$U/v1/kiosk/printer/sessions")
    [ "$code" = 201 ] || refused=$((refused + 1))
done
[ "$refused" = 0 ] && ok || bad "$refused of $n kiosk starts refused (descriptors used up?)"
code=$(curl -s -m 30 -o "$tmp/a" -w '%{http_code}' -H "Authorization: Bearer $AGENT" \
    -H 'Content-Type: application/json' -d '{"tree":"printer"}' "$U/v1/sessions")
[ "$code" = 201 ] && ok || bad "an agent's start after $n kiosk starts: $code $(cat "$tmp/a")"
code=$(curl -s -m 30 -o "$tmp/k" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"seq":2,"choice":"1"}' "$U/v1/kiosk/sessions/$fid/answer")
[ "$code" = 200 ] && ok || bad "the first kiosk session after $n others: $code $(cat "$tmp/k")"

serve_stop; rc=$?
[ "$rc" -eq 0 ] && ok || bad "the server exited $rc: $(tail -n 20 "$tmp/log.1")"

# A CLI command on the live store, then a step answered by the server, then kill -9: the step is
# in the store.  (The server dropped its own SQLite locks by opening and closing the database file
# at each new recorder, so the CLI, closing, deleted the -wal the server went on writing.)
SERVE_DB="$tmp/w.db"
serve_start 2 --events-poll-ms 100
U="http://127.0.0.1:$port"
AGENT=$(run token add alice --role agent --db "$tmp/w.db")
sid=$(curl -s -m 30 -H "Authorization: Bearer $AGENT" -H 'Content-Type: application/json' \
    -d '{"tree":"printer"}' "$U/v1/sessions" | sed -n 's/^{"id":"\([0-9a-f-]*\)".*/\1/p')
[ -n "$sid" ] && ok || bad "agent start: $(tail -n 5 "$tmp/log.2")"
BOB=$(run token add bob --role agent --db "$tmp/w.db") || bad "token add bob"
code=$(curl -s -m 30 -o "$tmp/k" -w '%{http_code}' -H "Authorization: Bearer $AGENT" \
    -H 'Content-Type: application/json' -d '{"seq":2,"choice":"1"}' "$U/v1/sessions/$sid/answer")
[ "$code" = 200 ] && ok || bad "answer: $code $(cat "$tmp/k")"
# bob follows the session; bob's token is revoked; alice notes something: bob's stream ends
# without it (it went on for --max-stream seconds, sending every new event)
seq=$(sed -n 's/^{[^{]*"seq":\([0-9]*\).*/\1/p' "$tmp/k")
curl -s -N -m 60 -H "Authorization: Bearer $BOB" "$U/v1/sessions/$sid/events" >"$tmp/ev" &
cpid=$!
for _ in $(seq 1 300); do grep -q '^retry:' "$tmp/ev" 2>/dev/null && break; sleep 0.1; done
run token revoke bob --db "$tmp/w.db" >/dev/null || bad "token revoke"
code=$(curl -s -m 30 -o "$tmp/n" -w '%{http_code}' -H "Authorization: Bearer $AGENT" \
    -H 'Content-Type: application/json' -d "{\"seq\":$seq,\"text\":\"after-the-revocation\"}" \
    "$U/v1/sessions/$sid/note")
[ "$code" = 200 ] && ok || bad "note: $code $(cat "$tmp/n")"
for _ in $(seq 1 150); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$cpid" 2>/dev/null; then bad "a revoked token's event stream is still open"; else ok; fi
if grep -q 'after-the-revocation' "$tmp/ev"; then bad "a revoked token's stream got a new note"; else ok; fi
kill -9 "$pid" "$cpid" 2>/dev/null; wait "$pid" 2>/dev/null
if run show "$sid" --db "$tmp/w.db" 2>&1 | grep -q 'answer .*scope'; then ok
else bad "the answer the server recorded is lost after kill -9: $(run show "$sid" --db "$tmp/w.db" 2>&1 | head -n 12)"; fi
e2e_done
