/*
 * record_schema_sqlite.c — what is SQLite's own in the recording schema (the tables and upgrade
 * steps are record_schema.c's, for both stores): WITHOUT ROWID, and the version kept in the
 * file header, PRAGMA user_version.  PRAGMA application_id marks the file as ours: any other SQLite
 * file is refused.
 */
#include "error.h"
#include "record.h"
#include <stdio.h>

/* The header fields and the object count in ONE statement, i.e. one read snapshot: read
 * separately, another process creating the schema in between looks like a foreign file. */
static int read_header(dt_recorder *rec, int64_t *app, int64_t *version, int64_t *objects)
{
    static const char sql[] = "SELECT (SELECT application_id FROM pragma_application_id),"
                              " (SELECT user_version FROM pragma_user_version),"
                              " (SELECT count(*) FROM sqlite_master)";
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, sql, &st);
    if (rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW) {
        *app = rdb_col_i64(st, 0);
        *version = rdb_col_i64(st, 1);
        *objects = rdb_col_i64(st, 2);
        rc = RDB_OK;
    }
    rdb_finalize(st);
    return rc == RDB_DONE ? RDB_ECORRUPT : rc;
}

static dt_status not_ours(dt_recorder *rec, dt_error *err)
{
    return dt_err_error(err, DT_EINVALID, rec->path, 0, 0, "record-not-dtree",
                        "not a dtree recording database (another program's SQLite file?); "
                        "use --db to choose another file");
}

/* Decide whether the file is new, ours, or foreign; *version gets its schema version. */
static dt_status identify(dt_recorder *rec, int64_t *version, dt_error *err)
{
    int64_t app = 0, objects = 0;
    int rc = read_header(rec, &app, version, &objects);
    if (rc != RDB_OK)
        return dt_rec_sqlerr(rec, err, rc, "reading the database header");
    int fresh = app == 0 && *version == 0 && objects == 0;
    if (!fresh && app != DT_REC_APPLICATION_ID)
        return not_ours(rec, err);
    /* user_version is whatever the file says (any 32-bit value): it says which upgrade steps
     * run, so anything outside 0..DT_REC_SCHEMA_VERSION is refused here, before it is used. */
    if (*version < 0)
        return dt_err_error(err, DT_EINVALID, rec->path, 0, 0, "record-schema-bad",
                            "recording schema version %lld is not valid: the file is damaged "
                            "or was not written by dtree; use --db to choose another file",
                            (long long)*version);
    if (*version > DT_REC_SCHEMA_VERSION)
        return dt_rec_schema_newer(rec, (long long)*version, err);
    return DT_OK;
}

static int stamp(dt_recorder *rec, int to)
{
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d",
             DT_REC_APPLICATION_ID, to);
    return dt_rec_exec(rec, sql);
}

/* SQLite's part of the schema (record_schema.c has the rest, and the types in SQLite's words):
 * WITHOUT ROWID for tables keyed by their primary key alone, the version in the file header. */
const dt_rec_ddl dt_rec_ddl_sqlite = {
    .kind = RDB_SQLITE,
    .keyed = " WITHOUT ROWID",
    .identify = identify,
    .stamp = stamp,
};
