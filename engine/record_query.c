/*
 * record_query.c — reading recordings back: session lists, id lookup, transcripts with the "why",
 * and the event stream used by exports.  Queries never write.  The final path of a session is
 * rebuilt from its events (step pushes, back pops to the last answered step, restart clears) and
 * is shared with resume, so what `show` marks as the path is exactly what `resume` replays.
 */
#include "error.h"
#include "mem.h"
#include "model.h"
#include "record.h"
#include <stdio.h>
#include <string.h>

void dt_rec_filter_init(dt_rec_filter *f)
{
    if (f)
        memset(f, 0, sizeof *f);
}

static const char *col(sqlite3_stmt *st, int c)
{
    const char *s = (const char *)sqlite3_column_text(st, c);
    return s ? s : "";
}

void dt_rec_session_from_row(sqlite3_stmt *st, int c0, dt_rec_session *o)
{
    const char **txt[] = {&o->id,     &o->tree_id, &o->tree_version, &o->tree_hash,
                          &o->tree_path, &o->agent, &o->mode,        &o->host,
                          &o->status, &o->outcome, &o->last_tree,    &o->last_step};
    for (int i = 0; i < 12; i++)
        *txt[i] = col(st, c0 + i);
    o->started_ms = sqlite3_column_int64(st, c0 + 12);
    o->ended_ms = sqlite3_column_int64(st, c0 + 13);
    o->last_ms = sqlite3_column_int64(st, c0 + 14);
    o->steps = (size_t)sqlite3_column_int64(st, c0 + 15);
    o->events = (size_t)sqlite3_column_int64(st, c0 + 16);
}

void dt_rec_event_from_row(sqlite3_stmt *st, int c0, dt_rec_event *o)
{
    memset(o, 0, sizeof *o);
    o->seq = sqlite3_column_int64(st, c0);
    o->time_ms = sqlite3_column_int64(st, c0 + 1);
    const char **txt[] = {&o->kind,  &o->tree_id, &o->step_id, &o->step_kind, &o->choice_id,
                          &o->label, &o->var,     &o->value,   &o->text,      &o->outcome};
    for (int i = 0; i < 10; i++)
        *txt[i] = col(st, c0 + 2 + i);
    o->sensitive = sqlite3_column_int(st, c0 + 12);
    o->path_length = (size_t)sqlite3_column_int64(st, c0 + 13);
    o->why = "";
}

void dt_rec_filter_where(const dt_rec_filter *f, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    if (!f)
        return;
    const struct { int on; const char *sql; } c[] = {
        {f->active_only, " AND s.status = 'active'"},
        {f->agent != NULL, " AND s.agent = :agent"},
        {f->tree != NULL, " AND s.tree_id = :tree"},
        {f->mode != NULL, " AND s.mode = :mode"},
        {f->status != NULL, " AND s.status = :status"},
        {f->since_ms != 0, " AND s.started_ms >= :since"},
        {f->until_ms != 0, " AND s.started_ms < :until"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        if (c[i].on)
            n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s", c[i].sql);
}

static int bind_name(sqlite3_stmt *st, const char *name, const char *text, int64_t num)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i == 0)
        return SQLITE_OK;
    return text ? sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT)
                : sqlite3_bind_int64(st, i, num);
}

int dt_rec_filter_bind(sqlite3_stmt *st, const dt_rec_filter *f)
{
    if (!f)
        return SQLITE_OK;
    int rc = SQLITE_OK;
    if (f->agent)
        rc = bind_name(st, ":agent", f->agent, 0);
    if (!rc && f->tree)
        rc = bind_name(st, ":tree", f->tree, 0);
    if (!rc && f->mode)
        rc = bind_name(st, ":mode", f->mode, 0);
    if (!rc && f->status)
        rc = bind_name(st, ":status", f->status, 0);
    rc = rc ? rc : bind_name(st, ":since", NULL, f->since_ms);
    rc = rc ? rc : bind_name(st, ":until", NULL, f->until_ms);
    return rc;
}

static dt_status prepare(dt_recorder *rec, const char *sql, sqlite3_stmt **st, dt_error *err)
{
    int rc = sqlite3_prepare_v2(rec->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? DT_OK : dt_rec_sqlerr(rec, err, rc, "reading the recordings");
}

dt_status dt_recorder_list(dt_recorder *rec, const dt_rec_filter *f, dt_rec_session_fn fn,
                           void *user, dt_error *err)
{
    if (!rec || !fn)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder or callback missing");
    char where[512], sql[1200];
    dt_rec_filter_where(f, where, sizeof where);
    snprintf(sql, sizeof sql,
             "SELECT " DT_REC_SESSION_COLS " FROM sessions s WHERE 1=1%s"
             " ORDER BY s.started_ms DESC, s.sid DESC LIMIT %lld",
             where, f && f->limit ? (long long)f->limit : -1LL);
    sqlite3_stmt *st = NULL;
    dt_status ret = prepare(rec, sql, &st, err);
    int rc = ret == DT_OK ? dt_rec_filter_bind(st, f) : SQLITE_OK;
    while (ret == DT_OK && rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        dt_rec_session s;
        dt_rec_session_from_row(st, 0, &s);
        if (fn(user, &s) != 0)
            rc = SQLITE_DONE;
        else
            rc = SQLITE_OK;
    }
    if (ret == DT_OK && rc != SQLITE_DONE && rc != SQLITE_OK)
        ret = dt_rec_sqlerr(rec, err, rc, "listing sessions");
    sqlite3_finalize(st);
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
    sqlite3_stmt *st = NULL;
    dt_status ret = prepare(rec, "SELECT uuid FROM sessions WHERE uuid >= ?1 AND uuid < ?2"
                                 " ORDER BY uuid LIMIT 2", &st, err);
    if (ret != DT_OK)
        return ret;
    sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
    int found = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (found++ == 0)
            snprintf(id_out, 37, "%s", col(st, 0));
    }
    if (rc != SQLITE_DONE)
        ret = dt_rec_sqlerr(rec, err, rc, "looking up the session");
    else if (found == 0)
        ret = dt_err_error(err, DT_ENOTFOUND, rec->path, 0, 0, "record",
                           "no recorded session has an id starting with '%s'", lo);
    else if (found > 1)
        ret = dt_err_error(err, DT_EARG, rec->path, 0, 0, "record",
                           "several sessions have ids starting with '%s': give more characters",
                           lo);
    sqlite3_finalize(st);
    return ret;
}

dt_status dt_rec_find_session(dt_recorder *rec, const char *uuid, int64_t *sid, dt_error *err)
{
    sqlite3_stmt *st = NULL;
    dt_status ret = prepare(rec, "SELECT sid FROM sessions WHERE uuid = ?1", &st, err);
    if (ret != DT_OK)
        return ret;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *sid = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        ret = dt_err_error(err, DT_ENOTFOUND, rec->path, 0, 0, "record",
                           "no recorded session has the id '%s'", uuid);
    else
        ret = dt_rec_sqlerr(rec, err, rc, "looking up the session");
    sqlite3_finalize(st);
    return ret;
}

/* ---- one session in memory ------------------------------------------------------------- */

int dt_rec_interactive_kind(const char *k)
{
    return strcmp(k, "question") == 0 || strcmp(k, "info") == 0 || strcmp(k, "input") == 0;
}

static void event_free(dt_rec_event *e)
{
    const char *s[] = {e->kind, e->tree_id, e->step_id, e->step_kind, e->choice_id,
                       e->label, e->var,    e->value,   e->text,      e->outcome, e->why};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (s[i] && *s[i])
            dt_free((char *)s[i]);
}

/* Own every string of e (empty strings stay the static ""). */
static int event_own(dt_rec_event *e)
{
    const char **s[] = {&e->kind, &e->tree_id, &e->step_id, &e->step_kind, &e->choice_id,
                        &e->label, &e->var,    &e->value,   &e->text,      &e->outcome};
    int bad = 0;
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        char *c = **s[i] && !bad ? dt_strdup(*s[i]) : NULL;
        bad |= **s[i] && !c;
        *s[i] = c ? c : "";
    }
    return bad ? -1 : 0;
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
    if (!strcmp(e->kind, "restart")) {
        *mark = DT_REC_MARK_RESTART;
    } else if (!strcmp(e->kind, "step")) {
        log->path[*n] = i;
        log->answer[*n] = -1;
        log->mark[(*n)++] = *mark;
        *mark = 0;
    } else if (!strcmp(e->kind, "answer")) {
        for (size_t k = *n; k-- > 0;)
            if (log->answer[k] == -1 && same_step(&log->ev[log->path[k]], e)) {
                log->answer[k] = (long)i;
                break;
            }
    } else if (!strcmp(e->kind, "jump")) {
        if (*n)
            log->answer[*n - 1] = DT_REC_JUMPED;
        *mark = DT_REC_MARK_JUMP;
    } else if (!strcmp(e->kind, "back") || !strcmp(e->kind, "handoff")) {
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

static int log_push(dt_rec_log *log, sqlite3_stmt *st)
{
    if (log->n == log->cap && dt_grow((void **)&log->ev, &log->cap, log->n + 1, sizeof *log->ev))
        return -1;
    dt_rec_event *e = &log->ev[log->n];
    dt_rec_event_from_row(st, 0, e);
    if (event_own(e) != 0) {
        event_free(e);
        return -1;
    }
    log->n++;
    return 0;
}

dt_status dt_rec_log_load(dt_recorder *rec, int64_t sid, dt_rec_log *log, dt_error *err)
{
    memset(log, 0, sizeof *log);
    sqlite3_stmt *st = NULL;
    dt_status ret = prepare(rec, "SELECT " DT_REC_EVENT_COLS " FROM events e WHERE e.sid = ?1"
                                 " ORDER BY e.seq", &st, err);
    if (ret != DT_OK)
        return ret;
    sqlite3_bind_int64(st, 1, sid);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && log_push(log, st) == 0)
        ;
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        ret = rc == SQLITE_ROW ? dt_err_error(err, DT_ENOMEM, NULL, 0, 0, "record", "out of memory")
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

uint32_t dt_rec_find_step(const dt_tree *t, const char *tree_id, const char *step_id)
{
    for (uint32_t u = 0; u < t->units.len; u++)
        if (strcmp(DT_S(t, DT_UNIT(t, u)->id), tree_id) == 0)
            return dt_tree_find_step(t, u, step_id);
    return DT_NONE;
}

/* The tests of decide step `from` that lead to `to` ("a or b"), or NULL when unknown. */
static char *decide_why(const dt_tree *t, const dt_rec_event *from, const dt_rec_event *to)
{
    uint32_t a = dt_rec_find_step(t, from->tree_id, from->step_id);
    uint32_t b = dt_rec_find_step(t, to->tree_id, to->step_id);
    if (a == DT_NONE || b == DT_NONE || DT_STEP(t, a)->kind != DT_STEP_DECIDE)
        return NULL;
    char buf[1024];
    size_t n = 0;
    const dt_step_rec *s = DT_STEP(t, a);
    for (uint32_t c = s->first_choice; c < s->first_choice + s->nchoices && n < sizeof buf; c++) {
        const dt_choice_rec *ch = DT_CHOICE(t, c);
        if (ch->to != b)
            continue;
        const char *test = ch->cond == DT_NONE ? "otherwise" : DT_S(t, DT_COND(t, ch->cond)->src);
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? " or " : "", test);
    }
    return n ? dt_strdup(buf) : NULL;
}

static void annotate(dt_rec_log *log, const dt_tree *tree)
{
    for (size_t k = 0; k < log->npath; k++) {
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
        if (strcmp(log->ev[i].kind, "end") == 0 && i == log->n - 1)
            log->ev[i].on_path = 1;
}

static dt_status session_row(dt_recorder *rec, const char *id, sqlite3_stmt **st, int64_t *sid,
                             dt_error *err)
{
    dt_status ret = prepare(rec, "SELECT s.sid, " DT_REC_SESSION_COLS
                                 " FROM sessions s WHERE s.uuid = ?1", st, err);
    if (ret != DT_OK)
        return ret;
    sqlite3_bind_text(*st, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(*st);
    if (rc == SQLITE_ROW) {
        *sid = sqlite3_column_int64(*st, 0);
        return DT_OK;
    }
    return rc == SQLITE_DONE ? dt_err_error(err, DT_ENOTFOUND, rec->path, 0, 0, "record",
                                            "no recorded session has the id '%s'", id)
                             : dt_rec_sqlerr(rec, err, rc, "reading the session");
}

dt_status dt_recorder_get(dt_recorder *rec, const char *id, dt_rec_session_fn fn, void *user,
                          dt_error *err)
{
    if (!rec || !id || !fn)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder, id or callback missing");
    sqlite3_stmt *st = NULL;
    int64_t sid = 0;
    dt_status ret = session_row(rec, id, &st, &sid, err);
    if (ret == DT_OK) {
        dt_rec_session s;
        dt_rec_session_from_row(st, 1, &s);
        fn(user, &s);
    }
    sqlite3_finalize(st);
    return ret;
}

dt_status dt_recorder_transcript(dt_recorder *rec, const char *id, const dt_tree *tree,
                                 dt_rec_event_fn fn, void *user, dt_error *err)
{
    if (!rec || !id || !fn)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder, id or callback missing");
    sqlite3_stmt *st = NULL;
    int64_t sid = 0;
    dt_status ret = session_row(rec, id, &st, &sid, err);
    dt_rec_log log;
    if (ret == DT_OK)
        ret = dt_rec_log_load(rec, sid, &log, err);
    if (ret == DT_OK) {
        dt_rec_session s;
        dt_rec_session_from_row(st, 1, &s);
        annotate(&log, tree && strcmp(dt_tree_hash(tree), s.tree_hash) == 0 ? tree : NULL);
        for (size_t i = 0; i < log.n && fn(user, &s, &log.ev[i]) == 0; i++)
            ;
        dt_rec_log_free(&log);
    }
    sqlite3_finalize(st);
    return ret;
}

dt_status dt_recorder_events(dt_recorder *rec, const dt_rec_filter *f, dt_rec_event_fn fn,
                             void *user, dt_error *err)
{
    if (!rec || !fn)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "recorder or callback missing");
    char where[512], sql[1400];
    dt_rec_filter_where(f, where, sizeof where);
    snprintf(sql, sizeof sql,
             "SELECT " DT_REC_SESSION_COLS ", " DT_REC_EVENT_COLS
             " FROM sessions s JOIN events e ON e.sid = s.sid WHERE 1=1%s ORDER BY s.sid, e.seq",
             where);
    sqlite3_stmt *st = NULL;
    dt_status ret = prepare(rec, sql, &st, err);
    int rc = ret == DT_OK ? dt_rec_filter_bind(st, f) : SQLITE_OK;
    while (ret == DT_OK && rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        dt_rec_session s;
        dt_rec_event e;
        dt_rec_session_from_row(st, 0, &s);
        dt_rec_event_from_row(st, 17, &e);
        rc = fn(user, &s, &e) != 0 ? SQLITE_DONE : SQLITE_OK;
    }
    if (ret == DT_OK && rc != SQLITE_DONE && rc != SQLITE_OK)
        ret = dt_rec_sqlerr(rec, err, rc, "reading the events");
    sqlite3_finalize(st);
    return ret;
}
