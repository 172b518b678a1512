# serve_multi.sh — `dtree serve` is stateless: two instances on one store behind nginx (round
# robin, no affinity).  One call alternates between them, sensitive answers included (sealed under
# the shared --seal-key); two clients racing on one seq through different instances: exactly one
# wins; `kill -9` of one instance mid-call: the other goes on with nothing lost (serve_multi.py).
# nginx runs from a private config in the scratch directory, on a free 127.0.0.1 port, as an
# unprivileged user.  ~40 requests.  With DT_STORE=pg (tests/e2e/serve_pg.sh) the store is a
# PostgreSQL database: both stores, one set of checks.  Closing line "N passed, N failed".
. "$(dirname "$0")/../lib/e2e.sh"
need nginx
[ "${DT_STORE:-sqlite}" = pg ] || need sqlite3
client="$(dirname "$0")/serve_multi.py"
export MULTI_STATE="$tmp/state"
. "$(dirname "$0")/../lib/serve.sh"
e2e_on_exit() {
    [ -f "$ngx/nginx.pid" ] && kill "$(cat "$ngx/nginx.pid")" 2>/dev/null
    serve_cleanup
    [ -n "${ngx:-}" ] && rm -rf "$ngx"
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

SERVE_TOKEN=$(run token add alice --role agent --db "$SERVE_DB"); export SERVE_TOKEN
(umask 077; head -c 32 /dev/urandom >"$tmp/seal.key")
serve_start a --seal-key "$tmp/seal.key"; pa=$port pida=$pid
serve_start b --seal-key "$tmp/seal.key"; pb=$port pidb=$pid
if [ -n "$pa" ] && [ -n "$pb" ]; then ok; else bad "the instances did not start: $(cat "$tmp"/log.*)"; fi

# nginx: a private prefix owned by an unprivileged user (the workers drop to it anyway).
ngx=$(mktemp -d)
pn=$(free_port)
cat >"$ngx/nginx.conf" <<CONF
worker_processes 1;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
events { worker_connections 128; }
http {
    access_log $ngx/access.log;
    client_body_temp_path $ngx/body;
    proxy_temp_path $ngx/proxy;
    fastcgi_temp_path $ngx/fastcgi;
    uwsgi_temp_path $ngx/uwsgi;
    scgi_temp_path $ngx/scgi;
    upstream dtree {
        server 127.0.0.1:$pa max_fails=1 fail_timeout=30s;
        server 127.0.0.1:$pb max_fails=1 fail_timeout=30s;
    }
    server {
        listen 127.0.0.1:$pn;
        location / {
            proxy_pass http://dtree;
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout 120s;
        }
    }
}
CONF
if [ "$(id -u)" -eq 0 ]; then
    chown -R nobody "$ngx"
    runuser -u nobody -- nginx -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/error.log" 2>"$tmp/ngx.err"
else
    nginx -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/error.log" 2>"$tmp/ngx.err"
fi
for _ in $(seq 1 50); do [ -s "$ngx/nginx.pid" ] && break; sleep 0.1; done
if [ -s "$ngx/nginx.pid" ]; then ok; else bad "nginx did not start: $(cat "$tmp/ngx.err" "$ngx/error.log" 2>/dev/null)"; fi

python3 "$client" "$pn" "$pa" "$pb" walk >"$tmp/c1" 2>&1
tally "$tmp/c1"
sid=$(cut -d' ' -f1 "$tmp/state" 2>/dev/null)
na=$(grep -c "\"session\":\"$sid\"" "$tmp/log.a"); nb=$(grep -c "\"session\":\"$sid\"" "$tmp/log.b")
if [ "$na" -ge 5 ] && [ "$nb" -ge 5 ]; then ok
else bad "the call did not alternate between the instances: $na on A, $nb on B"; fi

kill -9 "$pida"
wait "$pida" 2>/dev/null
python3 "$client" "$pn" "$pa" "$pb" after-kill >"$tmp/c2" 2>&1
tally "$tmp/c2"

# Nothing lost: every answer the clients were told was taken is in the store, in order, once.
serve_stop "$pidb" 2>/dev/null
if [ "${DT_STORE:-sqlite}" = pg ]; then agg="string_agg(e.step_id, ' ' ORDER BY e.seq)"
else agg="group_concat(e.step_id, ' ')"; fi
answers=$(dbsql "$SERVE_DB" "SELECT $agg FROM (SELECT e.step_id, e.seq FROM events e JOIN sessions s USING (sid) WHERE s.uuid = '$sid' AND e.kind = 'answer' ORDER BY e.seq) e")
want="intro ask-account ask-dob verify try-again ask-account ask-dob verify choose-channel confirm-email send-link link-result"
if [ "$answers" = "$want" ]; then ok; else bad "the recorded answers are not the ones taken: '$answers'"; fi
notes=$(dbsql "$SERVE_DB" "SELECT count(*) FROM events e JOIN sessions s USING (sid) WHERE s.uuid = '$sid' AND e.kind = 'note'")
if [ "$notes" = 3 ]; then ok; else bad "$notes notes recorded for 3 races: not exactly one each"; fi
handoffs=$(dbsql "$SERVE_DB" "SELECT count(*) FROM events e JOIN sessions s USING (sid) WHERE s.uuid = '$sid' AND e.kind = 'handoff'")
if [ "$handoffs" = 0 ]; then ok; else bad "$handoffs hand-offs recorded: moving between instances is not a hand-off"; fi
status=$(dbsql "$SERVE_DB" "SELECT status || ' ' || (SELECT count(*) FROM sealed) FROM sessions WHERE uuid = '$sid'")
if [ "$status" = "completed 0" ]; then ok; else bad "status and sealed boxes left: $status"; fi
if strings -a "$tmp"/log.* "$ngx/access.log" "$tmp/state.responses" | grep -q '86420975\|1981-02-03' ||
    raw_has "$SERVE_DB" 86420975 || raw_has "$SERVE_DB" 1981-02-03; then
    bad "a sensitive answer is in the store, a log or a response"
else ok; fi

e2e_done
