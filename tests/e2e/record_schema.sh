#!/bin/sh
# record_schema.sh — the recording schema against what older dtrees made.  tests/cases/record-schema/
# holds a store of every schema version as dtree made it (versions 1-5 before the schema was
# generated from one definition, engine/record_schema.c; 6 when it was new): sqlite-vN.sql (the
# file's .schema and header) and pg-vN.sql (pg_dump).  A new store must get exactly the schema of
# the last version, and a store of every older version, with a recorded session in it, must
# upgrade to it and keep the session.  Runs on SQLite here and on PostgreSQL inside
# tests/e2e/record_pg.sh (DT_STORE=pg).  Ends "N passed, N failed".
. tests/lib/e2e.sh
. tests/lib/store.sh
need sqlite3
CASES=tests/cases/record-schema
LAST=6
UUID=0b7ac3f2-5a39-4f59-8f6d-2d5c0d1e9a71

# load FIXTURE DB: make the store an older dtree left
load() {
    if [ "$DT_STORE" = pg ]; then
        psql -X -q -v ON_ERROR_STOP=1 -d "$2" -f "$1" >"$tmp/load" 2>&1
    else
        sqlite3 "$2" <"$1" >"$tmp/load" 2>&1
    fi
}
# schema DB: the store's schema, as text that two equal schemas print alike (SQLite keeps each
# CREATE as it was written: spaces are not meaningful; pg_dump prints its own canonical text)
schema() {
    if [ "$DT_STORE" = pg ]; then
        "$PG_BIN/pg_dump" --schema-only --no-owner --no-privileges -d "$1" |
            grep -v -e '^--' -e '^\\restrict' -e '^\\unrestrict' -e '^$'
        pg_sql -d "$1" "SELECT app, version FROM dtree_schema"
    else
        echo "application_id $(sqlite3 "$1" 'PRAGMA application_id')"
        echo "user_version $(sqlite3 "$1" 'PRAGMA user_version')"
        sqlite3 "$1" .schema | tr -s '[:space:]' ' ' |
            sed 's/( /(/g; s/ )/)/g; s/ *, */,/g; s/; */;\n/g'
    fi
}
# same WHAT DB: DB's schema is version $LAST as the old dtree made it
same() {
    schema "$2" >"$tmp/got" 2>&1
    if cmp -s "$tmp/want" "$tmp/got"; then ok; else
        bad "$1: the schema differs from $CASES/$DT_STORE-v$LAST.sql:"
        diff "$tmp/want" "$tmp/got" | head -n 20
    fi
}

ref=$(newdb ref)
load "$CASES/$DT_STORE-v$LAST.sql" "$ref" || { bad "loading $DT_STORE-v$LAST.sql:"; cat "$tmp/load"; }
schema "$ref" >"$tmp/want" 2>&1
grep -q 'CREATE TABLE.*sealed' "$tmp/want" && ok || { bad "the reference schema has no sealed table:"; cat "$tmp/want"; }
# PostgreSQL's live board needs its NOTIFY triggers (engine/record_schema_pg.c): pg_dump prints
# them, so every comparison below covers them, as long as the reference has them
if [ "$DT_STORE" = pg ]; then
    n=$(grep -c -e 'CREATE TRIGGER sessions_notify .*dtree_notify_session' \
        -e 'CREATE TRIGGER sessions_notify_new .*dtree_notify_session' "$tmp/want")
    [ "$n" -eq 2 ] && grep -q 'CREATE FUNCTION public.dtree_notify_session' "$tmp/want" && ok ||
        bad "the reference schema lacks the NOTIFY function or its triggers ($n triggers)"
fi

# a new store: the schema the old code made, to the letter (but for SQLite's spaces)
new=$(newdb new)
run token list --db "$new" >"$tmp/out" 2>&1 || { bad "a new store:"; cat "$tmp/out"; }
same "a new store" "$new"

# a session row of the store $1 (the one a version upgrade must keep)
add_session() {
    dbsql "$1" "INSERT INTO sessions(uuid, tree_id, tree_version, tree_hash, tree_path, agent,
        mode, host, started_ms, ended_ms, last_ms, status, outcome, steps, events) VALUES
        ('$UUID', 'support', '1', 'h', 'support.xml', 'ann', 'agent', 'pc', 1000, 61000,
        61000, 'completed', 'resolved', 1, 2)" >/dev/null
}

# Both stores refuse a mode or a status that is none of dtree's, on insert and on update
# (PostgreSQL by domains since version 6, SQLite by CHECKs)
add_session "$new"
for change in "UPDATE sessions SET status = 'lost'" "UPDATE sessions SET mode = 'robot'" \
    "INSERT INTO sessions(uuid, tree_id, tree_version, tree_hash, tree_path, agent, mode, host,
     started_ms, last_ms, status)
     VALUES ('x', 't', '1', 'h', 'p', 'a', 'agent', 'pc', 1, 1, 'odd')"; do
    if dbsql "$new" "$change" >"$tmp/out" 2>&1; then bad "the store took: $change"; else ok; fi
done
# The live board is told when an UPDATE changes a session's status or agent, and only then
# (engine/record_schema_pg.c): one notification for the three UPDATEs below
if [ "$DT_STORE" = pg ]; then
    psql -X -q -d "$new" -c "LISTEN dtree_sessions" \
        -c "UPDATE sessions SET last_ms = last_ms + 1, steps = steps + 1" \
        -c "UPDATE sessions SET status = 'completed'" \
        -c "UPDATE sessions SET status = 'abandoned'" \
        >"$tmp/notes" 2>&1
    n=$(grep -c 'notification "dtree_sessions" with payload' "$tmp/notes")
    [ "$n" -eq 1 ] && ok || { bad "the board was told $n times, not once:"; cat "$tmp/notes"; }
fi

# every older version, with a session recorded in it, upgrades on the first write
v=1
while [ "$v" -le "$LAST" ]; do
    db=$(newdb "v$v")
    if ! load "$CASES/$DT_STORE-v$v.sql" "$db"; then
        bad "loading $DT_STORE-v$v.sql:"; cat "$tmp/load"
    else
        add_session "$db"
        run token list --db "$db" >"$tmp/out" 2>&1 || { bad "version $v: the upgrade:"; cat "$tmp/out"; }
        same "version $v upgraded" "$db"
        run sessions --db "$db" >"$tmp/out" 2>&1
        grep -q "^${UUID%%-*}.*ann" "$tmp/out" && ok ||
            { bad "version $v: the recorded session after the upgrade:"; cat "$tmp/out"; }
    fi
    v=$((v + 1))
done

e2e_done
