/*
 * record_sync_sqlite.c — writing a batch of copied sessions into an SQLite store (dtree sync).
 * One transaction per batch, one savepoint per session: a session whose events differ from the
 * stored ones is rolled back alone and counted, the rest of the batch goes in.  Events are
 * inserted with ON CONFLICT DO NOTHING on (sid, seq); an event already there is compared.
 * Into PostgreSQL, dt_rec_sync_write takes the bulk path of record_sync_pg.c (COPY) instead, and
 * this one only where that cannot serve (no right to make temporary tables).
 */
#include "error.h"
#include "record_sync.h"
#include <sqlite3.h> /* sqlite3_db_filename: is it the same file? */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The SQLite connection under the store seam (record_db.h); NULL for another store. */
#define SQ(rec) ((sqlite3 *)rdb_sqlite_handle((rec)->db))

/* What the destination holds of one session before the batch. */
typedef struct dest_state {
    int64_t sid, last_ms, count, max_seq;
    char status[32];
    int found;
} dest_state;

typedef struct writer {
    dt_recorder *to;
    rdb_stmt *find, *ins_sess, *upd_sess, *ins_ev, *get_ev;
    dt_rec_sync_stats *st;
    dt_error *err;
} writer;

/* "INSERT INTO sessions(uuid, ...) VALUES ($1, ...)" over every column, or, with `update`,
 * "UPDATE sessions SET tree_id = $1, ... WHERE sid = $N" over every column but the uuid.  The
 * parameters appear in numeric order.  The insert returns the new row's sid. */
static void session_sql(int update, char *buf, size_t size)
{
    const dt_rec_tabledef *t = &dt_rec_sessions_def;
    size_t n = (size_t)snprintf(buf, size, update ? "UPDATE sessions SET " : "INSERT INTO sessions(");
    size_t p = 0;
    for (size_t i = 0; i < t->ncols && n < size; i++) {
        if (update && strcmp(t->cols[i].name, "uuid") == 0)
            continue;
        p++;
        n += (size_t)(update ? snprintf(buf + n, size - n, "%s%s = $%zu", p > 1 ? ", " : "",
                                        t->cols[i].name, p)
                             : snprintf(buf + n, size - n, "%s%s", p > 1 ? ", " : "",
                                        t->cols[i].name));
    }
    if (update) {
        if (n < size)
            snprintf(buf + n, size - n, " WHERE sid = $%zu", p + 1);
        return;
    }
    for (size_t i = 1; i <= p && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s$%zu", i > 1 ? ", " : ") VALUES (", i);
    if (n < size)
        snprintf(buf + n, size - n, ") RETURNING sid");
}

/* Bind every column of session row r from parameter 1 on (skipping the uuid for an update);
 * returns the next parameter.  ended_ms is the one nullable column: 0 means NULL. */
static int bind_session(rdb_stmt *st, const dt_rec_session *r, int update, int *rc)
{
    const dt_rec_tabledef *t = &dt_rec_sessions_def;
    int p = 1;
    for (size_t i = 0; *rc == RDB_OK && i < t->ncols; i++) {
        const dt_rec_col *c = &t->cols[i];
        const void *m = (const char *)r + c->off;
        if (update && strcmp(c->name, "uuid") == 0)
            continue;
        switch (c->type) {
        case REC_C_TEXT: *rc = rdb_bind_text(st, p, *(const char *const *)m); break;
        case REC_C_I64:
            *rc = strcmp(c->name, "ended_ms") == 0 && *(const int64_t *)m == 0
                      ? rdb_bind_null(st, p)
                      : rdb_bind_i64(st, p, *(const int64_t *)m);
            break;
        case REC_C_FLAG: *rc = rdb_bind_i64(st, p, *(const int *)m); break;
        case REC_C_SIZE: *rc = rdb_bind_i64(st, p, (int64_t) * (const size_t *)m); break;
        }
        p++;
    }
    return p;
}

static int step_done(rdb_stmt *st, int64_t *changes)
{
    return rdb_run(st, changes);
}

static int prepare_all(writer *w)
{
    rdb *db = w->to->db;
    char sql[2 * REC_COLS_MAX + 256], cols[REC_COLS_MAX];
    int rc = rdb_prepare(db,
                         "SELECT s.sid, s.last_ms, s.status,"
                         " (SELECT count(*) FROM events e WHERE e.sid = s.sid),"
                         " (SELECT coalesce(max(e.seq), 0) FROM events e WHERE e.sid = s.sid)"
                         " FROM sessions s WHERE s.uuid = $1",
                         &w->find);
    session_sql(0, sql, sizeof sql);
    rc = rc ? rc : rdb_prepare(db, sql, &w->ins_sess);
    session_sql(1, sql, sizeof sql);
    rc = rc ? rc : rdb_prepare(db, sql, &w->upd_sess);
    size_t n = dt_rec_sql_insert(&dt_rec_events_def, sql, sizeof sql);
    snprintf(sql + n, sizeof sql - n, " ON CONFLICT (sid, seq) DO NOTHING");
    rc = rc ? rc : rdb_prepare(db, sql, &w->ins_ev);
    dt_rec_sql_columns(&dt_rec_events_def, cols, sizeof cols);
    snprintf(sql, sizeof sql, "SELECT %s FROM events e WHERE e.sid = $1 AND e.seq = $2", cols);
    rc = rc ? rc : rdb_prepare(db, sql, &w->get_ev);
    return rc;
}

static void finalize_all(writer *w)
{
    rdb_finalize(w->find);
    rdb_finalize(w->ins_sess);
    rdb_finalize(w->upd_sess);
    rdb_finalize(w->ins_ev);
    rdb_finalize(w->get_ev);
}

static int find(writer *w, const char *uuid, dest_state *d)
{
    memset(d, 0, sizeof *d);
    int rc = rdb_bind_text(w->find, 1, uuid);
    if (rc == RDB_OK && (rc = rdb_step(w->find)) == RDB_ROW) {
        d->found = 1;
        d->sid = rdb_col_i64(w->find, 0);
        d->last_ms = rdb_col_i64(w->find, 1);
        snprintf(d->status, sizeof d->status, "%s", rdb_col_str(w->find, 2));
        d->count = rdb_col_i64(w->find, 3);
        d->max_seq = rdb_col_i64(w->find, 4);
    }
    rc = rc == RDB_ROW || rc == RDB_DONE ? RDB_OK : rc;
    rdb_reset(w->find);
    return rc;
}

/* 1 when every column of a and b holds the same value. */
static int same_event(const dt_rec_event *a, const dt_rec_event *b)
{
    const dt_rec_tabledef *t = &dt_rec_events_def;
    for (size_t i = 0; i < t->ncols; i++) {
        const void *x = (const char *)a + t->cols[i].off, *y = (const char *)b + t->cols[i].off;
        switch (t->cols[i].type) {
        case REC_C_TEXT:
            if (strcmp(*(const char *const *)x, *(const char *const *)y) != 0)
                return 0;
            break;
        case REC_C_I64:
            if (*(const int64_t *)x != *(const int64_t *)y) return 0;
            break;
        case REC_C_FLAG:
            if (!*(const int *)x != !*(const int *)y) return 0;
            break;
        case REC_C_SIZE:
            if (*(const size_t *)x != *(const size_t *)y) return 0;
            break;
        }
    }
    return 1;
}

/* The stored event (sid, e->seq) against e: RDB_OK when the same, else *differs = 1. */
static int compare(writer *w, int64_t sid, const dt_rec_event *e, int *differs)
{
    int rc = rdb_bind_i64(w->get_ev, 1, sid);
    rc = rc ? rc : rdb_bind_i64(w->get_ev, 2, e->seq);
    if (rc == RDB_OK && (rc = rdb_step(w->get_ev)) == RDB_ROW) {
        dt_rec_event have;
        memset(&have, 0, sizeof have);
        dt_rec_read_row(w->get_ev, 0, &dt_rec_events_def, &have);
        *differs = !same_event(&have, e);
        rc = RDB_OK;
    } else if (rc == RDB_DONE) {
        *differs = 1; /* ON CONFLICT skipped it, yet it is not there: not ours to guess */
        rc = RDB_OK;
    }
    rdb_reset(w->get_ev);
    return rc;
}

/* Insert the session's events; *inserted counts the new ones, *bad_seq > 0 names a difference. */
static int put_events(writer *w, const dt_sync_batch *b, const dt_sync_sess *s, int64_t sid,
                      size_t *inserted, int64_t *bad_seq)
{
    int rc = RDB_OK;
    for (size_t i = 0; rc == RDB_OK && i < s->nev && *bad_seq == 0; i++) {
        const dt_rec_event *e = &b->ev[s->ev0 + i];
        int64_t changed = 0;
        rc = rdb_bind_i64(w->ins_ev, 1, sid);
        rc = rc ? rc : dt_rec_bind_row(w->ins_ev, 2, &dt_rec_events_def, e);
        rc = rc ? rc : step_done(w->ins_ev, &changed);
        if (rc != RDB_OK) {
            rdb_reset(w->ins_ev);
            break;
        }
        if (changed == 1) {
            (*inserted)++;
            continue;
        }
        int differs = 0;
        rc = compare(w, sid, e, &differs);
        if (rc == RDB_OK && differs)
            *bad_seq = e->seq;
    }
    return rc;
}

static int put_row(writer *w, const dt_rec_session *r, int64_t update_sid, int64_t *sid)
{
    rdb_stmt *st = update_sid ? w->upd_sess : w->ins_sess;
    int rc = RDB_OK;
    int p = bind_session(st, r, update_sid != 0, &rc);
    if (rc == RDB_OK && update_sid)
        rc = rdb_bind_i64(st, p, update_sid);
    if (rc == RDB_OK && !update_sid && (rc = rdb_step(st)) == RDB_ROW) { /* RETURNING sid */
        *sid = rdb_col_i64(st, 0);
        rc = RDB_OK;
    } else if (rc == RDB_OK) {
        rc = step_done(st, NULL);
    } else if (rc == RDB_DONE) {
        rc = RDB_EOTHER;
    }
    rdb_reset(st);
    return rc;
}

void dt_rec_sync_conflict(dt_recorder *to, dt_rec_sync_stats *st, dt_error *err,
                          const char *uuid, int64_t seq)
{
    st->conflicts++;
    dt_err_warn(err, to->path, 0, 0, "sync-conflict",
                "session %s: event %lld differs from the one already in the destination; "
                "the session was left as it is there",
                uuid, (long long)seq);
}

static void conflict(writer *w, const dt_rec_session *r, int64_t seq)
{
    dt_rec_sync_conflict(w->to, w->st, w->err, r->id, seq);
}

/* One session of the batch, inside its savepoint. */
static int put_session(writer *w, const dt_sync_batch *b, const dt_sync_sess *s, int *conflicted)
{
    dest_state d;
    int rc = find(w, s->row.id, &d);
    int64_t sid = d.sid, bad = 0;
    size_t inserted = 0;
    if (rc != RDB_OK)
        return rc;
    if (d.found && s->complete && (size_t)d.count == s->row.events && d.last_ms == s->row.last_ms &&
        strcmp(d.status, s->row.status) == 0) {
        w->st->unchanged++; /* the common case of a copy run again: nothing to compare */
        return RDB_OK;
    }
    if (!d.found)
        rc = put_row(w, &s->row, 0, &sid);
    rc = rc ? rc : put_events(w, b, s, sid, &inserted, &bad);
    if (rc != RDB_OK || bad) {
        *conflicted = bad != 0;
        if (bad)
            conflict(w, &s->row, bad);
        return rc;
    }
    int64_t src_max = s->nev ? b->ev[s->ev0 + s->nev - 1].seq : 0;
    int newer = inserted > 0 || d.last_ms != s->row.last_ms || strcmp(d.status, s->row.status);
    if (d.found && s->complete && src_max >= d.max_seq && newer)
        rc = put_row(w, &s->row, sid, &sid); /* the source knows the whole session: its state */
    w->st->events += inserted;
    if (!d.found)
        w->st->created++;
    else if (newer)
        w->st->updated++;
    else
        w->st->unchanged++;
    return rc;
}

static int write_batch(writer *w, const dt_sync_batch *b)
{
    int rc = rdb_begin(w->to->db, 1);
    for (size_t i = 0; rc == RDB_OK && i < b->nsess; i++) {
        int conflicted = 0;
        dt_rec_sync_stats before = *w->st;
        rc = dt_rec_exec(w->to, "SAVEPOINT sync_session");
        rc = rc ? rc : put_session(w, b, &b->sess[i], &conflicted);
        if (rc == RDB_OK && conflicted) {
            size_t c = w->st->conflicts;
            *w->st = before; /* nothing of that session counts */
            w->st->conflicts = c;
            rc = dt_rec_exec(w->to, "ROLLBACK TO sync_session");
        }
        rc = rc ? rc : dt_rec_exec(w->to, "RELEASE sync_session");
    }
    return rc ? rc : dt_rec_exec(w->to, "COMMIT");
}

dt_status dt_rec_sync_write(dt_recorder *to, const dt_sync_batch *b, dt_rec_sync_stats *st,
                            dt_error *err)
{
    if (to->flags & DT_REC_READONLY)
        return dt_err_error(err, DT_ESTATE, to->path, 0, 0, "record",
                            "the destination was opened read-only");
    writer w = {to, NULL, NULL, NULL, NULL, NULL, st, err};
    dt_rec_sync_stats before = *st;
    int oom = 0;
    int copy = dt_rec_sync_copy_usable(to, b, &oom);
    int rc = oom ? RDB_ENOMEM : prepare_all(&w);
    rc = rc ? rc : copy ? dt_rec_sync_copy_batch(to, b, st, err)
                        : write_batch(&w, b);
    if (rc == RDB_EDENIED && copy) {
        /* no right to make temporary tables here (TEMP revoked): the statement by statement
         * path needs none, and says what else is denied */
        rdb_rollback(to->db);
        copy = 0;
        rc = write_batch(&w, b);
    }
    if (rc == RDB_ECONSTRAINT) {
        /* a session created meanwhile by another copy (or by a killed one whose COMMIT landed
         * after our look): it is visible now, so the same batch again merges instead */
        rdb_rollback(to->db);
        *st = before;
        rc = copy ? dt_rec_sync_copy_batch(to, b, st, err) : write_batch(&w, b);
    }
    dt_status ret = DT_OK;
    if (rc != RDB_OK) {
        *st = before; /* the whole batch is rolled back */
        ret = dt_rec_sqlerr(to, err, rc, "copying sessions into the destination");
        rdb_rollback(to->db);
    }
    finalize_all(&w);
    return ret;
}

int dt_rec_sync_same_store(dt_recorder *a, dt_recorder *b)
{
    struct stat x, y;
    if (dt_rec_is_pg(a) || dt_rec_is_pg(b)) /* the same server and database, as far as we can tell */
        return dt_rec_is_pg(a) && dt_rec_is_pg(b) && strcmp(a->where, b->where) == 0;
    const char *fa = SQ(a) ? sqlite3_db_filename(SQ(a), "main") : NULL;
    const char *fb = SQ(b) ? sqlite3_db_filename(SQ(b), "main") : NULL;
    if (!fa || !fb || !*fa || !*fb || stat(fa, &x) != 0 || stat(fb, &y) != 0)
        return 0;
    return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}
