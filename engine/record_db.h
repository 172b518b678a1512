/*
 * record_db.h — the recorder's store seam (internal).  One small interface (prepare, bind, step,
 * read columns, transactions, errors) and two back ends behind it: SQLite (record_db_sqlite.c)
 * and PostgreSQL through libpq (record_db_pg.c).  Every statement text is shared: written with
 * $1, $2 ... parameters and the few differences between the two dialects rewritten in one place
 * (rdb_dialect, record_db.c).  Nothing above this interface names SQLite or libpq.
 */
#ifndef DTREE_ENGINE_RECORD_DB_H
#define DTREE_ENGINE_RECORD_DB_H

#include "dtree.h"
#include <stddef.h>
#include <stdint.h>

typedef enum rdb_kind { RDB_SQLITE,
                        RDB_PG } rdb_kind;

/* Results of every call: RDB_OK, RDB_ROW / RDB_DONE from rdb_step, else one class of failure
 * (the back end keeps its own message and code for rdb_errmsg).  Each class once. */
#define RDB_ERROR_LIST(X)                                                     \
    X(RDB_EBUSY)       /* locked by another writer longer than the timeout */ \
    X(RDB_EFULL)       /* disk or size limit full */                          \
    X(RDB_ECONSTRAINT) /* a unique key or check refused the row */            \
    X(RDB_ENOMEM)                                                             \
    X(RDB_EREADONLY) /* the store (file, transaction, server) is read-only */ \
    X(RDB_ECANTOPEN)                                                          \
    X(RDB_ECORRUPT)                                                           \
    X(RDB_ENOTADB)                                                            \
    X(RDB_EIO)                                                                \
    X(RDB_EDENIED) /* the role lacks the right (PostgreSQL) */                \
    X(RDB_ECONN)   /* the server cannot be reached or the connection broke */ \
    X(RDB_EAUTH)   /* the server refused the login */                         \
    X(RDB_EOTHER)
enum {
    RDB_OK = 0,
    RDB_ROW = 100,
    RDB_DONE = 101,
    RDB_EFIRST_ = 200,
#define RDB_ENUM_(e) e,
    RDB_ERROR_LIST(RDB_ENUM_)
#undef RDB_ENUM_
};

typedef struct rdb rdb;
typedef struct rdb_stmt rdb_stmt;

/* What a back end implements.  Parameters are numbered from 1; an index the statement does not
 * use is ignored.  Text is copied at bind time.  Column reads are valid until the next step. */
typedef struct rdb_ops {
    int (*prepare)(rdb *db, const char *sql, rdb_stmt **out);
    int (*bind_text)(rdb_stmt *st, int i, const char *s);
    int (*bind_i64)(rdb_stmt *st, int i, int64_t v);
    int (*bind_null)(rdb_stmt *st, int i);
    int (*step)(rdb_stmt *st);
    void (*reset)(rdb_stmt *st); /* ready to run again; bindings cleared */
    void (*finalize)(rdb_stmt *st);
    int64_t (*changes)(rdb_stmt *st); /* rows changed by its last run */
    int (*ncols)(rdb_stmt *st);
    const char *(*col_name)(rdb_stmt *st, int c);
    const char *(*col_text)(rdb_stmt *st, int c); /* NULL for SQL NULL */
    int64_t (*col_i64)(rdb_stmt *st, int c);
    int (*col_kind)(rdb_stmt *st, int c);  /* RDB_COL_* */
    int (*exec)(rdb *db, const char *sql); /* statements without parameters or results */
    int (*begin)(rdb *db, int write);      /* write: take the write lock now (SQLite) */
    int (*in_tx)(rdb *db);
    const char *(*errmsg)(rdb *db, int rc); /* the back end's own words for the last failure */
    int (*reclaim)(rdb *db);                /* after RDB_EFULL: 1 when space was given back */
    int (*ready)(rdb *db, int ro);          /* the store is ours: the connection's settings */
    void (*close)(rdb *db);
    /* Optional (NULL: rdb_begin(db, 1) and every statement waited for): a write transaction
     * whose statements run by rdb_run(st, NULL) are sent without waiting for their results. */
    int (*begin_batch)(rdb *db);
    /* Optional (NULL: step): the first step of rdb_run; wait 0 lets a batch defer it (RDB_DONE). */
    int (*run)(rdb_stmt *st, int wait);
} rdb_ops;

#define RDB_COL_NULL 0
#define RDB_COL_INT 1
#define RDB_COL_FLOAT 2 /* floats and PostgreSQL numerics: may read "57.0" */
#define RDB_COL_TEXT 3

/* Every back end's connection starts with this. */
struct rdb {
    const rdb_ops *ops;
    rdb_kind kind;
};
/* Every back end's statement starts with this.  want: rows each run must change (-1: any), else
 * the run fails with miss (rdb_expect).  whole: rdb_whole's. */
struct rdb_stmt {
    rdb *db;
    int64_t want;
    int miss;
    int whole;
};

/* Open a store (record_db_sqlite.c, record_db_pg.c).  `where`: a file path, or a PostgreSQL
 * connection string (rdb_is_pg).  ro: queries only.  busy_ms: how long to wait for a lock.  On
 * failure *out may still hold a connection whose rdb_errmsg says why (close it); msg (size
 * bytes) gets a sentence when there is no connection at all. */
int rdb_sqlite_open(const char *path, int ro, int busy_ms, int (*busy)(void *, int), void *user,
                    rdb **out);
int rdb_pg_open(const char *conninfo, int ro, int busy_ms, rdb **out, char *msg, size_t size);
/* PostgreSQL only: whether the server can be reached now, without waiting for it.  start begins
 * a connection to conninfo (NULL: out of memory); each poll advances it as far as the server
 * has answered, waiting 50 ms at most: 1 once the server took the login, 0 while under way, -1
 * when it failed or took longer than the connect timeout.  Nothing is sent but the login. */
typedef struct rdb_probe rdb_probe;
rdb_probe *rdb_pg_probe_start(const char *conninfo);
int rdb_pg_probe_poll(rdb_probe *p);
void rdb_pg_probe_free(rdb_probe *p);
/* SQLite only: the raw handle (tests) and the busy handler change; NULL / no-op on PostgreSQL. */
void *rdb_sqlite_handle(rdb *db);
void rdb_sqlite_set_busy(rdb *db, int (*busy)(void *, int), void *user);
int rdb_sqlite_db_readonly(rdb *db);
/* PostgreSQL only: wait up to timeout_ms (0: do not wait; a signal ends the wait) for the
 * notifications of the channels the connection LISTENs to; their payloads that are ids (digits)
 * into ids as an array literal ("{1,2}", "{}" for none), *many = 1 when they did not all fit.
 * RDB_OK, RDB_ECONN when the connection broke, RDB_EOTHER on SQLite. */
int rdb_pg_notified(rdb *db, int timeout_ms, char *ids, size_t size, int *many);
/* The class (RDB_E*) of a raw SQLite result code, for code that still calls SQLite itself. */
int rdb_sqlite_class(int raw);

/* PostgreSQL only: after the next COMMIT, notify `channel` with the id as payload, in a
 * transaction of its own that does not wait for the disk (synchronous_commit off: a lost
 * notification loses nothing).  Not inside the recorded transaction: a transaction that notifies
 * holds a database-wide lock until its commit is flushed, which would queue every writer's
 * commit behind the others'.  At most once every 250 ms per *told_ms, the caller's (one per
 * session, not per connection: connections are shared by sessions), which it sets: 1 when it
 * will notify.  No-op (0) on SQLite. */
int rdb_pg_notify(rdb *db, const char *channel, int64_t id, int64_t *told_ms);
/* The same rule alone, for a caller that notifies by itself: 1 (and *told_ms set) when due. */
int rdb_pg_tell_due(int64_t *told_ms);

/* PostgreSQL only: a bulk load, `COPY into FROM STDIN` in text format (the bulk path; SQLite's is
 * a prepared INSERT in one transaction).  `into` is our own text, "table(col, ...)", never data.
 * row(user, r, vals) fills vals[0 .. ncols - 1] for row r of nrows (NULL: SQL NULL; borrowed
 * until the next call) and returns RDB_OK, or a failure that stops the load.  Values are escaped
 * here (backslash, tab, newline, carriage return; a C string holds no NUL).  Runs inside the
 * caller's transaction, never in a batch.  RDB_OK, the first failure, RDB_EOTHER on SQLite. */
typedef int (*rdb_row_fn)(void *user, size_t r, const char **vals);
int rdb_pg_copy(rdb *db, const char *into, size_t ncols, size_t nrows, rdb_row_fn row, void *user);

/* 1 when `where` names a PostgreSQL database: postgresql://..., postgres://..., service=NAME. */
int rdb_is_pg(const char *where);
/* `where` with any password replaced by "***", for every message and echo. */
void rdb_mask(const char *where, char *buf, size_t size);
/* Overwrite any password in `where` with '*' in place (an argv string: `ps` then shows no more). */
void rdb_scrub(char *where);

/* The shared SQL text in the dialect of `kind` (record_db.c): the one place where they differ.
 * Returns the length needed like snprintf. */
size_t rdb_dialect(rdb_kind kind, const char *sql, char *buf, size_t size);

/* The calls, through the back end. */
int rdb_prepare(rdb *db, const char *sql, rdb_stmt **out);
int rdb_bind_text(rdb_stmt *st, int i, const char *s);
int rdb_bind_i64(rdb_stmt *st, int i, int64_t v);
int rdb_bind_null(rdb_stmt *st, int i);
int rdb_step(rdb_stmt *st);
void rdb_reset(rdb_stmt *st);
void rdb_finalize(rdb_stmt *st);
int64_t rdb_changes(rdb_stmt *st);
int rdb_ncols(rdb_stmt *st);
const char *rdb_col_name(rdb_stmt *st, int c);
const char *rdb_col_text(rdb_stmt *st, int c);
const char *rdb_col_str(rdb_stmt *st, int c); /* "" for NULL */
int64_t rdb_col_i64(rdb_stmt *st, int c);
int rdb_col_kind(rdb_stmt *st, int c);
int rdb_exec(rdb *db, const char *sql);
int rdb_begin(rdb *db, int write);
/* A write transaction sent in one round trip (PostgreSQL: libpq's pipeline mode; SQLite: as
 * rdb_begin(db, 1)).  Inside it, rdb_run(st, NULL) sends st and does not wait: its failure, or a
 * miss of its expectation (checked by the server, so that the transaction stops there), is
 * returned by the next call that waits (rdb_commit, or an rdb_step that reads rows).  Statements
 * of rdb_exec must be single statements.  rdb_commit or rdb_rollback ends it. */
int rdb_begin_batch(rdb *db);
/* Every run of st must change exactly `want` rows, else it fails with `miss` (a caller's code)
 * and with it the transaction: the out-of-order event, the claim another agent took.  Call after
 * prepare; it stays across resets. */
void rdb_expect(rdb_stmt *st, int64_t want, int miss);
/* Every result of st's run is read before its first row is given, so that a failure after the
 * rows (the commit of a statement run on its own, outside a transaction) fails the run: rows
 * are then never taken for stored when they were not.  PostgreSQL (SQLite commits inside the
 * last step); call after prepare. */
void rdb_whole(rdb_stmt *st);
int rdb_commit(rdb *db);
int rdb_rollback(rdb *db);
int rdb_in_tx(rdb *db);
const char *rdb_errmsg(rdb *db, int rc);
int rdb_reclaim(rdb *db);
int rdb_ready(rdb *db, int ro);
void rdb_close(rdb *db);
/* Run a statement that returns no rows; RDB_OK or the failure (or its expectation's miss).
 * *changes (may be NULL: then, inside rdb_begin_batch, the run may be deferred). */
int rdb_run(rdb_stmt *st, int64_t *changes);
/* The name of a result class ("busy", "full", ...) for messages and tests. */
const char *rdb_rc_name(int rc);

#endif
