/*
 * record_query.c — reading recordings back: session lists, id lookup, transcripts with the "why",
 * and the event stream used by exports.  Queries never write.  The final path of a session is
 * rebuilt from its events (step pushes, back pops to the last answered step, restart clears) and
 * is shared with resume, so what `show` marks as the path is exactly what `resume` replays.
 */
#include "error.h"
#include "mem.h"
#include "record.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dt_rec_filter_init(dt_rec_filter *f)
{
    if (f)
        memset(f, 0, sizeof *f);
}

void dt_rec_filter_where(const dt_rec_filter *f, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    if (!f)
        return;
    /* --active: every session that can still be resumed (in progress, crashed, quit, handed to
     * a person, timed out), i.e. not completed.  --agent: the agent now, or any agent before a
     * hand-off (each hand-off's label).  --tree: sessions on the tree, or that went through it
     * by a call (their events name it; the events_step index finds them). */
    const struct {
        int on;
        const char *sql;
    } c[] = {
        {f->active_only, " AND s.status <> 'completed'"},
        {f->agent != NULL, " AND (s.agent = $1 OR EXISTS (SELECT 1 FROM events h"
                           " WHERE h.sid = s.sid AND h.kind = 'handoff' AND h.label = $1))"},
        {f->tree != NULL, " AND (s.tree_id = $2 OR s.sid IN (SELECT t.sid FROM events t"
                          " WHERE t.tree_id = $2))"},
        {f->mode != NULL, " AND s.mode = $3"},
        {f->status != NULL, " AND s.status = $4"},
        {f->since_ms != 0, " AND s.started_ms >= $5"},
        {f->until_ms != 0, " AND s.started_ms < $6"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        if (c[i].on)
            n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s", c[i].sql);
}

/* Every filter parameter is bound (a statement ignores those it does not use), each with its
 * type, so that PostgreSQL never has to guess one. */
int dt_rec_filter_bind(rdb_stmt *st, const dt_rec_filter *f)
{
    if (!f)
        return RDB_OK;
    int rc = rdb_bind_text(st, 1, f->agent ? f->agent : "");
    rc = rc ? rc : rdb_bind_text(st, 2, f->tree ? f->tree : "");
    rc = rc ? rc : rdb_bind_text(st, 3, f->mode ? f->mode : "");
    rc = rc ? rc : rdb_bind_text(st, 4, f->status ? f->status : "");
    rc = rc ? rc : rdb_bind_i64(st, 5, f->since_ms);
    rc = rc ? rc : rdb_bind_i64(st, 6, f->until_ms);
    return rc;
}

static dt_status prepare(dt_recorder *rec, const char *sql, rdb_stmt **st, dt_error *err)
{
    int rc = rdb_prepare(rec->db, sql, st);
    return rc == RDB_OK ? DT_OK : dt_rec_sqlerr(rec, err, rc, "reading the recordings");
}

dt_status dt_recorder_list(dt_recorder *rec, const dt_rec_filter *f, dt_rec_session_fn fn,
                           void *user, dt_error *err)
{
    if (!rec || !fn)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder or callback missing");
    char where[1024], cols[REC_COLS_MAX], sql[2048 + REC_COLS_MAX];
    dt_rec_filter_where(f, where, sizeof where);
    dt_rec_sql_columns(&dt_rec_sessions_def, cols, sizeof cols);
    char limit[40] = "";
    if (f && f->limit)
        snprintf(limit, sizeof limit, " LIMIT %lld", (long long)f->limit);
    snprintf(sql, sizeof sql,
             "SELECT %s, " REC_TALK_MS("s") " FROM sessions s WHERE 1=1%s"
                                            " ORDER BY s.started_ms DESC, s.sid DESC%s",
             cols, where, limit);
    rdb_stmt *st = NULL;
    dt_status ret = prepare(rec, sql, &st, err);
    int rc = ret == DT_OK ? dt_rec_filter_bind(st, f) : RDB_OK;
    while (ret == DT_OK && rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW) {
        dt_rec_session s;
        dt_rec_read_row(st, 0, &dt_rec_sessions_def, &s);
        s.talk_ms = dt_rec_col_ms(st, (int)dt_rec_sessions_def.ncols); /* after the columns */
        rc = fn(user, &s) != 0 ? RDB_DONE : RDB_OK;
    }
    if (ret == DT_OK && rc != RDB_DONE && rc != RDB_OK)
        ret = dt_rec_sqlerr(rec, err, rc, "listing sessions");
    rdb_finalize(st);
    return ret;
}

dt_status dt_recorder_lookup(dt_recorder *rec, const char *prefix, char id_out[37], dt_error *err)
{
    size_t n = prefix ? strlen(prefix) : 0;
    if (!rec || n < 4 || n > 36)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record",
                            "a session id (or a prefix of at least 4 characters) is needed");
    char lo[37], hi[37];
    for (size_t i = 0; i <= n; i++)
        lo[i] = (char)((prefix[i] >= 'A' && prefix[i] <= 'F') ? prefix[i] + 32 : prefix[i]);
    memcpy(hi, lo, n + 1);
    hi[n - 1]++; /* [lo, hi) is every id that starts with lo */
    rdb_stmt *st = NULL;
    dt_status ret = prepare(rec, "SELECT uuid FROM sessions WHERE uuid >= $1 AND uuid < $2"
                                 " ORDER BY uuid LIMIT 2",
                            &st, err);
    if (ret != DT_OK)
        return ret;
    int found = 0, rc = rdb_bind_text(st, 1, lo);
    rc = rc ? rc : rdb_bind_text(st, 2, hi);
    while (rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW) {
        if (found++ == 0)
            snprintf(id_out, 37, "%s", rdb_col_str(st, 0));
        rc = RDB_OK;
    }
    if (rc != RDB_DONE)
        ret = dt_rec_sqlerr(rec, err, rc, "looking up the session");
    else if (found == 0)
        ret = dt_err_error(err, DT_ENOTFOUND, rec->path, 0, 0, "record",
                           "no recorded session has an id starting with '%s'", lo);
    else if (found > 1)
        ret = dt_err_error(err, DT_EARG, rec->path, 0, 0, "record",
                           "several sessions have ids starting with '%s': give more characters",
                           lo);
    rdb_finalize(st);
    return ret;
}

dt_status dt_rec_find_session(dt_recorder *rec, const char *uuid, int64_t *sid, dt_error *err)
{
    rdb_stmt *st = NULL;
    dt_status ret = prepare(rec, "SELECT sid FROM sessions WHERE uuid = $1", &st, err);
    if (ret != DT_OK)
        return ret;
    int rc = rdb_bind_text(st, 1, uuid);
    rc = rc ? rc : rdb_step(st);
    if (rc == RDB_ROW)
        *sid = rdb_col_i64(st, 0);
    else if (rc == RDB_DONE)
        ret = dt_err_error(err, DT_ENOTFOUND, rec->path, 0, 0, "record",
                           "no recorded session has the id '%s'", uuid);
    else
        ret = dt_rec_sqlerr(rec, err, rc, "looking up the session");
    rdb_finalize(st);
    return ret;
}

/* ---- one session in memory ------------------------------------------------------------- */

int dt_rec_interactive_kind(const char *k)
{
    dt_step_kind kind;
    return dt_step_kind_from_name(k, &kind) == DT_OK && dt_step_kind_is_interactive(kind);
}

static void event_free(dt_rec_event *e)
{
    dt_rec_row_free(&dt_rec_events_def, e);
    if (e->why && *e->why)
        dt_free((char *)e->why);
    e->why = "";
}

void dt_rec_log_free(dt_rec_log *log)
{
    for (size_t i = 0; i < log->n; i++)
        event_free(&log->ev[i]);
    dt_free(log->ev);
    dt_free(log->path);
    dt_free(log->answer);
    dt_free(log->mark);
    memset(log, 0, sizeof *log);
}

static int same_step(const dt_rec_event *a, const dt_rec_event *b)
{
    return strcmp(a->tree_id, b->tree_id) == 0 && strcmp(a->step_id, b->step_id) == 0;
}

/* Apply one event to the path being rebuilt.  The path mirrors the engine's: one entry per STEP
 * event, kept across restart and jump (the entry after them carries the mark); back truncates to
 * the event's path_length; a handoff truncates to where the resumed session stood. */
static void path_apply(dt_rec_log *log, size_t i, unsigned char *mark)
{
    dt_rec_event *e = &log->ev[i];
    size_t *n = &log->npath;
    dt_rec_kind k = dt_rec_kind_from_name(e->kind);
    if (k == DT_RK_RESTART) {
        *mark = REC_MARK_RESTART;
    } else if (k == DT_RK_STEP) {
        /* path, answer and mark have one slot per event (dt_rec_log_load allocates them
         * before build_path); the analyzer does not follow that across the calls. */
        log->path[*n] = i;          // NOLINT(clang-analyzer-core.NullDereference)
        log->answer[*n] = -1;       // NOLINT(clang-analyzer-core.NullDereference)
        log->mark[(*n)++] = *mark;  // NOLINT(clang-analyzer-core.NullDereference)
        *mark = 0;
    } else if (k == DT_RK_ANSWER) {
        for (size_t j = *n; j-- > 0;)
            if (log->answer[j] == -1 && same_step(&log->ev[log->path[j]], e)) {
                log->answer[j] = (long)i;
                break;
            }
    } else if (k == DT_RK_JUMP) {
        if (*n)
            log->answer[*n - 1] = REC_JUMPED;
        *mark = REC_MARK_JUMP;
    } else if (k == DT_RK_BACK || k == DT_RK_HANDOFF) {
        if (e->path_length >= 1 && e->path_length <= *n)
            *n = e->path_length;
        if (*n)
            log->answer[*n - 1] = -1;
    }
}

static void build_path(dt_rec_log *log)
{
    unsigned char mark = 0;
    log->npath = 0;
    for (size_t i = 0; i < log->n; i++)
        path_apply(log, i, &mark);
}

static int log_push(dt_rec_log *log, rdb_stmt *st)
{
    if (log->n == log->cap && dt_grow((void **)&log->ev, &log->cap, log->n + 1, sizeof *log->ev))
        return -1;
    dt_rec_event *e = &log->ev[log->n];
    memset(e, 0, sizeof *e);
    dt_rec_read_row(st, 0, &dt_rec_events_def, e);
    e->why = "";
    if (dt_rec_row_own(&dt_rec_events_def, e) != 0)
        return -1;
    log->n++;
    return 0;
}

dt_status dt_rec_log_load(dt_recorder *rec, int64_t sid, dt_rec_log *log, dt_error *err)
{
    memset(log, 0, sizeof *log);
    rdb_stmt *st = NULL;
    char cols[REC_COLS_MAX], sql[REC_COLS_MAX + 64];
    dt_rec_sql_columns(&dt_rec_events_def, cols, sizeof cols);
    snprintf(sql, sizeof sql, "SELECT %s FROM events e WHERE e.sid = $1 ORDER BY e.seq", cols);
    dt_status ret = prepare(rec, sql, &st, err);
    if (ret != DT_OK)
        return ret;
    int rc = rdb_bind_i64(st, 1, sid);
    while (rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW && log_push(log, st) == 0)
        rc = RDB_OK;
    rdb_finalize(st);
    if (rc != RDB_DONE)
        ret = rc == RDB_ROW ? dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory")
                            : dt_rec_sqlerr(rec, err, rc, "reading the session's events");
    size_t cap = log->n ? log->n : 1;
    if (ret == DT_OK && (!(log->path = dt_calloc(cap, sizeof *log->path)) ||
                         !(log->answer = dt_calloc(cap, sizeof *log->answer)) ||
                         !(log->mark = dt_calloc(cap, 1))))
        ret = dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    if (ret == DT_OK)
        build_path(log);
    else
        dt_rec_log_free(log);
    return ret;
}

/* ---- transcripts ------------------------------------------------------------------------ */

/* The tests of decide step `from` that lead to `to` ("a or b"), or NULL when unknown. */
static char *decide_why(const dt_tree *t, const dt_rec_event *from, const dt_rec_event *to)
{
    char buf[1024];
    if (dt_tree_decide_why(t, from->tree_id, from->step_id, to->tree_id, to->step_id, buf,
                           sizeof buf) == 0)
        return NULL;
    return dt_strdup(buf);
}

/* On the final path: the entries since the last restart (the path keeps the steps before it, for
 * replay, but they were left, not answered: docs/recording.md, "show"). */
static void annotate(dt_rec_log *log, const dt_tree *tree)
{
    size_t from = 0;
    for (size_t k = 0; k < log->npath; k++)
        if (log->mark[k] == REC_MARK_RESTART)
            from = k;
    for (size_t k = from; k < log->npath; k++) {
        dt_rec_event *e = &log->ev[log->path[k]];
        e->on_path = 1;
        if (log->answer[k] >= 0)
            log->ev[log->answer[k]].on_path = 1;
        if (tree && k + 1 < log->npath && strcmp(e->step_kind, "decide") == 0) {
            char *why = decide_why(tree, e, &log->ev[log->path[k + 1]]);
            if (why)
                e->why = why;
        }
    }
    for (size_t i = 0; i < log->n; i++)
        if (i == log->n - 1 && dt_rec_kind_from_name(log->ev[i].kind) == DT_RK_END)
            log->ev[i].on_path = 1;
}

/* Session id's row: sid, the columns, then its talk time when `talk` (a subquery over all its
 * events: readers that do not show it, asked at every request, pass 0 and read 0). */
static dt_status session_row(dt_recorder *rec, const char *id, int talk, rdb_stmt **st,
                             int64_t *sid, dt_error *err)
{
    char cols[REC_COLS_MAX], sql[REC_COLS_MAX + 1024];
    dt_rec_sql_columns(&dt_rec_sessions_def, cols, sizeof cols);
    snprintf(sql, sizeof sql, "SELECT s.sid, %s, %s FROM sessions s WHERE s.uuid = $1", cols,
             talk ? REC_TALK_MS("s") : "0");
    dt_status ret = prepare(rec, sql, st, err);
    if (ret != DT_OK)
        return ret;
    int rc = rdb_bind_text(*st, 1, id);
    rc = rc ? rc : rdb_step(*st);
    if (rc == RDB_ROW) {
        *sid = rdb_col_i64(*st, 0);
        return DT_OK;
    }
    return rc == RDB_DONE ? dt_err_error(err, DT_ENOTFOUND, rec->path, 0, 0, "record",
                                         "no recorded session has the id '%s'", id)
                          : dt_rec_sqlerr(rec, err, rc, "reading the session");
}

/* Session id's row to fn, with its talk time when `talk` (else 0). */
static dt_status one_session(dt_recorder *rec, const char *id, int talk, dt_rec_session_fn fn,
                             void *user, dt_error *err)
{
    rdb_stmt *st = NULL;
    int64_t sid = 0;
    dt_status ret = session_row(rec, id, talk, &st, &sid, err);
    if (ret == DT_OK) {
        dt_rec_session s;
        dt_rec_read_row(st, 1, &dt_rec_sessions_def, &s);
        s.talk_ms = dt_rec_col_ms(st, 1 + (int)dt_rec_sessions_def.ncols); /* after sid, columns */
        fn(user, &s);
    }
    rdb_finalize(st);
    return ret;
}

dt_status dt_recorder_get(dt_recorder *rec, const char *id, dt_rec_session_fn fn, void *user,
                          dt_error *err)
{
    if (!rec || !id || !fn)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder, id or callback missing");
    return one_session(rec, id, 1, fn, user, err);
}

static int take_events(void *user, const dt_rec_session *s)
{
    *(int64_t *)user = (int64_t)s->events;
    return 0;
}

dt_status dt_recorder_event_count(dt_recorder *rec, const char *id, int64_t *count,
                                  dt_error *err)
{
    if (!rec || !id || !count)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder, id or count missing");
    return one_session(rec, id, 0, take_events, count, err);
}

dt_status dt_recorder_transcript(dt_recorder *rec, const char *id, const dt_tree *tree,
                                 dt_rec_event_fn fn, void *user, dt_error *err)
{
    if (!rec || !id || !fn)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder, id or callback missing");
    rdb_stmt *st = NULL;
    int64_t sid = 0;
    dt_status ret = session_row(rec, id, 1, &st, &sid, err);
    dt_rec_log log;
    if (ret == DT_OK)
        ret = dt_rec_log_load(rec, sid, &log, err);
    if (ret == DT_OK) {
        dt_rec_session s;
        dt_rec_read_row(st, 1, &dt_rec_sessions_def, &s);
        s.talk_ms = dt_rec_col_ms(st, 1 + (int)dt_rec_sessions_def.ncols);
        annotate(&log, tree && strcmp(dt_tree_hash(tree), s.tree_hash) == 0 ? tree : NULL);
        for (size_t i = 0; i < log.n && fn(user, &s, &log.ev[i]) == 0; i++)
            ;
        dt_rec_log_free(&log);
    }
    rdb_finalize(st);
    return ret;
}

dt_status dt_recorder_events(dt_recorder *rec, const dt_rec_filter *f, dt_rec_event_fn fn,
                             void *user, dt_error *err)
{
    if (!rec || !fn)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder or callback missing");
    char where[1024], scols[REC_COLS_MAX], ecols[REC_COLS_MAX];
    char sql[2048 + 2 * REC_COLS_MAX];
    dt_rec_filter_where(f, where, sizeof where);
    dt_rec_sql_columns(&dt_rec_sessions_def, scols, sizeof scols);
    dt_rec_sql_columns(&dt_rec_events_def, ecols, sizeof ecols);
    snprintf(sql, sizeof sql,
             "SELECT %s, %s FROM sessions s JOIN events e ON e.sid = s.sid WHERE 1=1%s"
             " ORDER BY s.sid, e.seq",
             scols, ecols, where);
    rdb_stmt *st = NULL;
    dt_status ret = prepare(rec, sql, &st, err);
    int rc = ret == DT_OK ? dt_rec_filter_bind(st, f) : RDB_OK;
    while (ret == DT_OK && rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW) {
        dt_rec_session s;
        dt_rec_event e;
        dt_rec_read_row(st, 0, &dt_rec_sessions_def, &s);
        s.talk_ms = 0;
        memset(&e, 0, sizeof e);
        e.why = "";
        dt_rec_read_row(st, (int)dt_rec_sessions_def.ncols, &dt_rec_events_def, &e);
        rc = fn(user, &s, &e) != 0 ? RDB_DONE : RDB_OK;
    }
    if (ret == DT_OK && rc != RDB_DONE && rc != RDB_OK)
        ret = dt_rec_sqlerr(rec, err, rc, "reading the events");
    rdb_finalize(st);
    return ret;
}

dt_status dt_recorder_events_after(dt_recorder *rec, const char *id, int64_t after, size_t limit,
                                   dt_rec_event_fn fn, void *user, dt_error *err)
{
    if (!rec || !id || !fn)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder, id or callback missing");
    char ecols[REC_COLS_MAX], sql[REC_COLS_MAX + 128];
    rdb_stmt *ss = NULL, *st = NULL;
    int64_t sid = 0;
    /* One read transaction for the row and the events, so the status and the events agree. */
    int rc = rdb_begin(rec->db, 0);
    if (rc != RDB_OK)
        return dt_rec_sqlerr(rec, err, rc, "reading the session's events");
    dt_status ret = session_row(rec, id, 0, &ss, &sid, err); /* talk time: not sent */
    dt_rec_sql_columns(&dt_rec_events_def, ecols, sizeof ecols);
    snprintf(sql, sizeof sql, "SELECT %s FROM events e WHERE e.sid = $1 AND e.seq > $2"
                              " ORDER BY e.seq%s",
             ecols, limit ? " LIMIT $3" : "");
    if (ret == DT_OK)
        ret = prepare(rec, sql, &st, err);
    if (ret == DT_OK) {
        dt_rec_session s;
        dt_rec_read_row(ss, 1, &dt_rec_sessions_def, &s);
        s.talk_ms = 0;
        rc = rdb_bind_i64(st, 1, sid);
        rc = rc ? rc : rdb_bind_i64(st, 2, after);
        rc = rc ? rc : rdb_bind_i64(st, 3, (int64_t)limit);
        while (rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW) {
            dt_rec_event e;
            memset(&e, 0, sizeof e);
            e.why = "";
            dt_rec_read_row(st, 0, &dt_rec_events_def, &e);
            rc = fn(user, &s, &e) != 0 ? RDB_DONE : RDB_OK;
        }
        if (rc != RDB_DONE)
            ret = dt_rec_sqlerr(rec, err, rc, "reading the session's events");
    }
    rdb_finalize(st);
    rdb_finalize(ss);
    rdb_commit(rec->db);
    return ret;
}

/* Distinct values of an indexed column by one index seek per value (a "skip scan"), not a
 * scan of the whole table: the events table may hold millions of rows. */
#define SKIP_SCAN(T, C)                                                                        \
    "SELECT " C " FROM (WITH RECURSIVE k(" C ") AS (SELECT min(" C ") FROM " T                 \
    " UNION ALL SELECT (SELECT min(" C ") FROM " T " WHERE " C " > k." C ") FROM k WHERE k." C \
    " IS NOT NULL) SELECT " C " FROM k WHERE " C " IS NOT NULL AND " C " <> '') AS " T "_ids"

dt_status dt_recorder_trees(dt_recorder *rec, dt_rec_name_fn fn, void *user, dt_error *err)
{
    if (!rec || !fn)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder or callback missing");
    rdb_stmt *st = NULL;
    dt_status ret = prepare(rec, SKIP_SCAN("sessions", "tree_id") " UNION "
                                 SKIP_SCAN("events", "tree_id") " ORDER BY 1", &st, err);
    int rc = RDB_DONE;
    while (ret == DT_OK && (rc = rdb_step(st)) == RDB_ROW)
        if (fn(user, rdb_col_str(st, 0)) != 0) {
            rc = RDB_DONE;
            break;
        }
    if (ret == DT_OK && rc != RDB_DONE)
        ret = dt_rec_sqlerr(rec, err, rc, "listing the recorded trees");
    rdb_finalize(st);
    return ret;
}

const char *dt_rec_step_title(const dt_tree *t, const char *tree_id, const char *step_id)
{
    const char *title = dt_tree_step_title(t, tree_id, step_id);
    return title && *title ? title : NULL;
}

dt_status dt_recorder_tree_path(dt_recorder *rec, const char *tree_id, char *buf, size_t size,
                                dt_error *err)
{
    if (!rec || !tree_id || !buf || size == 0)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "argument missing");
    /* a session on the tree, else one that called it: its root file's bundle holds the tree */
    static const char sql[] =
        "SELECT tree_path FROM (SELECT tree_path, 0 AS k, started_ms FROM sessions"
        " WHERE tree_id = $1 UNION ALL SELECT s.tree_path, 1, s.started_ms FROM sessions s"
        " WHERE s.sid = (SELECT e.sid FROM events e WHERE e.tree_id = $1 LIMIT 1)) AS paths"
        " ORDER BY k, started_ms DESC LIMIT 1";
    rdb_stmt *st = NULL;
    dt_status ret = prepare(rec, sql, &st, err);
    if (ret != DT_OK)
        return ret;
    int rc = rdb_bind_text(st, 1, tree_id);
    rc = rc ? rc : rdb_step(st);
    if (rc == RDB_ROW)
        snprintf(buf, size, "%s", rdb_col_str(st, 0));
    else if (rc == RDB_DONE)
        ret = dt_err_error(err, DT_ENOTFOUND, rec->path, 0, 0, "record",
                           "no recorded session is on tree '%s'", tree_id);
    else
        ret = dt_rec_sqlerr(rec, err, rc, "looking up the tree file");
    rdb_finalize(st);
    return ret;
}

/* ---- agents and their parts ----------------------------------------------------------------- */

typedef struct parts {
    dt_rec_part *v;   /* agent strings owned (dt_strdup) */
    size_t n, cap;
} parts;

static int part_open(parts *ps, const char *agent, int64_t from_ms)
{
    if (ps->n == ps->cap && dt_grow((void **)&ps->v, &ps->cap, ps->n + 1, sizeof *ps->v) != 0)
        return -1;
    char *name = dt_strdup(agent);
    if (!name)
        return -1;
    memset(&ps->v[ps->n], 0, sizeof ps->v[ps->n]);
    ps->v[ps->n].agent = name;
    ps->v[ps->n++].from_ms = from_ms;
    return 0;
}

/* The hand-off's label names the agent who left: more exact than the session row's agent. */
static int part_rename(parts *ps, const char *agent)
{
    char *c = *agent ? dt_strdup(agent) : NULL;
    if (!c)
        return *agent ? -1 : 0;
    dt_free((char *)ps->v[ps->n - 1].agent);
    ps->v[ps->n - 1].agent = c;
    return 0;
}

/* One event: a hand-off ends the current part (its label names who left, its value when) and
 * opens the next; interactive steps count for the part they were shown in. */
static int part_event(parts *ps, rdb_stmt *st, int64_t *prev_ms)
{
    int64_t t = dt_rec_col_ms(st, 0);
    dt_rec_kind kind = dt_rec_kind_from_name(rdb_col_str(st, 1));
    const char *skind = rdb_col_str(st, 2), *value = rdb_col_str(st, 5);
    dt_rec_part *cur = &ps->v[ps->n - 1];
    if (kind == DT_RK_HANDOFF) {
        cur->to_ms = *value >= '0' && *value <= '9' ? dt_rec_clamp_ms(strtoll(value, NULL, 10))
                                                    : *prev_ms;
        if (part_rename(ps, rdb_col_str(st, 3)) != 0 || part_open(ps, rdb_col_str(st, 4), t) != 0)
            return -1;
    } else if (kind == DT_RK_END || (kind == DT_RK_STEP && dt_rec_interactive_kind(skind))) {
        cur->steps++;
    }
    *prev_ms = t;
    return 0;
}

static void parts_free(parts *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        dt_free((char *)ps->v[i].agent);
    dt_free(ps->v);
}

static dt_status parts_load(dt_recorder *rec, const char *id, parts *ps, dt_error *err)
{
    rdb_stmt *st = NULL;
    dt_status ret = prepare(rec, "SELECT sid, agent, started_ms, coalesce(ended_ms, last_ms)"
                                 " FROM sessions WHERE uuid = $1",
                            &st, err);
    if (ret != DT_OK)
        return ret;
    int rc = rdb_bind_text(st, 1, id);
    rc = rc ? rc : rdb_step(st);
    int row = rc == RDB_ROW;
    int64_t sid = row ? rdb_col_i64(st, 0) : 0, end_ms = 0, prev = 0;
    int oom = row && part_open(ps, rdb_col_str(st, 1), dt_rec_col_ms(st, 2)) != 0;
    end_ms = row ? dt_rec_col_ms(st, 3) : 0;
    prev = row ? dt_rec_col_ms(st, 2) : 0;
    rdb_finalize(st);
    if (!row)
        return rc == RDB_DONE ? dt_err_error(err, DT_ENOTFOUND, rec->path, 0, 0, "record",
                                             "no recorded session has the id '%s'", id)
                              : dt_rec_sqlerr(rec, err, rc, "reading the session");
    ret = oom ? DT_ENOMEM
              : prepare(rec, "SELECT time_ms, kind, step_kind, label, text, value FROM events"
                             " WHERE sid = $1 ORDER BY seq",
                        &st, err);
    if (ret == DT_OK) {
        rc = rdb_bind_i64(st, 1, sid);
        while (!oom && rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW) {
            oom = part_event(ps, st, &prev) != 0;
            rc = RDB_OK;
        }
        rdb_finalize(st);
        ps->v[ps->n - 1].to_ms = end_ms;
        if (!oom && rc != RDB_DONE)
            ret = dt_rec_sqlerr(rec, err, rc, "reading the session's events");
    }
    if (oom)
        ret = dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory");
    return ret;
}

dt_status dt_recorder_parts(dt_recorder *rec, const char *id, dt_rec_part_fn fn, void *user,
                            dt_error *err)
{
    if (!rec || !id || !fn)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder, id or callback missing");
    parts ps = {NULL, 0, 0};
    dt_status ret = parts_load(rec, id, &ps, err);
    for (size_t i = 0; ret == DT_OK && i < ps.n && fn(user, &ps.v[i]) == 0; i++)
        ;
    parts_free(&ps);
    return ret;
}
