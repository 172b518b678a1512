/*
 * record_db_sqlite.c — the SQLite back end of the store seam (record_db.h).  Parameters written
 * $1, $2 ... are SQLite named parameters: bound by name, so their order of appearance in the text
 * does not matter.  The connection is WAL, synchronous=FULL, foreign keys on (rdb ready).
 */
#include "mem.h"
#include "record.h"
#include "record_db_sqlite_cache.h"
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

typedef struct sdb {
    rdb base;
    sqlite3 *h;
    int raw; /* the last SQLite result code, for the message */
    char msg[400];
    scache cache;
} sdb;

typedef struct sstmt {
    rdb_stmt base;
    sqlite3_stmt *st;
    int64_t changes;
} sstmt;

static int map(sdb *d, int rc)
{
    if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
        return rc == SQLITE_OK ? RDB_OK : rc == SQLITE_ROW ? RDB_ROW
                                                           : RDB_DONE;
    d->raw = rc;
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return RDB_EBUSY;
    case SQLITE_FULL: return RDB_EFULL;
    case SQLITE_CONSTRAINT: return RDB_ECONSTRAINT;
    case SQLITE_NOMEM: return RDB_ENOMEM;
    case SQLITE_READONLY: return RDB_EREADONLY;
    case SQLITE_CANTOPEN: return RDB_ECANTOPEN;
    case SQLITE_CORRUPT: return RDB_ECORRUPT;
    case SQLITE_NOTADB: return RDB_ENOTADB;
    case SQLITE_IOERR: return RDB_EIO;
    case SQLITE_PERM:
    case SQLITE_AUTH: return RDB_EDENIED;
    default: return RDB_EOTHER;
    }
}

static sdb *S(rdb *db)
{
    return (sdb *)(void *)db;
}
static sstmt *T(rdb_stmt *st)
{
    return (sstmt *)(void *)st;
}

/* text (key in SQLite's words) prepared and kept in the cache; the caller asked the cache first.
 * *more: 1 when text holds more than one statement; then only the first is prepared, and it is
 * not kept. */
static int prepare_kept(sdb *d, const char *key, const char *text, sqlite3_stmt **out, int *more)
{
    *more = 0;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(d->h, text, -1, out, &tail);
    if (rc != SQLITE_OK)
        return map(d, rc);
    while (tail && (*tail == ' ' || *tail == ';' || *tail == '\n'))
        tail++;
    *more = tail && *tail;
    if (!*more && *out)
        scache_keep(&d->cache, key, *out); /* not kept: its user finalizes it */
    return RDB_OK;
}

static int s_prepare(rdb *db, const char *sql, rdb_stmt **out)
{
    sstmt *t = dt_calloc(1, sizeof *t);
    if (!t)
        return RDB_ENOMEM;
    t->base.db = db;
    int more; /* a text of several statements: only the first, as sqlite3_prepare does */
    char buf[8192];
    int rc = RDB_OK;
    if ((t->st = scache_lend(&S(db)->cache, sql)) == NULL) {
        rc = rdb_dialect(RDB_SQLITE, sql, buf, sizeof buf) < sizeof buf ? RDB_OK : RDB_ENOMEM;
        rc = rc ? rc : prepare_kept(S(db), sql, buf, &t->st, &more);
    }
    if (rc != RDB_OK) {
        dt_free(t);
        return rc;
    }
    *out = &t->base;
    return RDB_OK;
}

static int index_of(rdb_stmt *st, int i)
{
    char name[16];
    snprintf(name, sizeof name, "$%d", i);
    return sqlite3_bind_parameter_index(T(st)->st, name);
}

static int s_bind_text(rdb_stmt *st, int i, const char *s)
{
    int k = index_of(st, i);
    return k ? map(S(st->db), sqlite3_bind_text(T(st)->st, k, s, -1, SQLITE_TRANSIENT)) : RDB_OK;
}

static int s_bind_i64(rdb_stmt *st, int i, int64_t v)
{
    int k = index_of(st, i);
    return k ? map(S(st->db), sqlite3_bind_int64(T(st)->st, k, v)) : RDB_OK;
}

static int s_bind_null(rdb_stmt *st, int i)
{
    int k = index_of(st, i);
    return k ? map(S(st->db), sqlite3_bind_null(T(st)->st, k)) : RDB_OK;
}

static int s_step(rdb_stmt *st)
{
    int rc = sqlite3_step(T(st)->st);
    if (rc == SQLITE_DONE)
        T(st)->changes = sqlite3_changes(S(st->db)->h);
    return map(S(st->db), rc);
}

static void s_reset(rdb_stmt *st)
{
    sqlite3_reset(T(st)->st);
    sqlite3_clear_bindings(T(st)->st);
}

static void s_finalize(rdb_stmt *st)
{
    if (!scache_give_back(&S(st->db)->cache, T(st)->st))
        sqlite3_finalize(T(st)->st);
    dt_free(st);
}

static int64_t s_changes(rdb_stmt *st)
{
    return T(st)->changes;
}
static int s_ncols(rdb_stmt *st)
{
    return sqlite3_column_count(T(st)->st);
}
static const char *s_col_name(rdb_stmt *st, int c)
{
    return sqlite3_column_name(T(st)->st, c);
}
static const char *s_col_text(rdb_stmt *st, int c)
{
    return (const char *)sqlite3_column_text(T(st)->st, c);
}
static int64_t s_col_i64(rdb_stmt *st, int c)
{
    return sqlite3_column_int64(T(st)->st, c);
}

static int s_col_kind(rdb_stmt *st, int c)
{
    switch (sqlite3_column_type(T(st)->st, c)) {
    case SQLITE_NULL: return RDB_COL_NULL;
    case SQLITE_INTEGER: return RDB_COL_INT;
    case SQLITE_FLOAT: return RDB_COL_FLOAT;
    default: return RDB_COL_TEXT;
    }
}

/* One statement through the cache (BEGIN, SAVEPOINT, COMMIT at every write); a text of
 * several statements (the connection's PRAGMAs) as SQLite runs it. */
static int s_exec(rdb *db, const char *sql)
{
    sdb *d = S(db);
    sqlite3_stmt *st = scache_lend(&d->cache, sql);
    int more = 0;
    int rc = st ? RDB_OK : prepare_kept(d, sql, sql, &st, &more);
    if (rc != RDB_OK || more) {
        sqlite3_finalize(st);
        return rc != RDB_OK ? rc : map(d, sqlite3_exec(d->h, sql, NULL, NULL, NULL));
    }
    int step = st ? sqlite3_step(st) : SQLITE_DONE; /* st is NULL for a text of no statement */
    while (step == SQLITE_ROW)
        step = sqlite3_step(st);
    if (!scache_give_back(&d->cache, st))
        sqlite3_finalize(st);
    return step == SQLITE_DONE ? RDB_OK : map(d, step);
}

static int s_begin(rdb *db, int write)
{
    return s_exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN");
}

static int s_in_tx(rdb *db)
{
    return !sqlite3_get_autocommit(S(db)->h);
}

static const char *s_errmsg(rdb *db, int rc)
{
    sdb *d = S(db);
    (void)rc;
    snprintf(d->msg, sizeof d->msg, "sqlite: %s",
             d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(d->raw));
    return d->msg;
}

/* The space the WAL holds is ours to give back: fold it into the database and truncate it. */
static int s_reclaim(rdb *db)
{
    rdb_rollback(db);
    s_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    return 1;
}

/* A WAL that is only checkpointed at 1000 pages (4 MB) and never shrunk eats the last free space
 * of a nearly full disk (~22 KB per event): checkpoint every 256 pages and cut the file back to
 * 1 MB after each checkpoint.  Not fewer: each checkpoint syncs the database file inside some
 * writer's COMMIT, and at 64 pages dtree serve made one every few COMMITs (256 pages: 10-22% more
 * answers per second at 1 to 64 clients; a full disk is still met by s_reclaim). */
static int s_ready(rdb *db, int ro)
{
    if (ro)
        return RDB_OK;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(S(db)->h, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        rc = mode && strcmp(mode, "wal") == 0 ? SQLITE_OK : SQLITE_CANTOPEN;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return map(S(db), rc);
    return s_exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                      " PRAGMA wal_autocheckpoint=256; PRAGMA journal_size_limit=1048576");
}

static void s_close(rdb *db)
{
    scache_clear(&S(db)->cache);
    sqlite3_close_v2(S(db)->h);
    dt_free(db);
}

static const rdb_ops sqlite_ops = {
    s_prepare,
    s_bind_text,
    s_bind_i64,
    s_bind_null,
    s_step,
    s_reset,
    s_finalize,
    s_changes,
    s_ncols,
    s_col_name,
    s_col_text,
    s_col_i64,
    s_col_kind,
    s_exec,
    s_begin,
    s_in_tx,
    s_errmsg,
    s_reclaim,
    s_ready,
    s_close,
    NULL, /* begin_batch: every statement is a local call anyway */
    NULL,
};

int rdb_sqlite_class(int raw)
{
    sdb scratch;
    memset(&scratch, 0, sizeof scratch);
    return map(&scratch, raw);
}

void *rdb_sqlite_handle(rdb *db)
{
    return db && db->kind == RDB_SQLITE ? S(db)->h : NULL;
}

void rdb_sqlite_set_busy(rdb *db, int (*busy)(void *, int), void *user)
{
    if (db && db->kind == RDB_SQLITE)
        sqlite3_busy_handler(S(db)->h, busy, user);
}

int rdb_sqlite_db_readonly(rdb *db)
{
    return db && db->kind == RDB_SQLITE && sqlite3_db_readonly(S(db)->h, "main") == 1;
}

static int open_one(sdb *d, const char *name, int flags, int (*busy)(void *, int), void *user)
{
    int rc = sqlite3_open_v2(name, &d->h, flags, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(d->h, 1);
        sqlite3_busy_handler(d->h, busy, user);
    }
    return rc;
}

/* Does it read?  A WAL file without its -shm on a read-only file system does not. */
static int reads(sdb *d)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(d->h, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
    rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Queries on a read-only file system: SQLite cannot create the -shm it needs for a WAL database,
 * but nobody can change the file there either, so it is opened as immutable. */
int rdb_sqlite_open(const char *path, int ro, int busy_ms, int (*busy)(void *, int), void *user,
                    rdb **out)
{
    (void)busy_ms; /* the busy handler counts it */
    sdb *d = dt_calloc(1, sizeof *d);
    *out = NULL;
    if (!d)
        return RDB_ENOMEM;
    d->base.ops = &sqlite_ops;
    d->base.kind = RDB_SQLITE;
    *out = &d->base;
    int flags = (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
    int rc = open_one(d, path, flags, busy, user);
    int fsro = ro && dt_rec_fs_readonly(path);
    if (rc == SQLITE_OK && fsro)
        rc = reads(d);
    if (rc == SQLITE_OK || !fsro)
        return map(d, rc);
    sqlite3_close_v2(d->h);
    d->h = NULL;
    char *uri = sqlite3_mprintf("file:%s?immutable=1", path);
    if (!uri)
        return RDB_ENOMEM;
    rc = open_one(d, uri, flags | SQLITE_OPEN_URI, busy, user);
    sqlite3_free(uri);
    return map(d, rc);
}
