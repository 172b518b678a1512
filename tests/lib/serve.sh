# tests/lib/serve.sh — one way for the e2e suites to run `dtree serve` (sourced after
# tests/lib/e2e.sh).  The server listens on a free loopback port it picks itself (--listen
# 127.0.0.1:0) and says which in its log.  Its store $SERVE_DB is tests/lib/store.sh's: an SQLite
# file in $tmp, or with DT_STORE=pg a new database in the cluster tests/e2e/serve_pg.sh started
# (newdb, dbsql and raw_has work on it either way).
#   serve_start NAME [OPTION...]  start `dtree serve --listen 127.0.0.1:0 --db $SERVE_DB
#                   --trees $SERVE_TREES OPTION...` (a later option wins: --listen 0.0.0.0:0), its
#                   output in $tmp/log.NAME, under $SERVE_WRAP (default $DTREE_WRAP: valgrind) and
#                   `ulimit -n $SERVE_NOFILE` when set; waits (bounded) until the log names the port
#                   and /healthz answers.  Sets $pid, $port, $log; returns 1 if it did not start.
#   serve_stop [PID]  SIGTERM, a bounded wait (then SIGKILL), and the server's exit status.
#   serve_cleanup   kill -9 every server still running (e2e_on_exit does it unless a suite
#                   defines its own e2e_on_exit, which must then call it).
#   tally FILE      add a client's closing "N passed, N failed" to $pass/$fail and show its FAIL
#                   lines; a client that printed no such line counts as one failure.
# SERVE_BIN (default $DTREE) runs another build (an installed one).  Waits are SERVE_WAIT tenths
# of a second (30 s; 90 s under valgrind, where the server starts 20-50x slower).
. "$(dirname "$0")/../lib/store.sh"
SERVE_DB=$(newdb s) || { echo "no store for the server"; echo "0 passed, 1 failed"; exit 1; }
SERVE_TREES=trees
need curl
SERVE_WAIT=${SERVE_WAIT:-300}
[ "${DT_VALGRIND:-}" != 1 ] || SERVE_WAIT=900
serve_pids=""
pid="" port="" log=""

e2e_on_exit() { serve_cleanup; }
serve_cleanup() {
    for p in $serve_pids; do kill -9 "$p" 2>/dev/null; done
    serve_pids=""
}

serve_start() {
    log="$tmp/log.$1"; shift
    (
        [ -z "${SERVE_NOFILE:-}" ] || ulimit -n "$SERVE_NOFILE"
        # shellcheck disable=SC2086 # the wrapper is a command line (valgrind and its options)
        exec ${SERVE_WRAP-${DTREE_WRAP:-}} "${SERVE_BIN:-$DTREE}" serve --listen 127.0.0.1:0 \
            --db "$SERVE_DB" --trees "$SERVE_TREES" "$@"
    ) </dev/null >"$log" 2>&1 &
    pid=$!
    serve_pids="$serve_pids $pid"
    port=""
    scheme=http
    for _ in $(seq 1 "$SERVE_WAIT"); do
        if [ -z "$port" ]; then # (the log may not be there yet: the server's shell makes it)
            port=$(sed -n 's/.*listening on https*:\/\/[0-9.]*:\([0-9]*\)\/.*/\1/p' "$log" 2>/dev/null)
            grep -q 'listening on https:' "$log" 2>/dev/null && scheme=https
        fi
        [ -n "$port" ] && curl -sk -m 5 -o /dev/null "$scheme://127.0.0.1:$port/healthz" && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    port=""
    return 1
}

serve_stop() {
    p=${1:-$pid}
    kill -TERM "$p" 2>/dev/null
    for _ in $(seq 1 "$SERVE_WAIT"); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null   # still there after the bound: it did not drain
    wait "$p"
    rc=$?
    serve_pids=$(echo "$serve_pids" | tr ' ' '\n' | grep -vx "$p" | tr '\n' ' ')
    [ "$p" != "$pid" ] || pid=""
    return "$rc"
}

tally() {
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
    if [ -z "$line" ]; then bad "client crashed ($1):"; tail -n 20 "$1"; return 1; fi
    pass=$((pass + ${line%% passed*}))
    f=${line##*passed, }
    fail=$((fail + ${f%% failed}))
    grep '^FAIL' "$1"
    return 0
}
