#!/bin/sh
# serve_pg.sh — `dtree serve` on a PostgreSQL store (issue 13: "both stores"): a throw-away
# cluster (tests/lib/pg.sh), then serve.sh (the whole API contract, every bundled scenario replayed
# over HTTP, SIGTERM and SIGHUP, a restart resuming sessions, sealed answers, the strings search of
# store, logs and responses), serve_auth.sh (sign-in, claims, hand-offs) and serve_multi.sh (two
# instances behind nginx, a call alternating between them, a kill -9 of one) and serve_group.sh
# (16 agents at once on the pooled connections, whose writes share statements: fewer commits than
# writes, texts stored byte for byte, two instances racing, a token revoked mid-load, a kill -9
# mid-load) run unchanged with DT_STORE=pg, each against a new database of the cluster: one set
# of checks, both stores.
# First, the number of store connections a server keeps open (one per worker by default).
# Under valgrind only serve_auth.sh runs here (CI budget: the server's C is the same on both
# stores, and the PostgreSQL recorder is record_pg.sh's, which runs under valgrind too).
# Ends "N passed, N failed".
. tests/lib/e2e.sh
. tests/lib/pg.sh
. tests/lib/serve.sh
e2e_on_exit() { serve_cleanup; pg_stop; }
if ! pg_start; then echo "0 passed, 1 failed"; exit 1; fi
export PG_DIR PG_USER PG_URI PG_PORT
suites="serve serve_auth serve_multi serve_group"
if [ "${DT_VALGRIND:-}" = 1 ]; then
    suites=serve_auth
    echo "serve on PostgreSQL: skipped under valgrind (serve_auth runs)"
fi
# The pool: one store connection per worker by default, so that no worker waits for one behind
# another session (docs/serve.md, "Bounded"); --store-connections still sets it.  Counted in
# pg_stat_activity while an idle server runs: its pool and its token connection, opened at start.
pool_count() { # $1 = database, then the server's options: the connections it keeps open
    name=$1 && shift
    SERVE_DB=$(pg_db "$name") && serve_start "pool_$name" "$@" || { serve_cleanup; return 1; }
    pg_sql "SELECT count(*) FROM pg_stat_activity WHERE datname = '$name'"
    serve_stop
}
if [ "${DT_VALGRIND:-}" != 1 ]; then
    n=$(pool_count pool_default --threads 12)
    [ "$n" = 13 ] && ok || bad "--threads 12: $n connections open, want 12 pooled and 1 for tokens"
    n=$(pool_count pool_set --threads 12 --store-connections 3)
    [ "$n" = 4 ] && ok || bad "--store-connections 3: $n connections open, want 3 and 1 for tokens"
fi
for s in $suites; do
    pg_suite "tests/e2e/$s.sh"
    # the server's store was this cluster's, not an SQLite file: its sessions are here
    n=$(pg_sql -d "postgresql://postgres@/${s}_s_1?host=$PG_DIR&port=$PG_PORT" "SELECT count(*) FROM sessions" 2>&1)
    if [ "$n" -gt 0 ] 2>/dev/null; then ok; else bad "$s recorded nothing in PostgreSQL: $n"; fi
done
e2e_done
