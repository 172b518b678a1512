#!/bin/sh
# serve_pg.sh — `dtree serve` on a PostgreSQL store (issue 13: "both stores"): a throw-away
# cluster (tests/lib/pg.sh), then serve.sh (the whole API contract, every bundled scenario replayed
# over HTTP, SIGTERM and SIGHUP, a restart resuming sessions, sealed answers, the strings search of
# store, logs and responses), serve_auth.sh (sign-in, claims, hand-offs) and serve_multi.sh (two
# instances behind nginx, a call alternating between them, a kill -9 of one) and serve_group.sh
# (16 agents at once on the pooled connections, a kill -9 mid-load) run unchanged with
# DT_STORE=pg, each against a new database of the cluster: one set of checks, both stores.
# Under valgrind only serve_auth.sh runs here (CI budget: the server's C is the same on both
# stores, and the PostgreSQL recorder is record_pg.sh's, which runs under valgrind too).
# Ends "N passed, N failed".
. tests/lib/e2e.sh
. tests/lib/pg.sh
e2e_on_exit() { pg_stop; }
if ! pg_start; then echo "0 passed, 1 failed"; exit 1; fi
export PG_DIR PG_USER PG_URI PG_PORT
suites="serve serve_auth serve_multi serve_group"
if [ "${DT_VALGRIND:-}" = 1 ]; then
    suites=serve_auth
    echo "serve on PostgreSQL: skipped under valgrind (serve_auth runs)"
fi
for s in $suites; do
    pg_suite "tests/e2e/$s.sh"
    # the server's store was this cluster's, not an SQLite file: its sessions are here
    n=$(pg_sql -d "postgresql://postgres@/${s}_s_1?host=$PG_DIR&port=$PG_PORT" "SELECT count(*) FROM sessions" 2>&1)
    if [ "$n" -gt 0 ] 2>/dev/null; then ok; else bad "$s recorded nothing in PostgreSQL: $n"; fi
done
e2e_done
