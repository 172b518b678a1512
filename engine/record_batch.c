/*
 * record_batch.c — batched writes across the PostgreSQL connections of a pool (dtree serve's):
 * while one statement is under way, the writes that come meanwhile queue; the first of them whose
 * thread finds no statement under way (the leader) takes them all and writes them in ONE
 * statement on its own connection, then wakes the others.  Measured with pgbench on 2 cores: an
 * answer written alone (BEGIN, INSERT, UPDATE, COMMIT in one round trip) cost the server and the
 * client about 230 µs of CPU; four sessions' answers in one INSERT and one UPDATE, 113-133 µs
 * each.  SAVEPOINTs round separate statements (SQLite's group commit, record_group.c) gained
 * nothing there: the statements are the cost, not the COMMITs.
 *
 * The statement takes each session's rows as arrays (one parameter per column: one text, one
 * plan for every batch) and writes a session only when everything a write of its own checks
 * holds: no event at or after its first seq, its claim ours (locked FOR SHARE), its token live;
 * each check is a lookup by key that the planner cannot turn into a join (a table it had seen
 * small, not analysed since, was scanned whole at each statement as the table grew);
 * a session that fails a check gets no row at all, the others are written all the same, and the
 * statement returns the sessions it wrote.  Run outside a transaction it commits on its own, and
 * every result is read before any is believed (rdb_whole).  A write it did not take, and every
 * write of a statement that failed (a unique key two instances raced for, a lost connection), is
 * then made alone by its own thread on its own connection (record_write.c), which gives it
 * exactly the refusal or failure it would have had without a batch.
 */
#include "error.h"
#include "mem.h"
#include "record.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MAX 1024
#define BATCH_ROWS 8 /* events of one write at most; more (a spool put back) is written alone */
#define LEADERS 1    /* statements under way at once */

enum { W_QUEUED,
       W_TAKEN,
       W_DONE };

/* One waiting write, on its writer's stack until it is done. */
typedef struct bwrite {
    dt_recorder *rec;
    int state;
    int seen;    /* the statement returned its session */
    int written; /* 1: in the store, committed */
    int rc;      /* the statement's failure (RDB_OK when it only did not take this write) */
    size_t back; /* the spooled events put back in front (dt_rec_write_alone's) */
    int alone;   /* written alone by its leader (a batch of one): result is its outcome */
    int result;
    struct bwrite *next;
} bwrite;

struct dt_recorder_batch {
    pthread_mutex_t mu;
    pthread_cond_t done;
    unsigned max, leaders;
    bwrite *head, *tail;
    uint64_t writes, commits;
    char *sql; /* the statement, made once from the events' columns */
};

/* ---- the statement ---- */

static const char *array_type(dt_rec_ctype t)
{
    return t == REC_C_TEXT ? "text[]" : t == REC_C_FLAG ? "integer[]"
                                                        : "bigint[]";
}

/* Per session: sid, first seq, events, newest time, steps, the last step's tree and step, the
 * claim token and the token hash to check ("" for none). */
#define PER_SESSION 9
static const char tail_sql[] =
    " dtree_u AS (SELECT * FROM unnest($%d::bigint[], $%d::bigint[], $%d::bigint[],"
    " $%d::bigint[], $%d::bigint[], $%d::text[], $%d::text[], $%d::text[], $%d::text[])"
    " AS u(sid, s0, n, newest, steps, tree, step, claim, token)),"
    " dtree_ok AS (SELECT u.* FROM dtree_u u WHERE coalesce((SELECT x.seq FROM events x"
    " WHERE x.sid = u.sid ORDER BY x.seq DESC LIMIT 1), 0) < u.s0"
    " AND (u.claim = '' OR EXISTS (SELECT 1 FROM claims c"
    " WHERE c.sid = u.sid AND c.token = u.claim FOR SHARE)) AND (u.token = '' OR coalesce("
    "(SELECT k.revoked_ms IS NULL FROM tokens k WHERE k.hash = u.token), false))),"
    " dtree_i AS (INSERT INTO events (%s) SELECT v.* FROM dtree_v v JOIN dtree_ok o"
    " ON o.sid = v.sid)"
    " UPDATE sessions s SET last_ms = greatest(s.last_ms, o.newest), events = s.events + o.n,"
    " steps = s.steps + o.steps,"
    " last_tree = CASE WHEN o.steps <> 0 THEN o.tree ELSE s.last_tree END,"
    " last_step = CASE WHEN o.steps <> 0 THEN o.step ELSE s.last_step END"
    " FROM dtree_ok o WHERE s.sid = o.sid AND s.sid = ANY($%d::bigint[]) RETURNING s.sid";

/* "WITH dtree_v AS (unnest of $1 .. $k AS (sid, columns...)), dtree_u ..., INSERT, UPDATE". */
static char *make_sql(void)
{
    const dt_rec_tabledef *t = &dt_rec_events_def;
    char types[1024] = "$1::bigint[]", names[512] = "sid";
    int k = 2;
    for (size_t i = 0; i < t->ncols; i++, k++) {
        size_t a = strlen(types), b = strlen(names);
        snprintf(types + a, sizeof types - a, ", $%d::%s", k, array_type(t->cols[i].type));
        snprintf(names + b, sizeof names - b, ", %s", t->cols[i].name);
    }
    size_t need = sizeof tail_sql + strlen(types) + 2 * strlen(names) + 256;
    char *sql = dt_malloc(need);
    if (!sql)
        return NULL;
    int n = snprintf(sql, need, "WITH dtree_v AS (SELECT * FROM unnest(%s) AS v(%s)),", types,
                     names);
    snprintf(sql + n, need - (size_t)n, tail_sql, k, k + 1, k + 2, k + 3, k + 4, k + 5, k + 6,
             k + 7, k + 8, names, k);
    return sql;
}

/* ---- array literals: {1,2} and {"a","b\"c"} ---- */

typedef struct lit {
    char *s;
    size_t len, cap;
    int bad;
} lit;

static void put(lit *l, const char *s, size_t n)
{
    if (l->bad || (l->len + n + 1 > l->cap && dt_grow((void **)&l->s, &l->cap, l->len + n + 1, 1)))
        l->bad = 1;
    else
        memcpy(l->s + l->len, s, n), l->len += n, l->s[l->len] = '\0';
}

static void put_sep(lit *l, size_t i)
{
    put(l, i ? "," : "{", 1);
}

static void put_i64(lit *l, size_t i, int64_t v)
{
    char num[24];
    put_sep(l, i);
    put(l, num, (size_t)snprintf(num, sizeof num, "%lld", (long long)v));
}

/* Inside double quotes only a backslash and a double quote need escaping. */
static void put_text(lit *l, size_t i, const char *s)
{
    put_sep(l, i);
    put(l, "\"", 1);
    for (const char *p = s ? s : ""; *p; p++) {
        size_t run = strcspn(p, "\\\"");
        put(l, p, run);
        p += run;
        if (!*p)
            break;
        put(l, "\\", 1);
        put(l, p, 1);
    }
    put(l, "\"", 1);
}

static int bind_lit(rdb_stmt *st, int param, lit *l, size_t count)
{
    if (count == 0)
        put(l, "{", 1);
    put(l, "}", 1);
    int rc = l->bad ? RDB_ENOMEM : rdb_bind_text(st, param, l->s);
    l->len = 0;
    l->bad = 0;
    return rc;
}

/* The events column c of every write, as one array. */
static int bind_column(rdb_stmt *st, int param, size_t c, bwrite **b, size_t n, lit *l)
{
    const dt_rec_col *col = &dt_rec_events_def.cols[c];
    size_t k = 0;
    for (size_t w = 0; w < n; w++) {
        const dt_recorder *rec = b[w]->rec;
        for (size_t i = 0; i < rec->npend; i++, k++) {
            const void *m = (const char *)&rec->pend[i].ev + col->off;
            switch (col->type) {
            case REC_C_TEXT: put_text(l, k, *(const char *const *)m); break;
            case REC_C_I64: put_i64(l, k, *(const int64_t *)m); break;
            case REC_C_FLAG: put_i64(l, k, *(const int *)m); break;
            case REC_C_SIZE: put_i64(l, k, (int64_t) * (const size_t *)m); break;
            }
        }
    }
    return bind_lit(st, param, l, k);
}

static int bind_sids(rdb_stmt *st, int param, bwrite **b, size_t n, lit *l, int per_event)
{
    size_t k = 0;
    for (size_t w = 0; w < n; w++)
        for (size_t i = 0; i < (per_event ? b[w]->rec->npend : 1); i++)
            put_i64(l, k++, b[w]->rec->sid);
    return bind_lit(st, param, l, k);
}

/* The per-session arrays, from each write's fold of its queue. */
static int bind_sessions(rdb_stmt *st, int p, bwrite **b, size_t n, lit *l)
{
    int rc = bind_sids(st, p, b, n, l, 0);
    for (int f = 1; rc == RDB_OK && f < PER_SESSION; f++) {
        for (size_t w = 0; w < n; w++) {
            const dt_recorder *rec = b[w]->rec;
            dt_rec_folded fo = dt_rec_fold(rec->pend, rec->npend);
            switch (f) {
            case 1: put_i64(l, w, rec->pend[0].ev.seq); break;
            case 2: put_i64(l, w, (int64_t)rec->npend); break;
            case 3: put_i64(l, w, fo.newest); break;
            case 4: put_i64(l, w, fo.steps); break;
            case 5: put_text(l, w, fo.tree); break;
            case 6: put_text(l, w, fo.step); break;
            case 7: put_text(l, w, rec->claimed ? rec->claim_token : ""); break;
            default: put_text(l, w, rec->need_token); break;
            }
        }
        rc = bind_lit(st, p + f, l, n);
    }
    return rc;
}

static int bind_all(rdb_stmt *st, bwrite **b, size_t n)
{
    lit l = {NULL, 0, 0, 0};
    int rc = bind_sids(st, 1, b, n, &l, 1);
    size_t ncols = dt_rec_events_def.ncols;
    for (size_t c = 0; rc == RDB_OK && c < ncols; c++)
        rc = bind_column(st, 2 + (int)c, c, b, n, &l);
    rc = rc ? rc : bind_sessions(st, 2 + (int)ncols, b, n, &l);
    dt_free(l.s);
    return rc;
}

static int by_sid(const void *a, const void *b);

/* The statement's rows: the sids written, looked up in the batch (in the order of the sids).
 * Believed only once the whole run, its commit included, succeeded. */
static int run(rdb *db, const char *sql, bwrite **b, size_t n)
{
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(db, sql, &st);
    if (rc == RDB_OK)
        rdb_whole(st);
    rc = rc ? rc : bind_all(st, b, n);
    while (rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW) {
        dt_recorder key = {.sid = rdb_col_i64(st, 0)};
        bwrite kw = {.rec = &key}, *k = &kw, **hit = bsearch(&k, b, n, sizeof *b, by_sid);
        if (hit)
            (*hit)->seen = 1;
        rc = RDB_OK;
    }
    rdb_finalize(st);
    rc = rc == RDB_DONE ? RDB_OK : rc;
    for (size_t w = 0; w < n; w++) {
        b[w]->written = rc == RDB_OK && b[w]->seen;
        b[w]->rc = rc;
    }
    return rc;
}

/* The live board (sessions --follow) hears of the sessions written, after their commit, in a
 * transaction of its own that does not wait for the disk (as rdb_pg_notify's; a lost
 * notification loses nothing). */
static void tell(rdb *db, bwrite **b, size_t n)
{
    static const char sql[] = "SELECT set_config('synchronous_commit', 'off', true),"
                              " pg_notify('dtree_sessions', x::text) FROM unnest($1::bigint[]) x";
    lit l = {NULL, 0, 0, 0};
    size_t k = 0;
    for (size_t w = 0; w < n; w++)
        if (b[w]->written && rdb_pg_tell_due(&b[w]->rec->told_ms))
            put_i64(&l, k++, b[w]->rec->sid);
    rdb_stmt *st = NULL;
    if (k > 0 && rdb_prepare(db, sql, &st) == RDB_OK && bind_lit(st, 1, &l, k) == RDB_OK)
        while (rdb_step(st) == RDB_ROW)
            ;
    rdb_finalize(st);
    dt_free(l.s);
}

/* Sessions in the order of their ids: two instances' statements lock shared rows in one order
 * (no deadlock between them when they race for a session). */
static int by_sid(const void *a, const void *b)
{
    int64_t x = (*(bwrite *const *)a)->rec->sid, y = (*(bwrite *const *)b)->rec->sid;
    return (x > y) - (x < y);
}

/* ---- the queue ---- */

/* Whether rec's write can go in a statement with others: a few plain events, nothing that a
 * write of its own does besides its INSERT and UPDATE (see dtree.h). */
static int fits(dt_recorder *rec)
{
    if (!dt_rec_is_pg(rec) || rec->retry || rec->npend < 1 || rec->npend > BATCH_ROWS ||
        (rec->claimed && !dt_rec_claim_checked_only(rec, dt_rec_now(rec))))
        return 0;
    for (size_t i = 0; i < rec->npend; i++)
        if (rec->pend[i].box)
            return 0;
    dt_rec_folded f = dt_rec_fold(rec->pend, rec->npend);
    return !f.handoff && !*f.state;
}

/* The writes queued first, max at most, off the queue: in their order, so that none waits for
 * more than the statements ahead of it (the leader may not be the first: the waiters woken race
 * for the lock, and one whose write is still queued after its turn leads again). */
static size_t take(dt_recorder_batch *b, bwrite **out)
{
    size_t n = 0;
    while (b->head && n < b->max) {
        bwrite *x = b->head;
        x->state = W_TAKEN;
        out[n++] = x;
        b->head = x->next;
    }
    if (!b->head)
        b->tail = NULL;
    return n;
}

/* Two writes of one session in a batch (an old copy's last flush and the new copy's write) would
 * fail the statement on the events' key: only the first of b (sorted) goes in `out`, the others
 * are left to be written alone.  The count in out. */
static size_t unique(bwrite **b, size_t n, bwrite **out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || out[k - 1]->rec->sid != b[i]->rec->sid)
            out[k++] = b[i];
    return k;
}

/* The leader's turn: its batch written on its own connection, the batch lock let go meanwhile. */
static void lead(dt_recorder_batch *b, bwrite *w)
{
    bwrite *batch[BATCH_MAX], *one[BATCH_MAX];
    size_t n = take(b, batch);
    b->leaders++;
    pthread_mutex_unlock(&b->mu);
    qsort(batch, n, sizeof batch[0], by_sid);
    /* The leader's write alone is cheaper as the usual pipelined statements, which PostgreSQL
     * plans once and for all: it plans this one at each run (its arrays' lengths change the
     * plan), about 0.3 ms, and at one client a batch of one cost 2.4x PostgreSQL's CPU per
     * answer.  Still as the leader: the writes that come meanwhile wait for the next batch
     * (letting the next leader go at once left a batch of one after another, each alone). */
    size_t k = unique(batch, n, one);
    if (k == 1 && one[0] == w) {
        w->alone = 1;
        w->result = dt_rec_write_alone(w->rec, w->back);
    } else if (run(w->rec->db, b->sql, one, k) == RDB_OK) {
        tell(w->rec->db, one, k);
    }
    pthread_mutex_lock(&b->mu);
    b->leaders--;
    b->commits++;
    for (size_t i = 0; i < n; i++)
        batch[i]->state = W_DONE;
    pthread_cond_broadcast(&b->done);
}

int dt_rec_batch_write(dt_recorder *rec, size_t back)
{
    dt_recorder_batch *b = rec->batch;
    bwrite w = {rec, W_QUEUED, 0, 0, RDB_OK, back, 0, 0, NULL};
    int batched = fits(rec);
    pthread_mutex_lock(&b->mu);
    b->writes++;
    if (batched) {
        rec->claim_sent = 0; /* nothing renewed: the claim's expiry stays as committed */
        rec->token_sent = rec->need_token[0] != '\0';
        if (b->tail)
            b->tail->next = &w;
        else
            b->head = &w;
        b->tail = &w;
        while (w.state != W_DONE) {
            if (w.state == W_QUEUED && b->leaders < LEADERS)
                lead(b, &w);
            else
                pthread_cond_wait(&b->done, &b->mu);
        }
    }
    if (!w.written && !w.alone)
        b->commits++; /* a transaction of its own, committed or not */
    pthread_mutex_unlock(&b->mu);
    if (w.alone)
        return w.result;
    if (w.written)
        return dt_rec_write_end(rec, RDB_OK, back, NULL);
    rec->retry |= dt_rec_may_have_committed(w.rc);
    return dt_rec_write_alone(rec, back);
}

/* ---- the public calls ---- */

dt_status dt_recorder_batch_new(unsigned max, dt_recorder_batch **out, dt_error *err)
{
    if (!out || (*out = NULL, max < 1 || max > BATCH_MAX))
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record",
                            "a write batch takes 1 to %d writes", BATCH_MAX);
    dt_recorder_batch *b = dt_calloc(1, sizeof *b);
    if (b && !(b->sql = make_sql())) {
        dt_free(b);
        b = NULL;
    }
    if (b && pthread_mutex_init(&b->mu, NULL) != 0) {
        dt_free(b->sql);
        dt_free(b);
        b = NULL;
    }
    if (b && pthread_cond_init(&b->done, NULL) != 0) {
        pthread_mutex_destroy(&b->mu);
        dt_free(b->sql);
        dt_free(b);
        b = NULL;
    }
    if (!b)
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    b->max = max;
    *out = b;
    return DT_OK;
}

dt_status dt_recorder_batch_join(dt_recorder *base, dt_recorder_batch *b, dt_error *err)
{
    if (!base || !b || !base->db || base->shared_db || base->batch || !dt_rec_is_pg(base) ||
        (base->flags & DT_REC_READONLY))
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record",
                            "a write batch takes writable PostgreSQL recorders of their own, "
                            "once each");
    base->batch = b;
    return DT_OK;
}

void dt_recorder_batch_stats(dt_recorder_batch *b, uint64_t *writes, uint64_t *commits)
{
    if (b)
        pthread_mutex_lock(&b->mu);
    if (writes)
        *writes = b ? b->writes : 0;
    if (commits)
        *commits = b ? b->commits : 0;
    if (b)
        pthread_mutex_unlock(&b->mu);
}

void dt_recorder_batch_free(dt_recorder_batch *b)
{
    if (!b)
        return;
    pthread_cond_destroy(&b->done);
    pthread_mutex_destroy(&b->mu);
    dt_free(b->sql);
    dt_free(b);
}
