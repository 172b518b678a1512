# tests/lib/pg.sh — a throw-away PostgreSQL cluster for tests (sourced, not a suite).
#   pg_start        initdb in a new temporary directory (as the unprivileged user `postgres`, or
#                   `nobody`, when running as root: initdb and pg_ctl refuse root), a Unix socket
#                   in that directory and no TCP port; exports PG_DIR, PG_URI (the superuser's
#                   connection string), PGHOST, PGPORT, PGUSER; returns 1 (with the log) on failure
#   pg_db NAME      create database NAME, print its connection string
#   pg_sql [-d URI] SQL   run SQL with psql (unaligned, tuples only), stop at the first error
#   pg_stop         stop the cluster (fast; `pg_stop immediate` is a crash) and remove it
#   pg_restart      start it again after pg_stop keep / a crash (same directory, same socket)
#   pg_suite FILE [PATTERN]  run an e2e suite on this cluster (DT_STORE=pg) and add up its counts
# Every wait is bounded (PG_WAIT seconds, default 60).  The role dtree_pw must log in with a
# password (scram), every other local role is trusted: tests of a wrong password need one.
# fsync is off unless PG_FSYNC=on: the tests kill clients and stop the server with
# `-m immediate`, which loses nothing the OS already has; only a power cut would need fsync.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_WAIT=${PG_WAIT:-60}
PG_PORT=${PG_PORT:-5432}
# Under valgrind libpq's own work (SCRAM's 4096 hash rounds) took more than the recorder's 5 s
# connect timeout on a loaded machine, and a wrong password looked like an unreachable server.
# A URI's own connect_timeout still wins (the unreachable-server checks set one).
[ -z "${DTREE_WRAP:-}" ] || export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-60}"

pg_as() { # run a PostgreSQL server program as the cluster's owner
    if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

pg_start() {
    [ -x "$PG_BIN/initdb" ] || { echo "pg.sh: no $PG_BIN/initdb (scripts/deps.sh installs postgresql)"; return 1; }
    PG_USER=$(id -un)
    if [ "$(id -u)" -eq 0 ]; then
        if id postgres >/dev/null 2>&1; then PG_USER=postgres; else PG_USER=nobody; fi
    fi
    PG_DIR=$(mktemp -d /tmp/dtree-pg.XXXXXX) || return 1
    chmod 755 "$PG_DIR"
    [ "$(id -u)" -ne 0 ] || chown "$PG_USER" "$PG_DIR"
    if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C \
        --no-sync >"$PG_DIR/initdb.log" 2>&1; then
        echo "pg.sh: initdb failed:"; cat "$PG_DIR/initdb.log"; return 1
    fi
    pg_as sh -c "printf 'local all dtree_pw scram-sha-256\nlocal all all trust\n' >'$PG_DIR/data/pg_hba.conf'"
    export PG_DIR PG_USER
    pg_restart
}

pg_restart() {
    fs=${PG_FSYNC:-off}
    if ! pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t "$PG_WAIT" \
        -o "-c listen_addresses='' -k $PG_DIR -p $PG_PORT -c fsync=$fs -c full_page_writes=$fs -c max_connections=100" \
        start >"$PG_DIR/pg_ctl.log" 2>&1; then
        echo "pg.sh: the server did not start:"; cat "$PG_DIR/pg_ctl.log" "$PG_DIR/server.log" 2>/dev/null | tail -n 20
        return 1
    fi
    export PGHOST="$PG_DIR" PGPORT="$PG_PORT" PGUSER=postgres
    export PG_URI="postgresql://postgres@/postgres?host=$PG_DIR&port=$PG_PORT"
}

pg_stop() { # $1 = fast (default) | immediate | keep (stop fast, keep the directory)
    [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ] || return 0
    mode=${1:-fast}
    [ "$mode" = keep ] && mode=fast
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m "$mode" -w -t "$PG_WAIT" stop >/dev/null 2>&1
    if [ "${1:-fast}" = fast ]; then rm -rf "$PG_DIR"; PG_DIR=; fi
}

pg_sql() {
    uri=$PG_URI
    if [ "$1" = -d ]; then uri=$2; shift 2; fi
    psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$uri" -c "$1"
}

pg_db() {
    pg_sql "CREATE DATABASE \"$1\"" >/dev/null || return 1
    echo "postgresql://postgres@/$1?host=$PG_DIR&port=$PG_PORT"
}

pg_suite() { # $1 = a suite, $2 = a grep -E pattern of its lines worth showing: run the suite with
    # DT_STORE=pg in this cluster (each of its stores a new database named after it), add its
    # "N passed, N failed" to $pass/$fail (a suite that exits non-zero fails at least once), say
    # its time; a failing suite's whole output and the cluster's last log lines are shown
    name=$(basename "$1" .sh)
    t0=$(date +%s)
    DT_STORE=pg DT_STORE_PREFIX=$name sh "$1" >"$tmp/$name.log" 2>&1 </dev/null
    rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/$name.log" | tail -n 1)
    p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    p=${p:-0} f=${f:-0}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    pass=$((pass + p)) fail=$((fail + f))
    [ -z "${2:-}" ] || grep -E "$2" "$tmp/$name.log"
    echo "$name on PostgreSQL: $p passed, $f failed in $(( $(date +%s) - t0 )) s"
    [ "$f" -eq 0 ] || { cat "$tmp/$name.log"; tail -n 20 "$PG_DIR/server.log"; }
}
