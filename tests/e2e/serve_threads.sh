# serve_threads.sh — a request that waits for the store must not hold up the other clients of its
# HTTP thread.  libmicrohttpd serves each connection on one thread for good, and a request may run
# on that thread itself only while no other client is there (srv_http.c): with --threads 1 every
# connection shares the one thread, an answer waits on a store locked by another process, and the
# liveness probe on a second connection is still answered at once (serve_threads.py).  Closing
# line "N passed, N failed".
. "$(dirname "$0")/../lib/e2e.sh"
need python3
. "$(dirname "$0")/../lib/serve.sh"
if [ "${DT_STORE:-sqlite}" != sqlite ]; then e2e_done; exit 0; fi # the lock is an SQLite one
TOKEN=$("$DTREE" token add alice --role agent --db "$SERVE_DB") && ok || bad "token add"
if serve_start 1 --threads 1; then ok; else bad "server did not start: $(cat "$log")"; fi
python3 "$(dirname "$0")/serve_threads.py" "$port" "$TOKEN" "$SERVE_DB" >"$tmp/c.1" 2>&1
tally "$tmp/c.1"
if serve_stop; then ok; else bad "SIGTERM: exit $rc, not 0"; fi
e2e_done
