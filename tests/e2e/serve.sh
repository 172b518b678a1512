# serve.sh — `dtree serve` over real HTTP on 127.0.0.1 (a free port the server picks): the API
# contract and hostile requests, every bundled scenario replayed by a CRM-style client
# (serve_client.py), SIGTERM draining and exiting 0, and a restarted server resuming a session
# from the store, sensitive answers sealed under the server key (--seal-key) and carried past a
# restart, and a `strings` search of the store, the logs and every response for them.  Closing
# line "N passed, N failed".
. "$(dirname "$0")/../lib/e2e.sh"
client="$(dirname "$0")/serve_client.py"
export SERVE_STATE="$tmp/state" SERVE_RESPONSES="$tmp/responses"

. "$(dirname "$0")/../lib/serve.sh"
start() { # $1 = log name: a server with the seal key when $key_opt names it
    # shellcheck disable=SC2086 # $key_opt is empty or two words
    serve_start "$1" $key_opt
}
stop() { serve_stop; }

# Tokens: an agent token for the client; its name is what the store records as the agent.
SERVE_TOKEN=$(run token add alice --role agent --db "$SERVE_DB" 2>"$tmp/tokerr"); export SERVE_TOKEN
case $SERVE_TOKEN in dtr_*) ok ;; *) bad "token add printed '$SERVE_TOKEN' $(cat "$tmp/tokerr")" ;; esac
if run token list --db "$SERVE_DB" | grep -q '^alice  *agent .* live$' &&
    ! run token list --db "$SERVE_DB" | grep -q "$SERVE_TOKEN" &&
    ! raw_has "$SERVE_DB" "$SERVE_TOKEN"; then ok; else bad "token list, or the token is stored in clear"; fi
if run token add alice --role agent --db "$SERVE_DB" >/dev/null 2>&1; then bad "a taken token name"
else ok; fi
SERVE_MANAGER=$(run token add lead --role manager --db "$SERVE_DB"); export SERVE_MANAGER

# The seal key: refused unless only its owner can read it, before anything listens.
(umask 077; head -c 32 /dev/urandom >"$tmp/seal.key")
cp "$tmp/seal.key" "$tmp/open.key"; chmod 640 "$tmp/open.key"
run serve --listen 127.0.0.1:0 --db "$SERVE_DB" --trees trees --seal-key "$tmp/open.key" >/dev/null 2>"$tmp/keyerr"
krc=$?
if [ "$krc" -eq 4 ] && grep -q 'may be read by others (mode 0640).*chmod 600' "$tmp/keyerr"; then ok
else bad "a group-readable seal key: exit $krc, $(cat "$tmp/keyerr")"; fi
key_opt="--seal-key $tmp/seal.key"

if start 1; then ok; else bad "server did not start: $(cat "$tmp/log.1")"; fi
python3 "$client" "$port" all >"$tmp/c1" 2>&1
tally "$tmp/c1"
# Live sessions share the pool's store connections: 12 more cost no descriptor (each used to keep
# a connection of its own, two or three descriptors).
fds0=$(ls "/proc/$pid/fd" | wc -l)
for _ in $(seq 1 12); do
    curl -s -o /dev/null -H "Authorization: Bearer $SERVE_TOKEN" -H 'Content-Type: application/json' \
        -d '{"tree":"printer"}' "http://127.0.0.1:$port/v1/sessions"
done
fds1=$(ls "/proc/$pid/fd" | wc -l)
if [ $((fds1 - fds0)) -lt 8 ]; then ok; else bad "12 live sessions took $((fds1 - fds0)) descriptors"; fi
stop; rc=$?
if [ "$rc" -eq 0 ]; then ok; else bad "SIGTERM: exit $rc, not 0"; fi
if grep -q '"route":"/v1/sessions/{id}/answer","status":409' "$tmp/log.1"; then ok
else bad "no JSON log line for the 409"; fi
if grep -q 'called twice\|nonsense-label\|choise' "$tmp/log.1"; then bad "a request body reached the log"
else ok; fi
sealed=$(dbsql "$SERVE_DB" 'SELECT count(*) FROM sealed' 2>&1)
if [ "$sealed" -ge 2 ] 2>/dev/null; then ok; else bad "no sealed answers kept for the live session: $sealed"; fi

if run sessions --db "$SERVE_DB" 2>&1 | grep -q alice; then ok
else bad "sessions started with alice's token are not recorded under alice"; fi

# Replay: the second password-reset session's boxes replaced by the first one's, event for event
# (the same steps, so the same seq), as someone who can write the store could (serve_client.py's
# sealed_elsewhere checks they are refused).
read -r from _ <"$tmp/state.secret"; read -r to _ <"$tmp/state.copied"
dbsql "$SERVE_DB" "UPDATE sealed SET box = (SELECT a.box FROM sealed a JOIN sessions s USING (sid)
    WHERE s.uuid = '$from' AND a.seq = sealed.seq) WHERE sid = (SELECT sid FROM sessions WHERE uuid = '$to')"
copied=$(dbsql "$SERVE_DB" "SELECT count(*) FROM sealed a JOIN sealed b ON a.box = b.box AND a.sid <> b.sid")
if [ "$copied" -ge 2 ] 2>/dev/null; then ok; else bad "the boxes were not copied: $copied"; fi
start 2
python3 "$client" "$port" resume >"$tmp/c2" 2>&1
tally "$tmp/c2"
kill -HUP "$pid"
for _ in $(seq 1 50); do grep -q 'tree library reloaded' "$tmp/log.2" && break; sleep 0.1; done
if grep -q 'tree library reloaded' "$tmp/log.2" &&
    curl -s -H "Authorization: Bearer $SERVE_TOKEN" "http://127.0.0.1:$port/v1/trees" | grep -q '"internet-down"'; then ok
else bad "SIGHUP did not reload the trees, or the server stopped answering"; fi
stop
key_opt=""   # a server without the key cannot open the boxes: the answers are asked again
start 3
python3 "$client" "$port" unsealed >"$tmp/c4" 2>&1
tally "$tmp/c4"
run token revoke alice --db "$SERVE_DB"
python3 "$client" "$port" revoked >"$tmp/c3" 2>&1
tally "$tmp/c3"
stop

# Sensitive answers are nowhere in clear: `strings` over the store, every server log and every
# response body.  Boxes of ended sessions are gone.
if strings -a "$tmp"/log.* "$tmp/responses" | grep -q '97531864\|1979-04-03' ||
    raw_has "$SERVE_DB" '97531864\|1979-04-03'; then
    bad "a sensitive answer is in the store, a log or a response"
else ok; fi
left=$(dbsql "$SERVE_DB" "SELECT count(*) FROM sealed JOIN sessions USING (sid) WHERE status <> 'active'")
if [ "$left" = 0 ]; then ok; else bad "$left sealed answers of ended sessions are still kept"; fi

e2e_done
