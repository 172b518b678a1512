/*
 * record_sync.c — copying recordings from one store into another (dtree sync), idempotently.
 * The source is read through the query API (dt_recorder_events, dt_recorder_list), so any store
 * that answers queries can be a source; sessions are matched by UUID and events by (session,
 * seq), which the schema keeps unique.  Copies go in batches, one transaction each
 * (record_sync_sqlite.c writes them): a copy killed at any point and run again neither duplicates
 * nor loses an event, and an event that differs from the one already stored is never merged.
 */
#include "error.h"
#include "mem.h"
#include "record_sync.h"
#include <stdio.h>
#include <string.h>

/* A batch is flushed at the first session boundary past this many events (or sessions). */
#define BATCH_EVENTS 4000
#define BATCH_SESSIONS 400

static void batch_clear(dt_sync_batch *b)
{
    for (size_t i = 0; i < b->nsess; i++)
        dt_rec_row_free(&dt_rec_sessions_def, &b->sess[i].row);
    for (size_t i = 0; i < b->nev; i++)
        dt_rec_row_free(&dt_rec_events_def, &b->ev[i]);
    b->nsess = b->nev = 0;
}

static void batch_free(dt_sync_batch *b)
{
    batch_clear(b);
    dt_free(b->sess);
    dt_free(b->ev);
    memset(b, 0, sizeof *b);
}

/* Append a copy of session row s (its events follow); -1 when out of memory. */
static int add_session(dt_sync_batch *b, const dt_rec_session *s)
{
    if (b->nsess == b->capsess &&
        dt_grow((void **)&b->sess, &b->capsess, b->nsess + 1, sizeof *b->sess) != 0)
        return -1;
    dt_sync_sess *e = &b->sess[b->nsess];
    memset(e, 0, sizeof *e);
    e->row = *s;
    e->ev0 = b->nev;
    if (dt_rec_row_own(&dt_rec_sessions_def, &e->row) != 0)
        return -1;
    b->nsess++;
    return 0;
}

static int add_event(dt_sync_batch *b, const dt_rec_event *ev)
{
    if (b->nev == b->capev && dt_grow((void **)&b->ev, &b->capev, b->nev + 1, sizeof *b->ev) != 0)
        return -1;
    dt_rec_event *e = &b->ev[b->nev];
    *e = *ev;
    e->on_path = 0;
    e->why = "";
    if (dt_rec_row_own(&dt_rec_events_def, e) != 0)
        return -1;
    b->nev++;
    b->sess[b->nsess - 1].nev++;
    return 0;
}

typedef struct sync_run {
    dt_recorder *to;
    dt_sync_batch b;
    dt_rec_sync_stats st;
    dt_rec_sync_fn progress;
    void *user;
    dt_error *err;
    dt_status status;   /* the first failure; the stream stops at once */
    char last_uuid[37]; /* the session the stream is in */
} sync_run;

static int flush(sync_run *r)
{
    if (r->b.nsess == 0)
        return 0;
    r->status = dt_rec_sync_write(r->to, &r->b, &r->st, r->err);
    batch_clear(&r->b);
    if (r->status != DT_OK)
        return -1;
    if (r->progress)
        r->progress(r->user, &r->st);
    return 0;
}

static int oom(sync_run *r)
{
    r->status = dt_err_error(r->err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    return 1;
}

/* dt_recorder_events: rows arrive session by session, in seq order. */
static int on_event(void *user, const dt_rec_session *s, const dt_rec_event *ev)
{
    sync_run *r = user;
    int same = strcmp(r->last_uuid, s->id) == 0;
    if (!same && r->b.nsess > 0) {
        r->b.sess[r->b.nsess - 1].complete = 1; /* its last event has been seen */
        if ((r->b.nev >= BATCH_EVENTS || r->b.nsess >= BATCH_SESSIONS) && flush(r) != 0)
            return 1;
    } else if (same && r->b.nev >= 4 * BATCH_EVENTS) { /* one huge session: go on in parts */
        if (flush(r) != 0)
            return 1;
        if (add_session(&r->b, s) != 0)
            return oom(r);
    }
    if (!same) {
        snprintf(r->last_uuid, sizeof r->last_uuid, "%s", s->id);
        r->st.sessions++;
        if (add_session(&r->b, s) != 0)
            return oom(r);
    }
    return add_event(&r->b, ev) != 0 ? oom(r) : 0;
}

/* dt_recorder_list: only the sessions without any event (a process killed between creating the
 * row and writing its first event), which the event stream cannot show. */
static int on_empty(void *user, const dt_rec_session *s)
{
    sync_run *r = user;
    if (s->events != 0)
        return 0;
    r->st.sessions++;
    if (add_session(&r->b, s) != 0)
        return oom(r);
    r->b.sess[r->b.nsess - 1].complete = 1;
    return r->b.nsess >= BATCH_SESSIONS && flush(r) != 0;
}

static dt_status conflicts_status(sync_run *r)
{
    if (r->st.conflicts == 0)
        return DT_OK;
    return dt_err_error(r->err, DT_ESTATE, NULL, 0, 0, "sync-conflict",
                        "%zu session%s already in the destination with different events were left "
                        "as they are (never merged): see the warnings above",
                        r->st.conflicts, r->st.conflicts == 1 ? "" : "s");
}

dt_status dt_recorder_sync(dt_recorder *from, dt_recorder *to, const dt_rec_filter *f,
                           dt_rec_sync_fn progress, void *user, dt_rec_sync_stats *stats,
                           dt_error *err)
{
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!from || !to || from == to)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "two different stores are needed");
    if (dt_rec_sync_same_store(from, to))
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "sync-same",
                            "the source and the destination are the same store");
    dt_rec_filter all; /* every matching session: a limit would cut the copy short */
    dt_rec_filter_init(&all);
    if (f)
        all = *f;
    all.limit = 0;
    f = &all;
    sync_run r;
    memset(&r, 0, sizeof r);
    r.to = to;
    r.progress = progress;
    r.user = user;
    r.err = err;
    dt_status st = dt_recorder_list(from, f, on_empty, &r, err);
    if (st == DT_OK && r.status == DT_OK)
        flush(&r);
    r.last_uuid[0] = '\0';
    if (st == DT_OK && r.status == DT_OK)
        st = dt_recorder_events(from, f, on_event, &r, err);
    if (st == DT_OK && r.status == DT_OK && r.b.nsess > 0) {
        r.b.sess[r.b.nsess - 1].complete = 1;
        flush(&r);
    }
    batch_free(&r.b);
    if (stats)
        *stats = r.st;
    if (st == DT_OK)
        st = r.status;
    return st == DT_OK ? conflicts_status(&r) : st;
}
