/*
 * record_watch.c — watching recorded sessions change (dtree sessions --follow).  On SQLite, by
 * polling: PRAGMA data_version says whether anything was committed since the last look (a cheap
 * check, made every WATCH_TICK_MS); only then are the sessions that moved lately read again
 * (last_ms within SLACK_MS of the newest seen: commits may land out of time order).  On
 * PostgreSQL, by being told: a session that starts, ends, is resumed or handed over notifies
 * channel dtree_sessions with its sid (a trigger, record_schema_pg.c; ids only, never data), and
 * only those rows are read; the steps of the calls in progress are read by their ids every
 * ACTIVE_MS (a notification per step would serialise the writers' commits).
 * Either way each row is compared with what the watch remembers of it (its event count and
 * status), so every change is told once.  Memory: one small entry per session that changed while
 * watched (ended ones are dropped once they are older than the slack).
 */
#include "error.h"
#include "mem.h"
#include "record.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WATCH_TICK_MS 100
#define SLACK_MS 5000
#define ACTIVE_MS 1000               /* PostgreSQL: the calls in progress read again this often */
#define ACTIVE_AGE_MS (12 * 3600000) /* ... when they moved in the last 12 hours */

typedef struct seen {
    int64_t sid, events, last_ms; /* sid 0: a free slot */
    int active;
    int state; /* its dt_rec_status, or -1: a status no dtree records (never active) */
} seen;

struct dt_rec_watch {
    dt_recorder *rec;
    dt_rec_filter f;
    int64_t data_version, newest_ms, started_ms, next_active;
    int looked;
    seen *tab;
    size_t cap, n; /* cap: a power of two */
};

const char *dt_rec_change_name(dt_rec_change c)
{
#define CHANGE_NAME(e, name) name,
    static const char *const names[] = {DT_REC_CHANGE_LIST(CHANGE_NAME)};
#undef CHANGE_NAME
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "?";
}

static seen *slot(seen *tab, size_t cap, int64_t sid)
{
    size_t i = (size_t)((uint64_t)sid * 0x9e3779b97f4a7c15u >> 7) & (cap - 1);
    while (tab[i].sid != 0 && tab[i].sid != sid)
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

/* Rebuild at twice the size, dropping ended sessions older than the slack. */
static int grow(dt_rec_watch *w)
{
    size_t cap = w->cap ? w->cap * 2 : 64;
    seen *tab = dt_calloc(cap, sizeof *tab);
    if (!tab)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < w->cap; i++) {
        const seen *e = &w->tab[i];
        if (e->sid == 0 || (!e->active && e->last_ms < w->newest_ms - SLACK_MS))
            continue;
        *slot(tab, cap, e->sid) = *e;
        n++;
    }
    dt_free(w->tab);
    w->tab = tab;
    w->cap = cap;
    w->n = n;
    return 0;
}

static int64_t data_version(dt_recorder *rec, int *rc)
{
    rdb_stmt *st = NULL;
    int64_t v = -1;
    *rc = rdb_prepare(rec->db, "PRAGMA data_version", &st);
    if (*rc == RDB_OK && (*rc = rdb_step(st)) == RDB_ROW) {
        v = rdb_col_i64(st, 0);
        *rc = RDB_OK;
    }
    rdb_finalize(st);
    return v;
}

static int state_of(const dt_rec_session *s)
{
    dt_rec_status st;
    return dt_rec_status_from_name(s->status, &st) == DT_OK ? (int)st : -1;
}

/* What the new state of a session means against what was seen of it (e NULL: never seen).
 * *twice: two changes happened between two looks (started and ended, resumed and ended). */
static int classify(const dt_rec_watch *w, const seen *e, const dt_rec_session *s, int active,
                    dt_rec_change *out, int *twice)
{
    *twice = 0;
    if (!e) {
        *out = s->started_ms >= w->started_ms - SLACK_MS ? DT_REC_CHANGE_STARTED
               : active                                  ? DT_REC_CHANGE_RESUMED
                                                         : DT_REC_CHANGE_ENDED;
        return 1;
    }
    if (e->events == (int64_t)s->events && e->active == active)
        return 0;
    /* ended one way, now another (abandoned, then completed): it was resumed in between */
    *twice = !e->active && !active && e->state != state_of(s);
    *out = *twice                 ? DT_REC_CHANGE_RESUMED
           : e->active && !active ? DT_REC_CHANGE_ENDED
           : !e->active && active ? DT_REC_CHANGE_RESUMED
                                  : DT_REC_CHANGE_MOVED;
    return 1;
}

/* One row read again: remember it, and tell fn what changed.  A session started and ended
 * between two looks is told as started, then ended.  Returns fn's "stop", or -1 (memory). */
static int apply(dt_rec_watch *w, int64_t sid, const dt_rec_session *s, int tell,
                 dt_rec_change_fn fn, void *user)
{
    if ((w->n + 1) * 2 > w->cap && grow(w) != 0)
        return -1;
    seen *e = slot(w->tab, w->cap, sid);
    int known = e->sid != 0, state = state_of(s), active = state == DT_REC_ACTIVE;
    dt_rec_change c;
    int stop = 0, twice = 0;
    if (tell && classify(w, known ? e : NULL, s, active, &c, &twice)) {
        if ((c == DT_REC_CHANGE_STARTED && !active) || twice)
            stop = fn(user, c, s), c = DT_REC_CHANGE_ENDED;
        stop = stop ? stop : fn(user, c, s);
    }
    if (!known)
        w->n++;
    e->sid = sid;
    e->events = (int64_t)s->events;
    e->active = active;
    e->state = state;
    e->last_ms = s->last_ms;
    if (s->last_ms > w->newest_ms)
        w->newest_ms = s->last_ms;
    return stop;
}

/* Read the sessions that moved since newest_ms - SLACK_MS (ids NULL) or the sessions named in ids
 * (a PostgreSQL array literal, "{1,2}") and apply each; the first look (tell 0) also remembers
 * every session in progress, so that its next step is told as a step. */
static dt_status look(dt_rec_watch *w, const char *ids, int tell, dt_rec_change_fn fn, void *user,
                      dt_error *err)
{
    char where[1024], cols[REC_COLS_MAX], sql[2048 + REC_COLS_MAX], which[128];
    dt_rec_filter_where(&w->f, where, sizeof where);
    dt_rec_sql_columns(&dt_rec_sessions_def, cols, sizeof cols);
    snprintf(which, sizeof which, ids ? "s.sid = ANY(CAST($%d AS BIGINT[]))" : "s.last_ms >= $%d%s",
             REC_FILTER_PARAMS + 1, tell ? "" : " OR s.status = 'active'");
    snprintf(sql, sizeof sql, "SELECT %s, s.sid FROM sessions s WHERE (%s)%s ORDER BY s.last_ms, s.sid",
             cols, which, where);
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(w->rec->db, sql, &st);
    rc = rc ? rc : dt_rec_filter_bind(st, &w->f);
    rc = rc    ? rc
         : ids ? rdb_bind_text(st, REC_FILTER_PARAMS + 1, ids)
               : rdb_bind_i64(st, REC_FILTER_PARAMS + 1, w->newest_ms - SLACK_MS);
    int stop = 0;
    while (rc == RDB_OK && !stop && (rc = rdb_step(st)) == RDB_ROW) {
        dt_rec_session s;
        memset(&s, 0, sizeof s);
        dt_rec_read_row(st, 0, &dt_rec_sessions_def, &s);
        stop = apply(w, rdb_col_i64(st, (int)dt_rec_sessions_def.ncols), &s, tell, fn, user);
        rc = RDB_OK;
    }
    rdb_finalize(st);
    if (stop < 0)
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    if (rc != RDB_OK && rc != RDB_DONE)
        return dt_rec_sqlerr(w->rec, err, rc, "watching the recordings");
    return DT_OK;
}

static int ignore(void *user, dt_rec_change c, const dt_rec_session *s)
{
    (void)user, (void)c, (void)s;
    return 0;
}

dt_status dt_rec_watch_new(dt_recorder *rec, const dt_rec_filter *f, dt_rec_watch **out,
                           dt_error *err)
{
    if (!out || (*out = NULL, !rec))
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder missing");
    dt_rec_watch *w = dt_calloc(1, sizeof *w);
    if (!w)
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    w->rec = rec;
    dt_rec_filter_init(&w->f);
    if (f)
        w->f = *f;
    w->f.limit = 0;
    w->started_ms = w->newest_ms = dt_rec_now(rec);
    int rc = RDB_OK;
    if (dt_rec_is_pg(rec))
        rc = rdb_exec(rec->db, "LISTEN dtree_sessions"); /* before the first look: nothing lost */
    else
        w->data_version = data_version(rec, &rc);
    /* what is there now is the starting point: remembered, not told */
    dt_status st = rc == RDB_OK ? look(w, NULL, 0, ignore, NULL, err)
                                : dt_rec_sqlerr(rec, err, rc, "watching the recordings");
    if (st != DT_OK) {
        dt_rec_watch_free(w);
        return st;
    }
    *out = w;
    return DT_OK;
}

static int sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    return nanosleep(&ts, NULL) == 0 ? 0 : -1; /* -1: a signal came */
}

/* SQLite: look again once something was committed (checked every WATCH_TICK_MS). */
static dt_status poll_sqlite(dt_rec_watch *w, int timeout_ms, dt_rec_change_fn fn, void *user,
                             dt_error *err)
{
    for (int waited = 0;;) {
        int rc = RDB_OK;
        int64_t v = data_version(w->rec, &rc);
        if (rc != RDB_OK)
            return dt_rec_sqlerr(w->rec, err, rc, "watching the recordings");
        if (v != w->data_version) {
            w->data_version = v;
            return look(w, NULL, 1, fn, user, err);
        }
        if (waited >= timeout_ms)
            return DT_OK;
        int step = timeout_ms - waited < WATCH_TICK_MS ? timeout_ms - waited : WATCH_TICK_MS;
        if (sleep_ms(step) != 0 && errno == EINTR)
            return DT_OK; /* let the caller see its signal at once */
        waited += step;
    }
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The sids of the calls in progress that moved lately, as an array literal; 0 when there are
 * none, -1 when they do not fit (then they are read by time). */
static int active_ids(const dt_rec_watch *w, char *buf, size_t size)
{
    size_t n = (size_t)snprintf(buf, size, "{");
    int any = 0;
    for (size_t i = 0; i < w->cap; i++) {
        const seen *e = &w->tab[i];
        if (e->sid == 0 || !e->active || e->last_ms < w->newest_ms - ACTIVE_AGE_MS)
            continue;
        if (n + 24 >= size)
            return -1;
        n += (size_t)snprintf(buf + n, size - n, "%s%lld", any ? "," : "", (long long)e->sid);
        any = 1;
    }
    snprintf(buf + n, size - n, "}");
    return any;
}

/* PostgreSQL: the sids notified, read as one array (a flood: read by time instead); then, every
 * ACTIVE_MS, the calls in progress. */
static dt_status poll_pg(dt_rec_watch *w, int timeout_ms, dt_rec_change_fn fn, void *user,
                         dt_error *err)
{
    char ids[8192];
    int many = 0;
    int64_t now = mono_ms();
    int wait = timeout_ms;
    if (w->next_active - now < wait)
        wait = w->next_active > now ? (int)(w->next_active - now) : 0;
    int rc = rdb_pg_notified(w->rec->db, wait, ids, sizeof ids, &many);
    if (rc != RDB_OK)
        return dt_rec_sqlerr(w->rec, err, rc, "watching the recordings");
    dt_status st = many                     ? look(w, NULL, 1, fn, user, err)
                   : strcmp(ids, "{}") != 0 ? look(w, ids, 1, fn, user, err)
                                            : DT_OK;
    if (st != DT_OK || mono_ms() < w->next_active)
        return st;
    w->next_active = mono_ms() + ACTIVE_MS;
    int a = active_ids(w, ids, sizeof ids);
    return a > 0 ? look(w, ids, 1, fn, user, err) : a < 0 ? look(w, NULL, 1, fn, user, err)
                                                          : DT_OK;
}

dt_status dt_rec_watch_poll(dt_rec_watch *w, int timeout_ms, dt_rec_change_fn fn, void *user,
                            dt_error *err)
{
    if (!w || !fn)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "watch or callback missing");
    return dt_rec_is_pg(w->rec) ? poll_pg(w, timeout_ms, fn, user, err)
                                : poll_sqlite(w, timeout_ms, fn, user, err);
}

void dt_rec_watch_free(dt_rec_watch *w)
{
    if (!w)
        return;
    dt_free(w->tab);
    dt_free(w);
}
