/*
 * record.h — the recorder's internals shared by record*.c (internal).
 * One dt_recorder = one store connection (record_db.h: SQLite or PostgreSQL) + at most one
 * attached session.  Events go through a
 * pending queue of owned copies: the queue is written in one transaction and emptied only after
 * COMMIT returns, so a failed write loses nothing (it is retried with the next event).
 */
#ifndef DTREE_ENGINE_RECORD_H
#define DTREE_ENGINE_RECORD_H

#include "dtree.h"
#include "record_db.h"
#include <stdint.h>

/* ---- the recorded columns, each once --------------------------------------------------------
 * X(column, member, type, at_insert): the SQL column, the member of the public row struct it
 * fills (dt_rec_event, dt_rec_session), how it is stored, and whether dt_recorder_begin sets it
 * (sessions; every event column is inserted).  These lists generate the column lists of the
 * SELECTs, the INSERTs, the binds and the row readers (record_sql.c: the SQL text, no store calls;
 * record_row.c: the SQLite binds and reads), so a recorded field is added here and as an upgrade
 * step (REC_OP_COLUMN) of a new schema version in record_schema.c.  Order = column order in
 * every generated statement. */
#define REC_EVENT_COLUMNS(X)         \
    X(seq, seq, I64, 1)              \
    X(time_ms, time_ms, I64, 1)      \
    X(kind, kind, TEXT, 1)           \
    X(tree_id, tree_id, TEXT, 1)     \
    X(step_id, step_id, TEXT, 1)     \
    X(step_kind, step_kind, TEXT, 1) \
    X(choice_id, choice_id, TEXT, 1) \
    X(label, label, TEXT, 1)         \
    X(var, var, TEXT, 1)             \
    X(value, value, TEXT, 1)         \
    X(text, text, TEXT, 1)           \
    X(outcome, outcome, TEXT, 1)     \
    X(extra, extra, TEXT, 1)         \
    X(sensitive, sensitive, FLAG, 1) \
    X(path_length, path_length, SIZE, 1)
#define REC_SESSION_COLUMNS(X)             \
    X(uuid, id, TEXT, 1)                   \
    X(tree_id, tree_id, TEXT, 1)           \
    X(tree_version, tree_version, TEXT, 1) \
    X(tree_hash, tree_hash, TEXT, 1)       \
    X(tree_path, tree_path, TEXT, 1)       \
    X(agent, agent, TEXT, 1)               \
    X(mode, mode, TEXT, 1)                 \
    X(host, host, TEXT, 1)                 \
    X(status, status, TEXT, 1)             \
    X(outcome, outcome, TEXT, 0)           \
    X(last_tree, last_tree, TEXT, 0)       \
    X(last_step, last_step, TEXT, 0)       \
    X(started_ms, started_ms, I64, 1)      \
    X(ended_ms, ended_ms, I64, 0)          \
    X(last_ms, last_ms, I64, 1)            \
    X(steps, steps, SIZE, 0)               \
    X(events, events, SIZE, 0)

typedef enum dt_rec_ctype { REC_C_TEXT,
                            REC_C_I64,
                            REC_C_FLAG,
                            REC_C_SIZE } dt_rec_ctype;
typedef struct dt_rec_col {
    const char *name;    /* SQL column */
    dt_rec_ctype type;
    size_t off;          /* offset of the member in the row struct */
    int at_insert;
} dt_rec_col;
/* A table: its name, the alias its SELECTs use, and the row key column (bound first by INSERT
 * for events: the session's sid; none for sessions, whose sid the store assigns). */
typedef struct dt_rec_tabledef {
    const char *table, *alias, *key;
    const dt_rec_col *cols;
    size_t ncols;
} dt_rec_tabledef;
extern const dt_rec_tabledef dt_rec_events_def, dt_rec_sessions_def;

/* record_sql.c — SQL text only (portable: $1, $2 ... parameters, which SQLite and PostgreSQL both
 * take).  Each returns the length needed, like snprintf; the text is cut when size is too small. */
/* "e.seq, e.time_ms, ..." */
size_t dt_rec_sql_columns(const dt_rec_tabledef *t, char *buf, size_t size);
/* "INSERT INTO events(sid, seq, ...) SELECT $1, $2, ... WHERE NOT EXISTS (a later event)": the
 * key first (when the table has one), then every column set at insert, in order.  A table with a
 * key refuses a row whose seq is not after every recorded one (0 rows: out of order or a
 * duplicate); one without (sessions) returns the new row's sid. */
size_t dt_rec_sql_insert(const dt_rec_tabledef *t, char *buf, size_t size);
/* The same for `rows` rows of a table with a key, in one statement ("... SELECT * FROM (VALUES
 * (...), (...)) ..."): the rows' seqs ascend, so the check of the first row's covers them all. */
size_t dt_rec_sql_insert_rows(const dt_rec_tabledef *t, size_t rows, char *buf, size_t size);

/* Own / free the text members of a row (store-independent; "" is never allocated). */
int dt_rec_row_own(const dt_rec_tabledef *t, void *row);
void dt_rec_row_free(const dt_rec_tabledef *t, void *row);
/* Room for any generated column list. */
#define REC_COLS_MAX 512

/* record_row.c — the store side of the same lists, through the seam (record_db.h). */
/* Bind the insert columns of `row` (a dt_rec_event / dt_rec_session) from parameter `first` on. */
int dt_rec_bind_row(rdb_stmt *st, int first, const dt_rec_tabledef *t, const void *row);
/* Fill `row` from result columns c0 .. c0 + ncols - 1; strings are borrowed from the statement
 * (NULL read as "").  Members the table does not list are left as they are. */
void dt_rec_read_row(rdb_stmt *st, int c0, const dt_rec_tabledef *t, void *row);
/* Latest clock time (epoch ms) a read keeps: 9999-12-31T23:59:59.999Z. */
#define REC_MS_MAX INT64_C(253402300799999)
/* A clock time, a duration or a sequence number read from a store, as 0 .. REC_MS_MAX: a hostile
 * file may say anything, and callers subtract two of them (a part's length, a step's offset). */
int64_t dt_rec_col_ms(rdb_stmt *st, int c);
int64_t dt_rec_clamp_ms(int64_t v);

/* An event waiting to be written: the row as it will be read back (strings owned, dt_malloc,
 * NULL stored as "") and what the session row update needs. */
typedef struct dt_rec_pending {
    dt_rec_event ev;
    int counts;             /* 1: an interactive step shown (the session row's "steps") */
    char *box;              /* owned; the sealed value kept with this event (record_seal.c) */
} dt_rec_pending;

/* A box given by dt_recorder_seal_next, waiting for the event of its variable (owned strings). */
typedef struct dt_rec_seal {
    char *var, *box;
} dt_rec_seal;

/* record_ident.c: one remembered file (the database, its -wal, its -shm) */
#define REC_NFILES 3
typedef struct dt_rec_ident {
    int known;
    uint64_t dev, ino;
} dt_rec_ident;

struct dt_recorder {
    rdb *db;
    int shared_db; /* db is another recorder's (dt_recorder_open_shared): not closed here */
    char *path;    /* the file, or the connection string with its password masked */
    char *where;   /* what was given to dt_recorder_open (may hold a password) */
    unsigned flags;
    int busy_ms;
    int waited_ms, wait_told;             /* the current wait for a lock (dt_rec_busy) */
    void (*wait_fn)(void *user, const char *path);
    void *wait_user;
    int64_t (*clock)(void *);
    void *clock_ud;
    /* the session being recorded */
    dt_session *session;
    const dt_tree *tree;
    int64_t sid;            /* rowid in sessions */
    char uuid[37];
    int64_t next_seq;
    dt_rec_pending *pend;
    size_t npend, cappend;
    int failed;
    char msg[512];
    int retry;               /* the last write failed: what it may have committed is checked */
    int last_rc;             /* the store's answer to the last write (RDB_OK or a failure) */
    dt_observer_fn next_fn;  /* chained observer, called after each write */
    void *next_user;
    /* the claim on the recorded session (record_claim.c) */
    int64_t claim_ms;    /* lease length, renewed by the writes */
    int64_t claim_until; /* the expiry a committed write gave the claim (0: not known) */
    int64_t claim_sent;  /* the expiry the write under way gives it (0: none) */
    char claim_token[37];
    int claimed;             /* 1 while this recorder holds the claim on `sid` */
    int lost;                /* 1 once another recorder took the session over: writes stop */
    int tampered;            /* 1 once a file changed under the session: writes stop */
    /* dt_recorder_require_token's (record_token.c): the hash every write needs live, or "" */
    char need_token[72];
    int token_state; /* 0 no write since it was set, 1 one committed, -1 refused: writes stop */
    int token_sent;  /* the write under way carries the token's check (its first INSERT) */
    int64_t told_ms; /* the live board was last told of this session (rdb_pg_notify) */
    dt_rec_ident ident[REC_NFILES];
    /* sealed values waiting for their event (record_seal.c) */
    dt_rec_seal *seal;
    size_t nseal, capseal;
    struct rec_spool *spool; /* where events go while the store cannot be reached (record_spool.c) */
    struct dt_rec_group *group; /* the connection's group commit (record_group.c), or NULL */
    dt_recorder_batch *batch;   /* the pool's batched writes (record_batch.c), or NULL */
    /* what the last dt_rec_resume handed out points at */
    char *resume_agent;
    char resume_note[512];
};

/* record_ident.c: the database, -wal and -shm files, by device and inode once they exist */
/* Remember the files as they are now (after a successful write). */
void dt_rec_ident_take(dt_recorder *rec);
/* 0 while every remembered file is still the same; else -1 and rec->msg says which changed. */
int dt_rec_ident_check(dt_recorder *rec);

/* record_path.c */
dt_status dt_rec_create_private(const char *path, dt_error *err);
/* A sentence for what stops `path` from being used (write: for recording), or NULL when nothing
 * visible does; buf holds it. */
const char *dt_rec_path_problem(const char *path, int write, char *buf, size_t size);
int dt_rec_fs_readonly(const char *path);

/* record_token.c: the condition that the required token is live, for the end of the same
 * INSERT as dt_rec_claim_held_sql, its hash $param; the length like snprintf (0: none needed). */
size_t dt_rec_token_held_sql(const dt_recorder *rec, int param, char *buf, size_t size);
/* A write that needed the token failed with rc: REC_OUT_OF_ORDER may mean the token was revoked
 * (no row either way); it is read to tell which (REC_TOKEN_REVOKED), after rolling back on
 * PostgreSQL, whose failed transaction reads nothing.  Any other rc is returned as it is. */
int dt_rec_token_refusal(dt_recorder *rec, int rc);

/* record_claim.c */
#define REC_CLAIM_MS (10 * 60 * 1000)
#define REC_CLAIM_LOST (-2)   /* dt_rec_claim_renew: the claim is no longer ours */
#define REC_OUT_OF_ORDER (-3) /* an event's seq is not after every recorded one */
#define REC_TOKEN_REVOKED (-4) /* dt_recorder_require_token's token is no longer live */
/* Take the claim on session sid for `agent` (inside the caller's transaction when one is open,
 * else in its own).  DT_ESTATE ("record-claimed", naming the holder and since when) while another
 * live holder has it, unless take_over; *took_over (may be NULL) = 1 when a live claim was taken. */
dt_status dt_rec_claim(dt_recorder *rec, int64_t sid, const char *agent, int take_over,
                       int *took_over, dt_error *err);
/* Inside a write transaction: extend our claim, or on PostgreSQL, while more than half of the
 * lease a committed write gave it is left, leave it to be checked (and held until the commit) by
 * the write's first INSERT (*check = 1: its text ends with dt_rec_claim_held_sql, and a refusal
 * of it goes through dt_rec_claim_refusal); RDB_OK, REC_CLAIM_LOST, or a store failure. */
int dt_rec_claim_renew(dt_recorder *rec, int64_t now, int *check);
/* 1 when a write at `now` leaves the claim to that check (nothing to renew): PostgreSQL only. */
int dt_rec_claim_checked_only(const dt_recorder *rec, int64_t now);
/* The condition that the claim is still ours, for the end of an INSERT ... SELECT ... WHERE whose
 * $1 is the sid and $token_param our token; the length like snprintf. */
size_t dt_rec_claim_held_sql(int token_param, char *buf, size_t size);
/* A write whose INSERT checked the claim failed with rc: REC_OUT_OF_ORDER may mean the claim is
 * gone (no row either way); the write's transaction is rolled back and the claim read to tell
 * which (REC_CLAIM_LOST).  Any other rc is returned as it is. */
int dt_rec_claim_refusal(dt_recorder *rec, int rc);
/* 1 when sql ($1 the session's sid when with_sid, then text) finds no row; 0 when it finds one or
 * cannot be read (a refusal is then taken as the store said it). */
int dt_rec_absent(dt_recorder *rec, const char *sql, int with_sid, const char *text);
/* The write transaction committed: the expiry it gave the claim is the one known from now on. */
void dt_rec_claim_committed(dt_recorder *rec);
void dt_rec_claim_lost_msg(dt_recorder *rec, char *buf, size_t size);
void dt_rec_claim_release(dt_recorder *rec);
void dt_rec_claim_host(char out[256]);

/* record_seal.c */
/* The box waiting for `var` (owned by the caller now), or NULL. */
char *dt_rec_seal_take(dt_recorder *rec, const char *var);
void dt_rec_seal_clear(dt_recorder *rec);
/* Inside the caller's write transaction: keep box with event seq / delete every box of the
 * session.  SQLite codes. */
int dt_rec_seal_write(dt_recorder *rec, int64_t seq, const char *box);
int dt_rec_seal_erase(dt_recorder *rec);
/* The clear value sealed with event seq of the session rec->sid, through meta->unseal, into buf:
 * 0, or -1 (no box, no unseal function, or it refused; buf wiped). */
int dt_rec_unseal(dt_recorder *rec, const dt_record_meta *meta, int64_t seq, const char *var,
                  char *buf, size_t size);
void dt_rec_wipe(char *buf, size_t size);

/* record.c */
int64_t dt_rec_now(dt_recorder *rec);
#define REC_WAIT_TELL_MS 300
int dt_rec_busy(void *user, int count);
/* Turn a store failure (an RDB_E* class) into a dt_error naming the store and saying what to do;
 * returns the status. */
dt_status dt_rec_sqlerr(dt_recorder *rec, dt_error *err, int rc, const char *what);
/* The same message into buf (for the failure kept by the observer). */
void dt_rec_sqlmsg(dt_recorder *rec, int rc, const char *what, char *buf, size_t size);
/* Run SQL without parameters or results; RDB_OK or the failure. */
int dt_rec_exec(dt_recorder *rec, const char *sql);
/* 1 when the recorder's store is PostgreSQL. */
int dt_rec_is_pg(const dt_recorder *rec);
/* A fresh UUID v4 as 36 characters + NUL. */
int dt_rec_uuid(char out[37]);

/* ---- the schema (record_schema.c: the tables and steps, once; *_sqlite.c, *_pg.c: a store's own)
 * A column's type is one of these, in each store's words in record_schema.c. */
typedef enum dt_rec_stype {
    REC_S_ROWID, /* the row id the store assigns: the primary key */
    REC_S_TEXT,  /* text, NOT NULL */
    REC_S_TEXT0, /* text, NOT NULL DEFAULT '' */
    REC_S_I64,   /* 64-bit integer, NOT NULL */
    REC_S_I64N,  /* 64-bit integer or NULL */
    REC_S_I640,  /* 64-bit integer, NOT NULL DEFAULT 0 */
    REC_S_FLAG0, /* 0 or 1, NOT NULL DEFAULT 0 */
    REC_S_NTYPES
} dt_rec_stype;
typedef struct dt_rec_scol {
    const char *name;
    dt_rec_stype type;
    const char *also; /* portable column constraints (UNIQUE, CHECK, REFERENCES), or NULL */
} dt_rec_scol;
typedef enum dt_rec_sop { REC_OP_TABLE,
                          REC_OP_INDEX,
                          REC_OP_COLUMN } dt_rec_sop;
/* One upgrade step, part of bringing version to - 1 to `to`: create table `name` (cols, then the
 * portable table constraints `text`; keyed: it has no row id of its own, only its primary key),
 * create index `name` ON `text`, or add column cols[0] to table `name`. */
typedef struct dt_rec_sstep {
    int to;
    dt_rec_sop op;
    const char *name, *text;
    const dt_rec_scol *cols;
    size_t ncols;
    int keyed;
} dt_rec_sstep;
/* A store's own part of the schema. */
typedef struct dt_rec_ddl {
    rdb_kind kind;            /* which words for the types (record_schema.c) */
    const char *keyed;        /* after a keyed table's ")" */
    const char *const *extra; /* [to - 1]: the store's own SQL after that step, or NULL */
    /* is the store ours (else an error), and its version */
    dt_status (*identify)(dt_recorder *rec, int64_t *version, dt_error *err);
    int (*lock)(dt_recorder *rec);          /* inside the upgrade transaction, or NULL */
    int (*stamp)(dt_recorder *rec, int to); /* record the version reached */
} dt_rec_ddl;
extern const dt_rec_ddl dt_rec_ddl_sqlite, dt_rec_ddl_pg;
extern const dt_rec_sstep *const dt_rec_schema_steps;
extern const size_t dt_rec_schema_nsteps;
/* The SQL of the steps of `list` that bring version to - 1 to `to`, in dialect d (statements
 * ended by ';'); the length needed, like snprintf. */
size_t dt_rec_schema_sql(const dt_rec_ddl *d, const dt_rec_sstep *list, size_t nlist, int to,
                         char *buf, size_t size);
/* Bring the store's schema to DT_REC_SCHEMA_VERSION (or, when `to` > 0, stop there; for tests).
 * Checks that the store is ours first.  Returns DT_OK or a status with err filled. */
dt_status dt_rec_schema_upgrade(dt_recorder *rec, int to, dt_error *err);
/* The messages both stores share. */
dt_status dt_rec_schema_newer(dt_recorder *rec, long long version, dt_error *err);
dt_status dt_rec_schema_old(dt_recorder *rec, long long version, int to, dt_error *err);

/* record_spool.c: the hooks of the write path (see there) */
void dt_rec_spool_attached(dt_recorder *rec);
size_t dt_rec_spool_take_back(dt_recorder *rec);
void dt_rec_spool_written(dt_recorder *rec);
int dt_rec_spool_store(dt_recorder *rec, int rc, size_t back);
dt_status dt_rec_spool_finish(dt_recorder *rec, dt_rec_status status, dt_error *err);
void dt_rec_spool_free(dt_recorder *rec);

/* record_write.c */
void dt_rec_observer(void *user, const dt_event *ev);
/* Queue an event built by the recorder itself: handoff (label: the agent before, text: the agent
 * after), feedback (text). */
int dt_rec_queue(dt_recorder *rec, const char *kind, const char *tree_id, const char *step_id,
                 const char *text, const char *label, const char *extra);
/* Queue the variables set before start that differ from their defaults ("set", extra "initial"). */
int dt_rec_queue_initial_vars(dt_recorder *rec);
/* Write the queue in one transaction; 0 on success, else -1 with rec->failed/msg set. */
int dt_rec_write_pending(dt_recorder *rec);
/* The parts of that write, for record_group.c.  write_alone: the queue (after `back` spooled
 * events put back in front) in a transaction of its own, then write_end.  write_rows: the
 * queue's statements inside the caller's write transaction (nothing when what a lost COMMIT
 * stored after all was all there was); RDB_OK or the failure.  write_end: after the transaction
 * holding them committed (rc RDB_OK) or failed: the queue emptied, or kept (and spooled) with
 * rec->msg said; undo(rec) takes the failed part back (NULL: rdb_rollback).  0 or -1. */
int dt_rec_write_alone(dt_recorder *rec, size_t back);
int dt_rec_write_rows(dt_recorder *rec);
int dt_rec_write_end(dt_recorder *rec, int rc, size_t back, void (*undo)(dt_recorder *));

/* What queue entries pend[0, n) do to the session row, as the events one after the other
 * would: newest time, steps shown (the last one's tree and step), a hand-off (to agent), and
 * state "" (nothing else), "end" (at end_ms with outcome) or "reopen" (back, restart, jump,
 * hand-off). */
typedef struct dt_rec_folded {
    int64_t newest, steps, handoff, end_ms;
    const char *tree, *step, *agent, *state, *outcome;
} dt_rec_folded;
dt_rec_folded dt_rec_fold(const dt_rec_pending *pend, size_t n);
/* Whether a write that failed with rc may have committed after all (a connection or a disk lost
 * under it): the next write then first drops what the store holds already. */
int dt_rec_may_have_committed(int rc);

/* record_batch.c: the writes of sessions on several PostgreSQL connections, those waiting at
 * once in one statement.  0 or -1, as dt_rec_write_pending. */
int dt_rec_batch_write(dt_recorder *rec, size_t back);

/* record_group.c: the writes of the recorders sharing one connection, several in one COMMIT
 * when they wait at once.  0 or -1, as dt_rec_write_pending. */
int dt_rec_group_write(dt_recorder *rec, size_t back);
void dt_rec_group_free(struct dt_rec_group *g);
void dt_rec_pending_clear(dt_recorder *rec);
/* Attach rec to session s as session row `sid`/`uuid` and install the observer. */
dt_status dt_rec_attach(dt_recorder *rec, dt_session *s, const dt_tree *tree, int64_t sid,
                        const char *uuid, int64_t next_seq, dt_error *err);
void dt_rec_detach(dt_recorder *rec);

/* Session row id and status for a full uuid; DT_ENOTFOUND when absent. */
dt_status dt_rec_find_session(dt_recorder *rec, const char *uuid, int64_t *sid, dt_error *err);

/* record_query.c: one session's events loaded in memory (owned copies) and the final path. */
#define REC_JUMPED (-2L)
#define REC_MARK_RESTART 1
#define REC_MARK_JUMP 2
typedef struct dt_rec_log {
    dt_rec_event *ev;
    size_t n, cap;
    size_t *path;      /* indices of the STEP events on the final path, oldest first */
    long *answer;      /* per path entry: index of its ANSWER event, -1 none, REC_JUMPED */
    unsigned char *mark; /* per path entry: 0, or reached by restart / jump */
    size_t npath;
} dt_rec_log;
dt_status dt_rec_log_load(dt_recorder *rec, int64_t sid, dt_rec_log *log, dt_error *err);
void dt_rec_log_free(dt_rec_log *log);
/* 1 for steps the user sees and answers (question, info, input). */
int dt_rec_interactive_kind(const char *step_kind);

/* Talk time of session row S: from start to end (or to the last event while not ended) minus
 * the waits between a part's end and the hand-off that resumed it.  A hand-off's `value` holds
 * when the previous part ended (epoch ms; record_resume.c); recordings made before it was kept
 * count from the event before the hand-off instead.  Same definition as dt_recorder_parts. */
#define REC_TALK_MS(S)                                                                         \
    "CAST(coalesce(" S ".ended_ms, " S ".last_ms) - " S ".started_ms - (SELECT coalesce(sum("  \
    "h.time_ms - CASE WHEN h.value <> '' AND length(h.value) <= 18 AND"                        \
    " ltrim(h.value, '0123456789') = '' THEN CAST(h.value AS BIGINT) ELSE coalesce((SELECT"    \
    " p.time_ms FROM events p WHERE p.sid = h.sid AND p.seq = h.seq - 1), h.time_ms) END), 0)" \
    " FROM events h WHERE h.sid = " S ".sid AND h.kind = 'handoff') AS BIGINT)"

/* record_report.c */
#define REC_NTABLES 8
/* The SQL of report table i for filter f ("" filter: all sessions); static-size buffer. */
int dt_rec_report_sql(size_t i, const dt_rec_filter *f, size_t top, char *buf, size_t size);
/* WHERE conditions (each " AND ...") for f, with parameters $1 agent, $2 tree, $3 mode,
 * $4 status, $5 since, $6 until, bound by dt_rec_filter_bind (every statement that takes a filter
 * numbers its own parameters after these). */
#define REC_FILTER_PARAMS 6
void dt_rec_filter_where(const dt_rec_filter *f, char *buf, size_t size);
int dt_rec_filter_bind(rdb_stmt *st, const dt_rec_filter *f);
/* The report's SQL for a store kind (dt_rec_report_sql: the recorder's own). */
int dt_rec_report_sql_kind(rdb_kind kind, size_t i, const dt_rec_filter *f, size_t top, char *buf,
                           size_t size);

#endif
