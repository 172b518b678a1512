/*
 * record_schema_pg.c — what is PostgreSQL's own in the recording schema (the tables and upgrade
 * steps are record_schema.c's, for both stores): the NOTIFY triggers, and the version
 * kept in a table, dtree_schema (one row: our application id and the version).  Upgrades run under
 * an advisory lock, so two machines opening a new database at once do not both create it.  Every
 * text column collates "C": sorting and id-prefix lookups behave exactly as SQLite's binary
 * comparison does, whatever the database's locale.
 */
#include "error.h"
#include "record.h"
#include <stdio.h>

/* The live board (record_watch.c): a session that starts, ends, is resumed or handed over tells
 * its sid, and only its sid (a payload never carries recorded data), to whoever LISTENs.  Not
 * every step: a transaction that notifies holds a database-wide lock through its commit, which
 * would queue every writer's commit behind the others' (group commit lost); the board reads the
 * steps of the calls in progress by itself. */
#define NOTIFY_WHEN                                                                       \
    " FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.agent IS DISTINCT" \
    " FROM NEW.agent) EXECUTE FUNCTION dtree_notify_session();"
/* 5 -> 6: what the sessions row's UPDATE at every answer cost the server for nothing.  The
 * server evaluates every CHECK of a table at each UPDATE, the columns assigned or not, reading
 * each constraint's stored expression back for each statement (perf at 64 clients: 5% of the
 * machine's CPU in checking constraints, most of it reading the two lists of names back), and
 * it evaluated the trigger's WHEN at each UPDATE.  A domain's CHECK runs only where a value is
 * assigned to the column, and a trigger OF status, agent fires only for an UPDATE that assigns
 * one of them, which an answer's never does (record_write.c): the same rows are refused and the
 * same changes told, for 4-6% more answers a second.  The trigger goes first: its WHEN names
 * status, and the server alters no column a trigger's condition uses. */
#define DOMAINS_V6                                                                    \
    "CREATE DOMAIN dtree_mode AS TEXT COLLATE \"C\""                                  \
    " CHECK (VALUE IN ('agent','kiosk','scripted'));"                                 \
    "CREATE DOMAIN dtree_status AS TEXT COLLATE \"C\""                                \
    " CHECK (VALUE IN ('active','completed','abandoned','transferred','timed_out'));" \
    "DROP TRIGGER sessions_notify ON sessions;"                                       \
    "ALTER TABLE sessions ALTER COLUMN mode TYPE dtree_mode,"                         \
    " ALTER COLUMN status TYPE dtree_status, DROP CONSTRAINT sessions_mode_check,"    \
    " DROP CONSTRAINT sessions_status_check;"                                         \
    "CREATE TRIGGER sessions_notify AFTER UPDATE OF status, agent ON sessions" NOTIFY_WHEN
static const char *const extra[DT_REC_SCHEMA_VERSION] = {
    /* after 0 -> 1 */
    "CREATE FUNCTION dtree_notify_session() RETURNS trigger LANGUAGE plpgsql AS"
    " 'BEGIN PERFORM pg_notify(''dtree_sessions'', NEW.sid::text); RETURN NULL; END';"
    "CREATE TRIGGER sessions_notify_new AFTER INSERT ON sessions"
    " FOR EACH ROW EXECUTE FUNCTION dtree_notify_session();"
    "CREATE TRIGGER sessions_notify AFTER UPDATE ON sessions" NOTIFY_WHEN,
    NULL,
    NULL,
    NULL,
    NULL,
    /* after 5 -> 6 */
    DOMAINS_V6,
};

/* What the database holds: *ours (the version table), *sessions (a table of that name, ours or
 * another program's), *app and *version from the version table. */
static int look(dt_recorder *rec, int *ours, int *sessions, int64_t *app, int64_t *version)
{
    rdb_stmt *st = NULL;
    /* pg_class read as a table (one MVCC snapshot), not to_regclass: its catalog cache may not
     * yet see what another machine committed while we waited for the lock */
    int rc = rdb_prepare(rec->db, "SELECT count(*) FILTER (WHERE c.relname = 'dtree_schema'),"
                                  " count(*) FILTER (WHERE c.relname = 'sessions')"
                                  " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
                                  " ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
                                  " AND c.relname IN ('dtree_schema', 'sessions')",
                         &st);
    if (rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW) {
        *ours = rdb_col_i64(st, 0) != 0;
        *sessions = rdb_col_i64(st, 1) != 0;
        rc = RDB_OK;
    }
    rdb_finalize(st);
    *app = *version = 0;
    if (rc != RDB_OK || !*ours)
        return rc == RDB_DONE ? RDB_EOTHER : rc;
    rc = rdb_prepare(rec->db, "SELECT app, version FROM dtree_schema WHERE id = 1", &st);
    if (rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW) {
        *app = rdb_col_i64(st, 0);
        *version = rdb_col_i64(st, 1);
    }
    rdb_finalize(st);
    return rc == RDB_ROW || rc == RDB_DONE ? RDB_OK : rc;
}

static dt_status identify(dt_recorder *rec, int64_t *version, dt_error *err)
{
    int ours = 0, sessions = 0;
    int64_t app = 0;
    int rc = look(rec, &ours, &sessions, &app, version);
    if (rc != RDB_OK)
        return dt_rec_sqlerr(rec, err, rc, "reading the schema version");
    if ((!ours && sessions) || (ours && app != DT_REC_APPLICATION_ID))
        return dt_err_error(err, DT_EINVALID, rec->path, 0, 0, "record-not-dtree",
                            "not a dtree recording database (it has a table 'sessions' that "
                            "dtree did not make); use another database or schema");
    if (*version < 0)
        return dt_err_error(err, DT_EINVALID, rec->path, 0, 0, "record-schema-bad",
                            "recording schema version %lld is not valid", (long long)*version);
    if (*version > DT_REC_SCHEMA_VERSION)
        return dt_rec_schema_newer(rec, (long long)*version, err);
    return DT_OK;
}

static int lock(dt_recorder *rec)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%d)", DT_REC_APPLICATION_ID);
    return dt_rec_exec(rec, sql);
}

static int stamp(dt_recorder *rec, int to)
{
    int rc = dt_rec_exec(rec, "CREATE TABLE IF NOT EXISTS dtree_schema("
                              " id INTEGER PRIMARY KEY CHECK (id = 1), app BIGINT NOT NULL,"
                              " version INTEGER NOT NULL)");
    rdb_stmt *st = NULL;
    rc = rc ? rc : rdb_prepare(rec->db, "INSERT INTO dtree_schema(id, app, version)"
                                        " VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE"
                                        " SET version = excluded.version",
                               &st);
    rc = rc ? rc : rdb_bind_i64(st, 1, DT_REC_APPLICATION_ID);
    rc = rc ? rc : rdb_bind_i64(st, 2, to);
    rc = rc ? rc : rdb_run(st, NULL);
    rdb_finalize(st);
    return rc;
}

/* PostgreSQL's part of the schema (record_schema.c has the rest, and the types in its words): the
 * NOTIFY triggers, the advisory lock and the version table. */
const dt_rec_ddl dt_rec_ddl_pg = {
    .kind = RDB_PG,
    .keyed = "",
    .extra = extra,
    .identify = identify,
    .lock = lock,
    .stamp = stamp,
};
