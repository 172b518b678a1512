# tests/lib/store.sh — the recording store a suite runs against (sourced after tests/lib/e2e.sh).
# DT_STORE=pg: each database is a new PostgreSQL database in the cluster that the caller started
# with tests/lib/pg.sh (tests/e2e/record_pg.sh); otherwise (the default) an SQLite file in $tmp.
# The same suite runs on both: one set of checks, two back ends.
#   newdb NAME        print a fresh store's --db value
#   dbsql DB SQL      run SQL on the store (sqlite3 or psql)
#   raw_has DB WORD   0 when WORD is anywhere in the store's files (database, WAL, ...)
DT_STORE=${DT_STORE:-sqlite}
if [ "$DT_STORE" = pg ]; then
    . tests/lib/pg.sh
    [ -n "${PG_DIR:-}" ] || { echo "DT_STORE=pg needs a cluster (tests/e2e/record_pg.sh)"; echo "0 passed, 1 failed"; exit 1; }
fi
store_n=0
newdb() {
    store_n=$((store_n + 1))
    if [ "$DT_STORE" = pg ]; then pg_db "${DT_STORE_PREFIX:-t}_$1_$store_n"; else echo "$tmp/$1.db"; fi
}
dbsql() {
    if [ "$DT_STORE" = pg ]; then pg_sql -d "$1" "$2"; else sqlite3 "$1" "$2"; fi
}
raw_has() {
    if [ "$DT_STORE" = pg ]; then
        pg_sql -d "$1" "CHECKPOINT" >/dev/null 2>&1
        grep -rqa -- "$2" "$PG_DIR/data"
    else
        cat "$1"* 2>/dev/null | grep -aq -- "$2"
    fi
}
