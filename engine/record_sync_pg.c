/*
 * record_sync_pg.c — writing a batch of copied sessions into a PostgreSQL store (dtree sync, the
 * spool's upload).  The batch goes up by COPY into two temporary tables (rdb_pg_copy), then a few
 * statements over the whole set do what record_sync_sqlite.c does session by session: a handful
 * of round trips per batch instead of several per event.  The same rules, in the same
 * transaction: sessions matched by uuid; an event inserted only after every event stored for its
 * session before the batch; an event at or before that compared, and a session with one that
 * differs or is missing there left exactly as it was (named, counted, never merged).
 */
#include "error.h"
#include "mem.h"
#include "record_sync.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for the columns of a staged row (the batch index and every column of the table). */
#define SYNC_COLS 32

/* One session of the batch (the same index as b->sess), as the destination holds it before the
 * batch, and what the batch does to it. */
typedef struct pg_sess {
    int64_t sid, last_ms, count, max_seq;
    char status[32];
    int found, todo, update; /* todo: not skipped as held in full; update: its row replaced */
    int64_t bad;             /* > 0: the first seq that differs, or is missing there */
    int64_t inserted;
} pg_sess;

typedef struct pg_writer {
    dt_recorder *to;
    const dt_sync_batch *b;
    pg_sess *d;
    size_t *todo, ntodo;                           /* the batch indexes of the sessions staged, in order */
    size_t cur, next;                              /* the event row being copied: its session (in todo), its event there */
    char num[SYNC_COLS][24];                       /* the numbers of the row being copied */
    char scols[REC_COLS_MAX], ecols[REC_COLS_MAX]; /* "uuid, tree_id, ...", "seq, time_ms, ..." */
    char *list;                                    /* a set of batch indexes as an array literal, "{1,4}" */
    dt_rec_sync_stats *st;
    dt_error *err;
} pg_writer;

/* "name, name, ..." of every column of t (no alias). */
static void names(const dt_rec_tabledef *t, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->ncols && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", t->cols[i].name);
}

/* Column c of row as COPY text (NULL: SQL NULL), numbers formatted into num; the session's
 * ended_ms 0 is NULL, as record_sync_sqlite.c binds it. */
static const char *value(const dt_rec_col *c, const void *row, char *num, int nullable_end)
{
    const void *m = (const char *)row + c->off;
    int64_t v = 0;
    switch (c->type) {
    case REC_C_TEXT: return *(const char *const *)m;
    case REC_C_I64: v = *(const int64_t *)m; break;
    case REC_C_FLAG: v = *(const int *)m; break;
    case REC_C_SIZE: v = (int64_t) * (const size_t *)m; break;
    }
    if (nullable_end && v == 0 && strcmp(c->name, "ended_ms") == 0)
        return NULL;
    snprintf(num, 24, "%lld", (long long)v);
    return num;
}

/* Row r of dtree_sync_s: the r-th session staged, its batch index (1-based, in the sid column)
 * first, then every column. */
static int session_row(void *user, size_t r, const char **vals)
{
    pg_writer *w = user;
    const dt_rec_tabledef *t = &dt_rec_sessions_def;
    size_t i = w->todo[r];
    snprintf(w->num[0], sizeof w->num[0], "%zu", i + 1);
    vals[0] = w->num[0];
    for (size_t c = 0; c < t->ncols; c++)
        vals[c + 1] = value(&t->cols[c], &w->b->sess[i].row, w->num[c + 1], 1);
    return RDB_OK;
}

/* Row r of dtree_sync_e: the next event of the sessions staged (rows come in order), its
 * session's batch index first, then every column. */
static int event_row(void *user, size_t r, const char **vals)
{
    pg_writer *w = user;
    const dt_rec_tabledef *t = &dt_rec_events_def;
    const dt_sync_batch *b = w->b;
    (void)r;
    while (w->cur < w->ntodo && w->next >= b->sess[w->todo[w->cur]].nev)
        w->cur++, w->next = 0;
    if (w->cur == w->ntodo)
        return RDB_EOTHER; /* more rows asked for than counted: not possible */
    const dt_sync_sess *s = &b->sess[w->todo[w->cur]];
    snprintf(w->num[0], sizeof w->num[0], "%zu", w->todo[w->cur] + 1);
    vals[0] = w->num[0];
    for (size_t c = 0; c < t->ncols; c++)
        vals[c + 1] = value(&t->cols[c], &b->ev[s->ev0 + w->next], w->num[c + 1], 0);
    w->next++;
    return RDB_OK;
}

/* The sessions left to do (and their events) into two temporary tables, gone at the end of the
 * transaction. */
static int stage(pg_writer *w)
{
    char into[REC_COLS_MAX + 32];
    int rc = dt_rec_exec(w->to, "CREATE TEMP TABLE dtree_sync_s (LIKE sessions) ON COMMIT DROP");
    rc = rc ? rc : dt_rec_exec(w->to, "CREATE TEMP TABLE dtree_sync_e (LIKE events) ON COMMIT DROP");
    size_t nev = 0;
    w->ntodo = 0;
    for (size_t i = 0; i < w->b->nsess; i++)
        if (w->d[i].todo)
            w->todo[w->ntodo++] = i, nev += w->b->sess[i].nev;
    snprintf(into, sizeof into, "dtree_sync_s(sid, %s)", w->scols);
    rc = rc ? rc
            : rdb_pg_copy(w->to->db, into, dt_rec_sessions_def.ncols + 1, w->ntodo, session_row,
                          w);
    snprintf(into, sizeof into, "dtree_sync_e(sid, %s)", w->ecols);
    w->cur = w->next = 0;
    rc = rc ? rc : rdb_pg_copy(w->to->db, into, dt_rec_events_def.ncols + 1, nev, event_row, w);
    /* a new table has no statistics: without them the joins below are planned for guesses */
    return rc ? rc : dt_rec_exec(w->to, "ANALYZE dtree_sync_s, dtree_sync_e");
}

/* A batch index read back from the server: 0 when it is not one of ours. */
static size_t index_col(rdb_stmt *st, int c, size_t n)
{
    int64_t i = rdb_col_i64(st, c);
    return i >= 1 && (uint64_t)i <= n ? (size_t)i : 0;
}

/* 1 while st gives a row; 0 at its end (*rc RDB_OK) or on a failure (in *rc). */
static int next_row(rdb_stmt *st, int *rc)
{
    if (*rc != RDB_OK)
        return 0;
    int r = rdb_step(st);
    *rc = r == RDB_ROW || r == RDB_DONE ? RDB_OK : r;
    return r == RDB_ROW;
}

/* The batch's uuids as an array literal in w->list: each element quoted, '"' and '\' escaped
 * (a uuid comes from the source store: any text). */
static int uuid_list(pg_writer *w)
{
    size_t need = 3;
    for (size_t i = 0; i < w->b->nsess; i++)
        need += 2 * strlen(w->b->sess[i].row.id) + 3;
    if (need < 24 * w->b->nsess + 3) /* make_list writes its index sets into the same buffer */
        need = 24 * w->b->nsess + 3;
    char *l = dt_malloc(need), *p = l;
    if (!l)
        return RDB_ENOMEM;
    *p++ = '{';
    for (size_t i = 0; i < w->b->nsess; i++) {
        *p++ = i ? ',' : '"';
        if (i)
            *p++ = '"';
        for (const char *c = w->b->sess[i].row.id; *c; c++) {
            if (*c == '"' || *c == '\\')
                *p++ = '\\';
            *p++ = *c;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    dt_free(w->list);
    w->list = l;
    return RDB_OK;
}

/* What the destination holds of each session of the batch, in one query, before anything is
 * staged: a batch held in full stages nothing and writes nothing. */
static int find_all(pg_writer *w)
{
    rdb_stmt *st = NULL;
    int rc = uuid_list(w);
    rc = rc ? rc
            : rdb_prepare(w->to->db,
                          "SELECT u.i, d.sid, d.last_ms, d.status,"
                          " (SELECT count(*) FROM events e WHERE e.sid = d.sid),"
                          " (SELECT coalesce(max(e.seq), 0) FROM events e WHERE e.sid = d.sid)"
                          " FROM unnest($1::text[]) WITH ORDINALITY AS u(uuid, i)"
                          " JOIN sessions d ON d.uuid = u.uuid COLLATE \"C\"",
                          &st);
    rc = rc ? rc : rdb_bind_text(st, 1, w->list);
    while (next_row(st, &rc)) {
        size_t i = index_col(st, 0, w->b->nsess);
        if (!i)
            continue;
        pg_sess *d = &w->d[i - 1];
        d->found = 1;
        d->sid = rdb_col_i64(st, 1);
        d->last_ms = rdb_col_i64(st, 2);
        snprintf(d->status, sizeof d->status, "%s", rdb_col_str(st, 3));
        d->count = rdb_col_i64(st, 4);
        d->max_seq = rdb_col_i64(st, 5);
    }
    rdb_finalize(st);
    return rc;
}

/* The sessions a batch index set is made of, as "{1,4,9}" in w->list; `pick` chooses. */
static void make_list(pg_writer *w, int (*pick)(const pg_sess *))
{
    size_t n = 0, size = 24 * w->b->nsess + 3; /* w->list has room for it (uuid_list: more) */
    n += (size_t)snprintf(w->list, size, "{");
    for (size_t i = 0; i < w->b->nsess; i++)
        if (pick(&w->d[i]))
            n += (size_t)snprintf(w->list + n, size - n, "%s%zu", n > 1 ? "," : "", i + 1);
    snprintf(w->list + n, size - n, "}");
}

static int pick_new(const pg_sess *d)
{
    return d->todo && !d->found;
}
static int pick_todo(const pg_sess *d)
{
    return d->todo;
}
static int pick_held(const pg_sess *d)
{
    return d->todo && d->found;
}
static int pick_update(const pg_sess *d)
{
    return d->update;
}

/* Run sql with w->list as $1; each row (batch index, number) goes to got(). */
static int run_list(pg_writer *w, const char *sql, void (*got)(pg_sess *, int64_t))
{
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(w->to->db, sql, &st);
    rc = rc ? rc : rdb_bind_text(st, 1, w->list);
    while (next_row(st, &rc)) {
        size_t i = index_col(st, 0, w->b->nsess);
        if (i && got)
            got(&w->d[i - 1], rdb_col_i64(st, 1));
    }
    rdb_finalize(st);
    return rc;
}

static void got_inserted(pg_sess *d, int64_t n)
{
    d->inserted = n;
}
static void got_bad(pg_sess *d, int64_t seq)
{
    d->bad = seq;
    d->todo = 0;
}

/* "x.a, coalesce(x.b, ''), ..." over every event column of alias x, as dt_rec_read_row reads
 * them (NULL as "", a flag as 0 or 1, a count never negative), so that a row compares as
 * same_event compares it. */
static void compared(const char *x, char *buf, size_t size)
{
    const dt_rec_tabledef *t = &dt_rec_events_def;
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->ncols && n < size; i++) {
        dt_rec_ctype k = t->cols[i].type;
        const char *open = k == REC_C_TEXT ? "coalesce(" : k == REC_C_FLAG ? "("
                                                       : k == REC_C_SIZE   ? "greatest("
                                                                           : "";
        const char *close = k == REC_C_TEXT ? ", '')" : k == REC_C_FLAG ? " <> 0)"
                                                    : k == REC_C_SIZE   ? ", 0)"
                                                                        : "";
        n += (size_t)snprintf(buf + n, size - n, "%s%s%s.%s%s", i ? ", " : "", open, x,
                              t->cols[i].name, close);
    }
}

/* Before anything is written: for each session the destination holds, its first event at or
 * before the last one stored there that differs from the source's, or is not there at all (the
 * SQLite path's insert refuses an event that is not after every stored one; a hole is not ours to
 * fill).  Such a session is left as it is. */
static int compare_all(pg_writer *w)
{
    char sql[3 * REC_COLS_MAX + 512], a[REC_COLS_MAX], b[REC_COLS_MAX];
    compared("x", a, sizeof a);
    compared("e", b, sizeof b);
    snprintf(sql, sizeof sql,
             "SELECT s.sid, min(e.seq) FROM dtree_sync_e e JOIN dtree_sync_s s ON s.sid = e.sid"
             " JOIN sessions d ON d.uuid = s.uuid"
             " LEFT JOIN events x ON x.sid = d.sid AND x.seq = e.seq"
             " WHERE e.sid = ANY($1::bigint[])"
             " AND e.seq <= (SELECT coalesce(max(m.seq), 0) FROM events m WHERE m.sid = d.sid)"
             " AND (x.sid IS NULL OR (%s) IS DISTINCT FROM (%s)) GROUP BY s.sid",
             a, b);
    make_list(w, pick_held);
    return run_list(w, sql, got_bad);
}

/* The sessions the destination lacks, then the events after each session's last stored one
 * (counted per session). */
static int insert_all(pg_writer *w)
{
    char sql[2 * REC_COLS_MAX + 512], cols[REC_COLS_MAX];
    dt_rec_sql_columns(&dt_rec_sessions_def, cols, sizeof cols);
    snprintf(sql, sizeof sql,
             "INSERT INTO sessions(%s) SELECT %s FROM dtree_sync_s s"
             " WHERE s.sid = ANY($1::bigint[]) ORDER BY s.sid",
             w->scols, cols);
    make_list(w, pick_new);
    int rc = run_list(w, sql, NULL);
    dt_rec_sql_columns(&dt_rec_events_def, cols, sizeof cols);
    snprintf(sql, sizeof sql,
             "WITH ins AS (INSERT INTO events(sid, %s) SELECT d.sid, %s FROM dtree_sync_e e"
             " JOIN dtree_sync_s s ON s.sid = e.sid JOIN sessions d ON d.uuid = s.uuid"
             " WHERE e.sid = ANY($1::bigint[]) AND e.seq > (SELECT coalesce(max(x.seq), 0)"
             " FROM events x WHERE x.sid = d.sid) ORDER BY e.sid, e.seq"
             " ON CONFLICT (sid, seq) DO NOTHING RETURNING sid)"
             " SELECT s.sid, count(*) FROM ins JOIN sessions d ON d.sid = ins.sid"
             " JOIN dtree_sync_s s ON s.uuid = d.uuid GROUP BY s.sid",
             w->ecols, cols);
    make_list(w, pick_todo);
    return rc ? rc : run_list(w, sql, got_inserted);
}

/* A session the source knows in full takes the source's row (its state) when something changed;
 * decided as record_sync_sqlite.c's put_session decides it. */
static int update_all(pg_writer *w)
{
    const dt_rec_tabledef *t = &dt_rec_sessions_def;
    char sql[2 * REC_COLS_MAX + 256];
    size_t n = (size_t)snprintf(sql, sizeof sql, "UPDATE sessions d SET ");
    for (size_t i = 0, k = 0; i < t->ncols && n < sizeof sql; i++)
        if (strcmp(t->cols[i].name, "uuid") != 0)
            n += (size_t)snprintf(sql + n, sizeof sql - n, "%s%s = s.%s", k++ ? ", " : "",
                                  t->cols[i].name, t->cols[i].name);
    if (n < sizeof sql)
        snprintf(sql + n, sizeof sql - n,
                 " FROM dtree_sync_s s WHERE d.uuid = s.uuid AND s.sid = ANY($1::bigint[])");
    int any = 0;
    for (size_t i = 0; i < w->b->nsess; i++) {
        const dt_sync_sess *s = &w->b->sess[i];
        pg_sess *d = &w->d[i];
        int64_t src_max = s->nev ? w->b->ev[s->ev0 + s->nev - 1].seq : 0;
        int newer = d->inserted > 0 || d->last_ms != s->row.last_ms ||
                    strcmp(d->status, s->row.status) != 0;
        d->update = d->todo && d->found && s->complete && src_max >= d->max_seq && newer;
        any |= d->update;
    }
    make_list(w, pick_update);
    return any ? run_list(w, sql, NULL) : RDB_OK;
}

/* The counts, and a warning per session left as it was, once the batch is in. */
static void account(pg_writer *w)
{
    for (size_t i = 0; i < w->b->nsess; i++) {
        const dt_sync_sess *s = &w->b->sess[i];
        const pg_sess *d = &w->d[i];
        if (d->bad) {
            dt_rec_sync_conflict(w->to, w->st, w->err, s->row.id, d->bad);
        } else if (!d->todo) {
            w->st->unchanged++;
        } else {
            int newer = d->inserted > 0 || d->last_ms != s->row.last_ms ||
                        strcmp(d->status, s->row.status) != 0;
            w->st->events += (size_t)d->inserted;
            if (!d->found)
                w->st->created++;
            else if (newer)
                w->st->updated++;
            else
                w->st->unchanged++;
        }
    }
}

/* Skipped as held in full, as put_session skips it: nothing to compare. */
static void skip_held(pg_writer *w)
{
    for (size_t i = 0; i < w->b->nsess; i++) {
        const dt_sync_sess *s = &w->b->sess[i];
        pg_sess *d = &w->d[i];
        d->todo = !(d->found && s->complete && (size_t)d->count == s->row.events &&
                    d->last_ms == s->row.last_ms && strcmp(d->status, s->row.status) == 0);
    }
}

static int by_uuid(const void *a, const void *b)
{
    return strcmp((*(const dt_sync_sess *const *)a)->row.id,
                  (*(const dt_sync_sess *const *)b)->row.id);
}

/* 1 when every session of the batch has its own uuid (a store keeps them unique; a damaged one
 * might not, and the joins on uuid would then pair rows wrongly). */
static int distinct_uuids(const dt_sync_batch *b, int *oom)
{
    const dt_sync_sess **v = dt_calloc(b->nsess ? b->nsess : 1, sizeof *v);
    if (!v)
        return *oom = 1, 0;
    for (size_t i = 0; i < b->nsess; i++)
        v[i] = &b->sess[i];
    qsort(v, b->nsess, sizeof *v, by_uuid);
    int ok = 1;
    for (size_t i = 1; ok && i < b->nsess; i++)
        ok = strcmp(v[i - 1]->row.id, v[i]->row.id) != 0;
    dt_free(v);
    return ok;
}

int dt_rec_sync_copy_usable(const dt_recorder *to, const dt_sync_batch *b, int *oom)
{
    *oom = 0;
    return dt_rec_is_pg(to) && dt_rec_sessions_def.ncols + 1 <= SYNC_COLS &&
           dt_rec_events_def.ncols + 1 <= SYNC_COLS && distinct_uuids(b, oom);
}

static int any_todo(const pg_writer *w)
{
    for (size_t i = 0; i < w->b->nsess; i++)
        if (w->d[i].todo)
            return 1;
    return 0;
}

/* Stage what is left to do, compare, insert, update, commit. */
static int staged_write(pg_writer *w)
{
    int rc = stage(w);
    rc = rc ? rc : compare_all(w);
    rc = rc ? rc : insert_all(w);
    rc = rc ? rc : update_all(w);
    return rc ? rc : dt_rec_exec(w->to, "COMMIT");
}

int dt_rec_sync_copy_batch(dt_recorder *to, const dt_sync_batch *b, dt_rec_sync_stats *st,
                           dt_error *err)
{
    pg_writer *w = dt_calloc(1, sizeof *w);
    pg_sess *d = w ? dt_calloc(b->nsess ? b->nsess : 1, sizeof *d) : NULL;
    size_t *todo = d ? dt_calloc(b->nsess ? b->nsess : 1, sizeof *todo) : NULL;
    char *list = todo ? dt_malloc(24 * b->nsess + 3) : NULL;
    int rc = list ? RDB_OK : RDB_ENOMEM;
    if (rc == RDB_OK) {
        w->to = to, w->b = b, w->d = d, w->todo = todo, w->list = list, w->st = st;
        w->err = err;
        names(&dt_rec_sessions_def, w->scols, sizeof w->scols);
        names(&dt_rec_events_def, w->ecols, sizeof w->ecols);
        rc = rdb_begin(to->db, 1);
        rc = rc ? rc : find_all(w);
        if (rc == RDB_OK)
            skip_held(w);
        if (rc == RDB_OK && !any_todo(w)) /* the common case of a copy run again */
            rc = dt_rec_exec(to, "COMMIT");
        else
            rc = rc ? rc : staged_write(w);
        if (rc == RDB_OK)
            account(w);
    }
    if (w)
        dt_free(w->list);
    else
        dt_free(list);
    dt_free(todo);
    dt_free(d);
    dt_free(w);
    return rc;
}
