# serve_live.sh — `dtree serve` over real HTTP on 127.0.0.1, the parts of issue 13 beyond the
# first slice (serve.sh): input descriptions in views; Server-Sent Events (live, resumable, across
# two instances on one store, capped, ended by the session's end and by SIGTERM); hostile traffic
# (strict JSON, rate limits with Retry-After, a revoked token, idle connections, the connection
# cap, a public address, TLS).  The client is serve_live.py; closing line
# "N passed, N failed".
. "$(dirname "$0")/../lib/e2e.sh"
client="$(dirname "$0")/serve_live.py"
. "$(dirname "$0")/../lib/serve.sh"
start() { # $1 = log name, then extra options; counts whether it started
    if serve_start "$@"; then ok; else bad "server did not start: $(cat "$log")"; fi
}
stop() { # SIGTERM: the server drains and exits 0 within SERVE_WAIT (30 s)
    if serve_stop "$1"; then ok; else bad "SIGTERM: exit $rc, not 0"; fi
}

# Set-up and refusals run the CLI unwrapped: under valgrind every start costs seconds.
SERVE_TOKEN=$("$DTREE" token add alice --role agent --db "$tmp/s.db"); export SERVE_TOKEN
start 1 --events-poll-ms 100 --events-heartbeat 1
python3 "$client" "$port" inputs events >"$tmp/c.1" 2>&1
tally "$tmp/c.1"

# A second instance on the same store, on every address (allowed now that limits exist; the
# test reaches it on 127.0.0.1), with room for three streams and 50 connections only.  No
# heartbeat within the test: a closed stream's slot must come back without one (streams_cap).
pid1=$pid port1=$port
start 2 --listen 0.0.0.0:0 --max-streams 3 --max-connections 50 --events-poll-ms 100 \
    --events-heartbeat 600
pid2=$pid
SERVE_PORT2=$port python3 "$client" "$port1" instances streams_cap >"$tmp/c.2" 2>&1
tally "$tmp/c.2"
python3 "$client" "$port" connection_cap >"$tmp/c.2b" 2>&1
tally "$tmp/c.2b"
if grep -q 'without TLS' "$tmp/log.2"; then ok; else bad "no TLS warning for a public address"; fi

# Hostile traffic, on a third instance with tight limits: 60 requests a minute per token and per
# address, idle connections closed after 2 s.
SERVE_TOKEN2=$("$DTREE" token add bob --role agent --db "$tmp/s.db"); export SERVE_TOKEN2
SERVE_TOKEN3=$("$DTREE" token add carol --role agent --db "$tmp/s.db"); export SERVE_TOKEN3
start 3 --rate-token 60 --rate-address 60 --idle-timeout 2 --events-poll-ms 100
SERVE_DB="$tmp/s.db" python3 "$client" "$port" strict_json revoked idle_connections rate_limits \
    >"$tmp/c.3" 2>&1
tally "$tmp/c.3"
stop

if "$DTREE" serve --listen 0.0.0.0:0 --rate-token 0 --rate-address 0 --db "$tmp/s.db" --trees trees \
    2>"$tmp/log.nolimit"; then bad "a public address without rate limits was accepted"
elif grep -q 'rate limits must be on' "$tmp/log.nolimit"; then ok
else bad "refusal without limits: $(cat "$tmp/log.nolimit")"; fi

# TLS: a self-signed certificate for 127.0.0.1; a key others may read is refused.
need openssl
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
chmod 644 "$tmp/key.pem"
if "$DTREE" serve --listen 127.0.0.1:0 --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" \
    --db "$tmp/s.db" --trees trees 2>"$tmp/log.badkey"; then bad "a key others may read was accepted"
elif grep -q 'chmod 600' "$tmp/log.badkey"; then ok
else bad "refusal of a readable key: $(cat "$tmp/log.badkey")"; fi
chmod 600 "$tmp/key.pem"
start 5 --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
if grep -q 'listening on https://' "$tmp/log.5"; then ok; else bad "no https in: $(cat "$tmp/log.5")"; fi
SERVE_CERT="$tmp/cert.pem" python3 "$client" "$port" tls >"$tmp/c.5" 2>&1
tally "$tmp/c.5"
stop

# SIGTERM with a stream open: it ends and the server exits 0 in time (stop waits 30 s at most).
python3 "$client" "$port1" hold_stream >"$tmp/c.hold" 2>&1 &
holder=$!
for _ in $(seq 1 300); do [ -s "$tmp/c.hold" ] && break; sleep 0.1; done
stop "$pid1"
stop "$pid2"
wait "$holder"
if [ "$?" -eq 0 ]; then ok; else bad "the held stream did not end cleanly at SIGTERM: $(cat "$tmp/c.hold")"; fi
grep -h "^time " "$tmp"/c.* || :
e2e_done
