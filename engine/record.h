/*
 * record.h — the recorder's internals shared by record*.c (internal).
 * One dt_recorder = one SQLite connection + at most one attached session.  Events go through a
 * pending queue of owned copies: the queue is written in one transaction and emptied only after
 * COMMIT returns, so a failed write loses nothing (it is retried with the next event).
 */
#ifndef DT_RECORD_H
#define DT_RECORD_H

#include "dtree.h"
#include <sqlite3.h>
#include <stdint.h>

#define DT_REC_NFIELDS 11

/* An event waiting to be written; strings owned (dt_malloc), NULL stored as "". */
typedef struct dt_rec_pending {
    int64_t seq, time_ms;
    int sensitive;
    int64_t path_length;
    /* kind tree_id step_id step_kind choice_id label var value text outcome extra */
    char *f[DT_REC_NFIELDS];
} dt_rec_pending;

enum { F_KIND, F_TREE, F_STEP, F_SKIND, F_CHOICE, F_LABEL, F_VAR, F_VALUE, F_TEXT, F_OUTCOME,
       F_EXTRA };

struct dt_recorder {
    sqlite3 *db;
    char *path;
    unsigned flags;
    int busy_ms;
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
    sqlite3_stmt *ins_event, *upd_session;
    dt_observer_fn next_fn;  /* chained observer, called after each write */
    void *next_user;
};

/* record.c */
int64_t dt_rec_now(dt_recorder *rec);
/* Turn an SQLite failure into a dt_error naming the file and saying what to do; returns the status. */
dt_status dt_rec_sqlerr(dt_recorder *rec, dt_error *err, int rc, const char *what);
/* The same message into buf (for the failure kept by the observer). */
void dt_rec_sqlmsg(dt_recorder *rec, int rc, const char *what, char *buf, size_t size);
/* Run SQL without results; SQLITE_OK or the failing code. */
int dt_rec_exec(dt_recorder *rec, const char *sql);
/* A fresh UUID v4 as 36 characters + NUL. */
int dt_rec_uuid(char out[37]);

/* record_schema.c: bring the schema to DT_REC_SCHEMA_VERSION (or, when `to` > 0, stop there; for
 * tests).  Checks the application id first.  Returns DT_OK or a status with err filled. */
dt_status dt_rec_schema_upgrade(dt_recorder *rec, int to, dt_error *err);

/* record_write.c */
void dt_rec_observer(void *user, const dt_event *ev);
/* Queue an event built by the recorder itself: handoff (label: the agent before, text: the agent
 * after), feedback (text). */
int dt_rec_queue(dt_recorder *rec, const char *kind, const char *tree_id, const char *step_id,
                 const char *text, const char *label);
/* Queue the variables set before start that differ from their defaults ("set", extra "initial"). */
int dt_rec_queue_initial_vars(dt_recorder *rec);
/* Write the queue in one transaction; 0 on success, else -1 with rec->failed/msg set. */
int dt_rec_write_pending(dt_recorder *rec);
void dt_rec_pending_clear(dt_recorder *rec);
/* Attach rec to session s as session row `sid`/`uuid` and install the observer. */
dt_status dt_rec_attach(dt_recorder *rec, dt_session *s, const dt_tree *tree, int64_t sid,
                        const char *uuid, int64_t next_seq, dt_error *err);
void dt_rec_detach(dt_recorder *rec);

/* record_query.c: fill a dt_rec_session from a row of SESSION_COLS starting at column `c0`. */
#define DT_REC_SESSION_COLS                                                                   \
    "s.uuid, s.tree_id, s.tree_version, s.tree_hash, s.tree_path, s.agent, s.mode, s.host, "  \
    "s.status, s.outcome, s.last_tree, s.last_step, s.started_ms, s.ended_ms, s.last_ms, "    \
    "s.steps, s.events"
void dt_rec_session_from_row(sqlite3_stmt *st, int c0, dt_rec_session *out);
#define DT_REC_EVENT_COLS                                                                      \
    "e.seq, e.time_ms, e.kind, e.tree_id, e.step_id, e.step_kind, e.choice_id, e.label, e.var, " \
    "e.value, e.text, e.outcome, e.sensitive, e.path_length"
void dt_rec_event_from_row(sqlite3_stmt *st, int c0, dt_rec_event *out);
/* Session row id and status for a full uuid; DT_ENOTFOUND when absent. */
dt_status dt_rec_find_session(dt_recorder *rec, const char *uuid, int64_t *sid, dt_error *err);

/* record_query.c: one session's events loaded in memory (owned copies) and the final path. */
#define DT_REC_JUMPED (-2L)
#define DT_REC_MARK_RESTART 1
#define DT_REC_MARK_JUMP 2
typedef struct dt_rec_log {
    dt_rec_event *ev;
    size_t n, cap;
    size_t *path;      /* indices of the STEP events on the final path, oldest first */
    long *answer;      /* per path entry: index of its ANSWER event, -1 none, DT_REC_JUMPED */
    unsigned char *mark; /* per path entry: 0, or reached by restart / jump */
    size_t npath;
} dt_rec_log;
dt_status dt_rec_log_load(dt_recorder *rec, int64_t sid, dt_rec_log *log, dt_error *err);
void dt_rec_log_free(dt_rec_log *log);
/* 1 for steps the user sees and answers (question, info, input). */
int dt_rec_interactive_kind(const char *step_kind);
/* Step index of (tree_id, step_id) in t, DT_NONE when absent. */
uint32_t dt_rec_find_step(const dt_tree *t, const char *tree_id, const char *step_id);

/* record_report.c */
#define DT_REC_NTABLES 6
/* The SQL of report table i for filter f ("" filter: all sessions); static-size buffer. */
int dt_rec_report_sql(size_t i, const dt_rec_filter *f, size_t top, char *buf, size_t size);
/* WHERE conditions (each " AND ...") for f, with named parameters bound by dt_rec_filter_bind. */
void dt_rec_filter_where(const dt_rec_filter *f, char *buf, size_t size);
int dt_rec_filter_bind(sqlite3_stmt *st, const dt_rec_filter *f);

#endif
