/*
 * record_spool.c — the spool: where a recorder on PostgreSQL writes while the server cannot be
 * reached (down, unreachable, refusing the login or the rights), so that the call goes on and no
 * event is lost.  The spool is an ordinary SQLite recording (the same schema and crash guarantees);
 * the session's spooled part is a row with the same UUID whose counts are the whole session's
 * (what the server had, plus what was spooled), and its events keep their seq.  While spooling,
 * the spooled events also stay in memory; at every write the server is tried again without
 * waiting for it (record_db_pg.c, usable()), and once it is back, they go first, in order,
 * through the recorder's own write path (which drops what a lost COMMIT had stored after all),
 * and the spooled part is deleted.  A process that dies while spooling leaves its part in the
 * file: the next start (dt_recorder_upload_spool) or `dtree sync` uploads it, idempotently.  A
 * call that began with the spool as its recorder (the server could not be reached at the start)
 * moves to the server mid-call by dt_recorder_move, once a probe (dt_rec_probe_start) says that
 * the server answers.
 */
#include "error.h"
#include "mem.h"
#include "record_sync.h"
#include <stdio.h>
#include <string.h>

struct rec_spool {
    char *path;
    dt_recorder *sp;    /* the spool's own recorder, open from the first spooled write */
    int on;             /* 1 while the session's events go to the spool */
    size_t base_steps;  /* the session's steps in the store, as last written there */
    dt_rec_session row; /* the session row as the store had it at attach (owned strings) */
    int have_row;
    dt_rec_pending *q; /* the spooled events, also in memory, in order (owned) */
    size_t n, cap;
};

dt_status dt_recorder_set_spool(dt_recorder *rec, const char *path, dt_error *err)
{
    if (!rec || !path || !*path)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder or spool path missing");
    if (!dt_rec_is_pg(rec))
        return DT_OK; /* a local file needs no spool */
    if (rec->spool)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, "record", "the spool is already set");
    struct rec_spool *s = dt_calloc(1, sizeof *s);
    if (!s || !(s->path = dt_strdup(path))) {
        dt_free(s);
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    }
    rec->spool = s;
    return DT_OK;
}

int dt_recorder_spooling(const dt_recorder *rec)
{
    return rec && rec->spool ? rec->spool->on : 0;
}

const char *dt_recorder_spool_path(const dt_recorder *rec)
{
    return rec && rec->spool ? rec->spool->path : "";
}

static void q_clear(struct rec_spool *s)
{
    for (size_t i = 0; i < s->n; i++) {
        dt_free(s->q[i].box);
        dt_rec_row_free(&dt_rec_events_def, &s->q[i].ev);
    }
    s->n = 0;
}

void dt_rec_spool_free(dt_recorder *rec)
{
    struct rec_spool *s = rec->spool;
    if (!s)
        return;
    if (s->sp) {
        dt_rec_claim_release(s->sp);
        dt_recorder_close(s->sp);
    }
    q_clear(s);
    dt_free(s->q);
    if (s->have_row)
        dt_rec_row_free(&dt_rec_sessions_def, &s->row);
    dt_free(s->path);
    dt_free(s);
    rec->spool = NULL;
}

/* After dt_rec_attach: the session row as the store has it now (best effort: without it, a
 * spooled row starts from what the recorder knows). */
void dt_rec_spool_attached(dt_recorder *rec)
{
    struct rec_spool *s = rec->spool;
    if (!s)
        return;
    if (s->have_row)
        dt_rec_row_free(&dt_rec_sessions_def, &s->row);
    s->have_row = 0;
    s->on = 0;
    q_clear(s);
    char cols[REC_COLS_MAX], sql[REC_COLS_MAX + 64];
    dt_rec_sql_columns(&dt_rec_sessions_def, cols, sizeof cols);
    snprintf(sql, sizeof sql, "SELECT %s FROM sessions s WHERE s.sid = $1", cols);
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, sql, &st);
    rc = rc ? rc : rdb_bind_i64(st, 1, rec->sid);
    if (rc == RDB_OK && rdb_step(st) == RDB_ROW) {
        memset(&s->row, 0, sizeof s->row);
        dt_rec_read_row(st, 0, &dt_rec_sessions_def, &s->row);
        s->have_row = dt_rec_row_own(&dt_rec_sessions_def, &s->row) == 0;
    }
    rdb_finalize(st);
    s->base_steps = s->have_row ? s->row.steps : 0;
}

/* Before a write while spooling: the spooled events go first (rec->retry: what a lost COMMIT
 * stored after all is dropped).  Returns how many were put back at the front of the queue. */
size_t dt_rec_spool_take_back(dt_recorder *rec)
{
    struct rec_spool *s = rec->spool;
    if (!s || !s->on || s->n == 0)
        return 0;
    size_t need = rec->npend + s->n;
    if (need > rec->cappend &&
        dt_grow((void **)&rec->pend, &rec->cappend, need, sizeof *rec->pend) != 0)
        return 0; /* out of memory: stay on the spool this time */
    memmove(rec->pend + s->n, rec->pend, rec->npend * sizeof *rec->pend);
    memcpy(rec->pend, s->q, s->n * sizeof *rec->pend);
    rec->npend = need;
    size_t back = s->n;
    s->n = 0;
    rec->retry = 1;
    return back;
}

/* The write to the store succeeded: count its steps; a spooled part is now in the store, so it
 * leaves the spool file (what is left of it after a crash is uploaded idempotently anyway). */
void dt_rec_spool_written(dt_recorder *rec)
{
    struct rec_spool *s = rec->spool;
    if (!s)
        return;
    for (size_t i = 0; i < rec->npend; i++)
        s->base_steps += (size_t)rec->pend[i].counts;
    if (!s->on)
        return;
    s->on = 0;
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(s->sp->db, "DELETE FROM sessions WHERE uuid = $1", &st);
    rc = rc ? rc : rdb_bind_text(st, 1, rec->uuid);
    rc = rc ? rc : rdb_run(st, NULL);
    rdb_finalize(st);
    (void)rc;
    s->sp->claimed = 0; /* the claim row went with the session */
}

/* The spool's row of the session: created (with the whole session's counts so far) and claimed
 * the first time.  0, or -1. */
static int spool_row(dt_recorder *rec, struct rec_spool *s, int64_t first_seq)
{
    dt_recorder *sp = s->sp;
    int64_t sid = 0;
    if (dt_rec_find_session(sp, rec->uuid, &sid, NULL) == DT_OK && sp->claimed && sp->sid == sid)
        return 0;
    if (sid == 0) {
        dt_rec_session r;
        memset(&r, 0, sizeof r);
        if (s->have_row)
            r = s->row;
        else
            r.tree_id = rec->tree ? dt_tree_id(rec->tree) : "", r.mode = "agent",
            r.started_ms = r.last_ms = dt_rec_now(rec);
        for (size_t i = 0; i < dt_rec_sessions_def.ncols; i++) { /* NOT NULL text columns */
            const char **m = (const char **)(void *)((char *)&r + dt_rec_sessions_def.cols[i].off);
            if (dt_rec_sessions_def.cols[i].type == REC_C_TEXT && !*m)
                *m = "";
        }
        r.id = rec->uuid;
        r.status = dt_rec_status_name(DT_REC_ACTIVE);
        r.ended_ms = 0;
        r.outcome = "";
        r.events = first_seq > 0 ? (size_t)(first_seq - 1) : 0;
        r.steps = s->base_steps;
        dt_sync_sess one = {r, 0, 0, 0};
        dt_sync_batch b = {&one, 1, 1, NULL, 0, 0};
        dt_rec_sync_stats st;
        memset(&st, 0, sizeof st);
        if (dt_rec_sync_write(sp, &b, &st, NULL) != DT_OK ||
            dt_rec_find_session(sp, rec->uuid, &sid, NULL) != DT_OK)
            return -1;
    }
    sp->sid = sid;
    memcpy(sp->uuid, rec->uuid, sizeof sp->uuid);
    sp->tree = rec->tree;
    /* ours: a `dtree sync` or an upload by another process leaves it alone while we write */
    return dt_rec_claim(sp, sid, s->have_row ? s->row.agent : "", 1, NULL, NULL) == DT_OK ? 0 : -1;
}

/* Deep copies of rec->pend[from ..] into the spool recorder's queue (its write frees them). */
static int copy_to(dt_recorder *sp, const dt_recorder *rec, size_t from)
{
    for (size_t i = from; i < rec->npend; i++) {
        if (sp->npend == sp->cappend &&
            dt_grow((void **)&sp->pend, &sp->cappend, sp->npend + 1, sizeof *sp->pend) != 0)
            return -1;
        dt_rec_pending *p = &sp->pend[sp->npend];
        *p = rec->pend[i];
        p->box = NULL; /* sealed values stay with the original (the store's write keeps them) */
        if (dt_rec_row_own(&dt_rec_events_def, &p->ev) != 0)
            return -1;
        sp->npend++;
    }
    return 0;
}

static int spoolable(int rc)
{
    return rc == RDB_ECONN || rc == RDB_EAUTH || rc == RDB_EDENIED || rc == RDB_EREADONLY;
}

/* After a failed write to the store (rolled back): when it failed because the server cannot be
 * reached or refuses us, write the queue (but the `back` events already in the file) to the
 * spool; on success every queued event is kept in memory for the upload and the queue is empty:
 * 0.  Otherwise the events put back go back to memory and -1 (the caller's failure stands). */
int dt_rec_spool_store(dt_recorder *rec, int rc, size_t back)
{
    struct rec_spool *s = rec->spool;
    if (!s || rec->npend == 0)
        return -1;
    int ok = spoolable(rc) && rec->npend > 0;
    if (ok && !s->sp && dt_recorder_open(s->path, 0, &s->sp, NULL) != DT_OK)
        ok = 0;
    if (ok)
        ok = spool_row(rec, s, rec->pend[back < rec->npend ? back : 0].ev.seq) == 0;
    if (ok && back < rec->npend)
        ok = copy_to(s->sp, rec, back) == 0 && dt_rec_write_pending(s->sp) == 0;
    if (!ok && s->sp)
        dt_rec_pending_clear(s->sp);
    size_t keep = ok ? rec->npend : back; /* into memory: all, or the ones put back */
    if (keep > 0) {                       /* (else s->q may still be NULL, and NULL + 0 is undefined) */
        if (s->n + keep > s->cap &&
            dt_grow((void **)&s->q, &s->cap, s->n + keep, sizeof *s->q) != 0)
            return -1;
        memcpy(s->q + s->n, rec->pend, keep * sizeof *s->q);
        s->n += keep;
        memmove(rec->pend, rec->pend + keep, (rec->npend - keep) * sizeof *rec->pend);
        rec->npend -= keep;
    }
    s->on = s->n > 0;
    return ok ? 0 : -1;
}

/* dt_recorder_finish while spooling and the store still cannot be reached: the session's end goes
 * into the spool's row.  DT_OK when it is there. */
dt_status dt_rec_spool_finish(dt_recorder *rec, dt_rec_status status, dt_error *err)
{
    struct rec_spool *s = rec->spool;
    if (!s || !s->on || !s->sp)
        return DT_ESTATE;
    static const char sql[] = "UPDATE sessions SET status = $1,"
                              " ended_ms = CASE WHEN $1 = 'active' THEN NULL ELSE $2 END,"
                              " last_ms = CASE WHEN last_ms > $2 THEN last_ms ELSE $2 END"
                              " WHERE sid = $3";
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(s->sp->db, sql, &st);
    rc = rc ? rc : rdb_bind_text(st, 1, dt_rec_status_name(status));
    rc = rc ? rc : rdb_bind_i64(st, 2, dt_rec_now(rec));
    rc = rc ? rc : rdb_bind_i64(st, 3, s->sp->sid);
    rc = rc ? rc : rdb_run(st, NULL);
    rdb_finalize(st);
    if (rc != RDB_OK)
        return dt_rec_sqlerr(s->sp, err, rc, "closing the session in the spool");
    dt_rec_claim_release(s->sp);
    q_clear(s); /* they are in the file: the next start or `dtree sync` uploads them */
    return DT_OK;
}

/* ---- uploading a spool file --------------------------------------------------------------- */

/* Sessions of the spool nobody is writing (no live claim), which the upload may remove. */
static dt_status remove_uploaded(dt_recorder *sp, dt_error *err)
{
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(sp->db,
                         "DELETE FROM sessions WHERE NOT EXISTS (SELECT 1 FROM claims c"
                         " WHERE c.sid = sessions.sid AND c.expires_ms > $1)",
                         &st);
    rc = rc ? rc : rdb_bind_i64(st, 1, dt_rec_now(sp));
    rc = rc ? rc : rdb_run(st, NULL);
    rdb_finalize(st);
    return rc == RDB_OK ? DT_OK : dt_rec_sqlerr(sp, err, rc, "emptying the spool");
}

dt_status dt_recorder_upload_spool(dt_recorder *rec, const char *path, dt_rec_sync_stats *stats,
                                   dt_error *err)
{
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!rec || !path)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder or spool path missing");
    dt_recorder *sp = NULL;
    dt_status st = dt_recorder_open(path, DT_REC_NOCREATE, &sp, err);
    if (st == DT_OK)
        st = dt_recorder_sync(sp, rec, NULL, NULL, NULL, stats, err);
    if (st == DT_OK) /* all of it is in the store now, nothing differs: the file may forget it */
        st = remove_uploaded(sp, err);
    dt_recorder_close(sp);
    return st;
}

/* ---- moving a call from the spool to the server (dt_recorder_move) ------------------------ */

dt_rec_probe *dt_rec_probe_start(const char *db)
{
    if (!db || !dt_rec_store_is_pg(db))
        return NULL;
    return (dt_rec_probe *)(void *)rdb_pg_probe_start(db);
}

int dt_rec_probe_poll(dt_rec_probe *p)
{
    return rdb_pg_probe_poll((rdb_probe *)(void *)p);
}

void dt_rec_probe_free(dt_rec_probe *p)
{
    rdb_pg_probe_free((rdb_probe *)(void *)p);
}

static int take_agent(void *user, const dt_rec_session *row)
{
    snprintf(user, 128, "%s", row->agent ? row->agent : "");
    return 1;
}

/* The session `uuid` leaves the file of `sp` (its events and claim go with it). */
static void forget(dt_recorder *sp, const char *uuid)
{
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(sp->db, "DELETE FROM sessions WHERE uuid = $1", &st);
    rc = rc ? rc : rdb_bind_text(st, 1, uuid);
    rc = rc ? rc : rdb_run(st, NULL);
    rdb_finalize(st);
    (void)rc; /* left behind, it is uploaded again idempotently and then removed */
}

/* The session row on `to` claimed for `agent`: the upload first (what `from` has, every seq once
 * however often this is tried), then the claim, so that the board names who holds it. */
static dt_status upload_and_claim(dt_recorder *from, dt_recorder *to, int64_t *sid, dt_error *err)
{
    char agent[128] = "";
    dt_rec_sync_stats stats;
    dt_status st = dt_recorder_get(from, from->uuid, take_agent, agent, err);
    st = st ? st : dt_recorder_sync(from, to, NULL, NULL, NULL, &stats, err);
    st = st ? st : dt_rec_find_session(to, from->uuid, sid, err);
    return st ? st : dt_rec_claim(to, *sid, agent, 0, NULL, err);
}

dt_status dt_recorder_move(dt_recorder *from, dt_recorder *to, dt_error *err)
{
    if (!from || !to || !from->session)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record",
                            "a recorder recording a session, and one to move it to");
    if (to->session || (to->flags & DT_REC_READONLY) || from == to)
        return dt_err_error(err, DT_ESTATE, to->path, 0, 0, "record",
                            "the store to move to records a session already or is read-only");
    if (from->npend > 0 && dt_rec_write_pending(from) != 0)
        return dt_err_error(err, DT_EIO, from->path, 0, 0, "record", "%s", from->msg);
    int64_t sid = 0;
    dt_status st = upload_and_claim(from, to, &sid, err);
    if (st != DT_OK)
        return st; /* `from` records on; a later try uploads again, adding nothing twice */
    dt_session *s = from->session;
    const dt_tree *tree = from->tree;
    int64_t next = from->next_seq;
    char uuid[37];
    memcpy(uuid, from->uuid, sizeof uuid);
    dt_observer_fn fn = from->next_fn;
    void *user = from->next_user;
    dt_rec_claim_release(from);
    forget(from, uuid);
    dt_rec_detach(from);
    dt_recorder_chain(from, NULL, NULL);
    st = dt_rec_attach(to, s, tree, sid, uuid, next, err);
    dt_recorder_chain(to, fn, user);
    return st;
}
