/*
 * record_schema.c — the recording database's schema and its migrations.
 * The schema version is PRAGMA user_version; migrations[v] brings version v to v+1 and they run in
 * order inside one BEGIN IMMEDIATE transaction, so two processes opening a new file at once cannot
 * both create it.  PRAGMA application_id marks the file as ours: any other SQLite file is refused.
 */
#include "error.h"
#include "record.h"
#include <stdio.h>

static const char *const migrations[DT_REC_SCHEMA_VERSION] = {
    /* 0 -> 1: sessions and their events.  Sensitive values can only ever be stored redacted:
     * the CHECK constraints refuse anything else even if a bug upstream passed a clear value. */
    "CREATE TABLE sessions("
    " sid INTEGER PRIMARY KEY,"
    " uuid TEXT NOT NULL UNIQUE,"
    " tree_id TEXT NOT NULL, tree_version TEXT NOT NULL, tree_hash TEXT NOT NULL,"
    " tree_path TEXT NOT NULL,"
    " agent TEXT NOT NULL, mode TEXT NOT NULL CHECK (mode IN ('agent','kiosk','scripted')),"
    " host TEXT NOT NULL,"
    " started_ms INTEGER NOT NULL, ended_ms INTEGER, last_ms INTEGER NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN"
    "   ('active','completed','abandoned','transferred','timed_out')),"
    " outcome TEXT NOT NULL DEFAULT '',"
    " last_tree TEXT NOT NULL DEFAULT '', last_step TEXT NOT NULL DEFAULT '',"
    " steps INTEGER NOT NULL DEFAULT 0, events INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE events("
    " sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, time_ms INTEGER NOT NULL, kind TEXT NOT NULL,"
    " tree_id TEXT NOT NULL DEFAULT '', step_id TEXT NOT NULL DEFAULT '',"
    " step_kind TEXT NOT NULL DEFAULT '', choice_id TEXT NOT NULL DEFAULT '',"
    " label TEXT NOT NULL DEFAULT '', var TEXT NOT NULL DEFAULT '', value TEXT NOT NULL DEFAULT '',"
    " text TEXT NOT NULL DEFAULT '', outcome TEXT NOT NULL DEFAULT '',"
    " extra TEXT NOT NULL DEFAULT '',"
    " sensitive INTEGER NOT NULL DEFAULT 0, path_length INTEGER NOT NULL DEFAULT 0,"
    " CHECK (sensitive = 0 OR (value IN ('', '[redacted]') AND label IN ('', '[redacted]'))),"
    " PRIMARY KEY (sid, seq)) WITHOUT ROWID;"
    "CREATE INDEX sessions_started ON sessions(started_ms);",
    /* 1 -> 2: indexes for reports and filtered lists. */
    "CREATE INDEX events_step ON events(tree_id, step_id, kind);"
    "CREATE INDEX sessions_tree ON sessions(tree_id, started_ms);"
    "CREATE INDEX sessions_status ON sessions(status, started_ms);"
    "CREATE INDEX sessions_agent ON sessions(agent, started_ms);",
};

/* The header fields and the object count in ONE statement, i.e. one read snapshot: read
 * separately, another process creating the schema in between looks like a foreign file. */
static int read_header(dt_recorder *rec, int64_t *app, int64_t *version, int64_t *objects)
{
    static const char sql[] = "SELECT (SELECT application_id FROM pragma_application_id),"
                              " (SELECT user_version FROM pragma_user_version),"
                              " (SELECT count(*) FROM sqlite_master)";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(rec->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *app = sqlite3_column_int64(st, 0);
            *version = sqlite3_column_int64(st, 1);
            *objects = sqlite3_column_int64(st, 2);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static dt_status not_ours(dt_recorder *rec, dt_error *err)
{
    return dt_err_error(err, DT_EINVALID, rec->path, 0, 0, "record-not-dtree",
                        "not a dtree recording database (another program's SQLite file?); "
                        "use --db to choose another file");
}

/* Decide whether the file is new, ours, or foreign; *version gets its schema version. */
static dt_status identify(dt_recorder *rec, int64_t *version, int *fresh, dt_error *err)
{
    int64_t app = 0, objects = 0;
    int rc = read_header(rec, &app, version, &objects);
    if (rc != SQLITE_OK)
        return dt_rec_sqlerr(rec, err, rc, "reading the database header");
    *fresh = app == 0 && *version == 0 && objects == 0;
    if (!*fresh && app != DT_REC_APPLICATION_ID)
        return not_ours(rec, err);
    if (*version > DT_REC_SCHEMA_VERSION)
        return dt_err_error(err, DT_EINVALID, rec->path, 0, 0, "record-schema-newer",
                            "recording schema version %lld is newer than this dtree knows (%d); "
                            "use a newer dtree",
                            (long long)*version, DT_REC_SCHEMA_VERSION);
    return DT_OK;
}

static int apply(dt_recorder *rec, int64_t from, int to)
{
    int rc = SQLITE_OK;
    for (int64_t v = from; v < to && rc == SQLITE_OK; v++)
        rc = dt_rec_exec(rec, migrations[v]);
    if (rc != SQLITE_OK)
        return rc;
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d",
             DT_REC_APPLICATION_ID, to);
    return dt_rec_exec(rec, sql);
}

dt_status dt_rec_schema_upgrade(dt_recorder *rec, int to, dt_error *err)
{
    int64_t version = 0;
    int fresh = 0;
    if (to <= 0 || to > DT_REC_SCHEMA_VERSION)
        to = DT_REC_SCHEMA_VERSION;
    dt_status st = identify(rec, &version, &fresh, err);
    if (st != DT_OK || version >= to)
        return st;
    if (rec->flags & DT_REC_READONLY)
        return dt_err_error(err, DT_ESTATE, rec->path, 0, 0, "record-schema-old",
                            "recording schema version %lld is older than %d: record one session "
                            "with this dtree to upgrade the file",
                            (long long)version, to);
    int rc = dt_rec_exec(rec, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return dt_rec_sqlerr(rec, err, rc, "upgrading the schema");
    /* Another process may have created or upgraded the file while we waited for the lock. */
    st = identify(rec, &version, &fresh, err);
    if (st == DT_OK && version < to && (rc = apply(rec, version, to)) != SQLITE_OK)
        st = dt_rec_sqlerr(rec, err, rc, "upgrading the schema");
    if (st == DT_OK && (rc = dt_rec_exec(rec, "COMMIT")) != SQLITE_OK)
        st = dt_rec_sqlerr(rec, err, rc, "upgrading the schema");
    if (st != DT_OK)
        dt_rec_exec(rec, "ROLLBACK");
    return st;
}
