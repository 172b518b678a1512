/*
 * record_write.c — the observer that writes every event of the recorded session.
 * Each event is copied into the pending queue; at the last event of an action (ev->more == 0) the
 * whole queue is written in ONE transaction (BEGIN ... COMMIT, through record_db.h) before the observer
 * returns, i.e. before the engine call returns and the next step is shown.  The queue is emptied only after COMMIT succeeds: a failure leaves every
 * event queued, in order, for the next attempt.  Sensitive values are redacted here once more.
 */
#include "mem.h"
#include "record.h"
#include "value.h"
#include <stdio.h>
#include <string.h>

/* 1 when the event shows the agent a step to answer: the "steps" of the session row, as numbered
 * on screen.  A called tree's end is shown only when it has words; the observer runs after the
 * action, so it is shown exactly when it is where the session now stands. */
static int counts_as_step(const dt_recorder *rec, const dt_event *ev)
{
    if (ev->kind == DT_EV_END)
        return 1;
    if (ev->kind != DT_EV_STEP)
        return 0;
    if (ev->step_kind != DT_STEP_END)
        return dt_step_kind_is_interactive(ev->step_kind);
    const dt_view *v = rec->session ? dt_session_view(rec->session) : NULL;
    return v && v->kind == DT_STEP_INFO && ev->path_length == dt_session_path_count(rec->session) &&
           strcmp(v->step_id, ev->step_id ? ev->step_id : "") == 0;
}

/* The engine already redacts; we check against the tree too, so a clear value can never slip in. */
static int is_sensitive(const dt_recorder *rec, const dt_event *ev)
{
    if (ev->sensitive)
        return 1;
    if (!ev->var || !*ev->var || !rec->tree)
        return 0;
    return dt_tree_var_sensitive(rec->tree, ev->var);
}

static dt_rec_pending *push(dt_recorder *rec)
{
    if (rec->npend == rec->cappend &&
        dt_grow((void **)&rec->pend, &rec->cappend, rec->npend + 1, sizeof *rec->pend) != 0)
        return NULL;
    dt_rec_pending *p = &rec->pend[rec->npend];
    memset(p, 0, sizeof *p);
    return p;
}

static void pending_free(dt_rec_pending *p)
{
    dt_free(p->box);
    p->box = NULL;
    dt_rec_row_free(&dt_rec_events_def, &p->ev);
}

void dt_rec_pending_clear(dt_recorder *rec)
{
    for (size_t i = 0; i < rec->npend; i++)
        pending_free(&rec->pend[i]);
    rec->npend = 0;
}

/* Copy the strings of p->ev (borrowed until now); commits the entry only when every copy
 * succeeded. */
static int commit_entry(dt_recorder *rec, dt_rec_pending *p)
{
    if (dt_rec_row_own(&dt_rec_events_def, &p->ev) != 0) {
        dt_free(p->box); /* the entry is not kept: nor is its box */
        p->box = NULL;
        return -1;
    }
    p->ev.seq = rec->next_seq++;
    rec->npend++;
    return 0;
}

static int queue_event(dt_recorder *rec, const dt_event *ev)
{
    dt_rec_pending *p = push(rec);
    if (!p)
        return -1;
    int sens = is_sensitive(rec, ev);
    const char *red = VALUE_REDACTED;
    const char *label = ev->label, *value = ev->value;
    if (sens) {
        label = label && *label ? red : label;
        value = value && *value ? red : value;
    }
    dt_rec_event *e = &p->ev;
    e->kind = dt_event_kind_name(ev->kind);
    e->tree_id = ev->tree_id;
    e->step_id = ev->step_id;
    /* step_kind only means something for steps and answers */
    if (ev->kind == DT_EV_STEP || ev->kind == DT_EV_ANSWER || ev->kind == DT_EV_END)
        e->step_kind = dt_step_kind_name(ev->step_kind);
    e->choice_id = ev->choice_id;
    e->label = label;
    e->var = ev->var;
    e->value = value;
    e->text = ev->text;
    e->outcome = ev->outcome;
    e->time_ms = ev->time_ms;
    e->sensitive = sens;
    e->path_length = ev->path_length;
    p->counts = counts_as_step(rec, ev);
    if (sens && ev->kind == DT_EV_ANSWER)
        p->box = dt_rec_seal_take(rec, ev->var);
    return commit_entry(rec, p);
}

int dt_rec_queue(dt_recorder *rec, const char *kind, const char *tree_id, const char *step_id,
                 const char *text, const char *label, const char *extra)
{
    dt_rec_pending *p = push(rec);
    if (!p)
        return -1;
    dt_rec_event *e = &p->ev;
    e->kind = kind;
    e->tree_id = tree_id;
    e->step_id = step_id;
    e->label = label;
    e->text = text;
    e->extra = extra;
    e->time_ms = dt_rec_now(rec);
    e->path_length = rec->session ? dt_session_path_count(rec->session) : 0;
    return commit_entry(rec, p);
}

/* The session row after all the events of one write, applied at once (one UPDATE per
 * transaction, not one per event: each is a statement the server runs while agents wait).
 * $1 newest time $2 events $3 steps shown $4 $5 tree and step of the last step shown, then what
 * the write changed besides: [hand-off][none, end, reopen (back, restart, jump, hand-off)].  Only
 * those columns are assigned: SQLite rewrites a row's entry in each index on an assigned column
 * (agent, status), changed or not, and that was two index pages more in each COMMIT. */
#define UPD_HEAD                                                                 \
    "UPDATE sessions SET last_ms = greatest(last_ms, $1), events = events + $2," \
    " steps = steps + $3,"                                                       \
    " last_tree = CASE WHEN $3 <> 0 THEN $4 ELSE last_tree END,"                 \
    " last_step = CASE WHEN $3 <> 0 THEN $5 ELSE last_step END"
#define UPD_REOPEN ", status = 'active', ended_ms = NULL, outcome = ''"
static const char *const upd_sql[2][3] = {
    {UPD_HEAD " WHERE sid = $6",
     UPD_HEAD ", status = 'completed', ended_ms = $6, outcome = $7 WHERE sid = $8",
     UPD_HEAD UPD_REOPEN " WHERE sid = $6"},
    {UPD_HEAD ", agent = $6 WHERE sid = $7",
     UPD_HEAD ", agent = $6, status = 'completed', ended_ms = $7, outcome = $8 WHERE sid = $9",
     UPD_HEAD ", agent = $6" UPD_REOPEN " WHERE sid = $7"},
};

dt_rec_folded dt_rec_fold(const dt_rec_pending *pend, size_t n)
{
    dt_rec_folded f = {0, 0, 0, 0, "", "", "", "", ""};
    for (size_t i = 0; i < n; i++) {
        const dt_rec_event *e = &pend[i].ev;
        dt_rec_kind kind = dt_rec_kind_from_name(e->kind);
        f.newest = e->time_ms > f.newest || i == 0 ? e->time_ms : f.newest;
        if (pend[i].counts) {
            f.steps++;
            f.tree = e->tree_id;
            f.step = e->step_id;
        }
        if (kind == DT_RK_HANDOFF)
            f.handoff = 1, f.agent = e->text;
        if (kind == DT_RK_END)
            f.state = "end", f.end_ms = e->time_ms, f.outcome = e->outcome;
        else if (kind == DT_RK_BACK || kind == DT_RK_RESTART || kind == DT_RK_JUMP ||
                 kind == DT_RK_HANDOFF)
            f.state = "reopen";
    }
    return f;
}

static int update_session(dt_recorder *rec, const dt_rec_pending *pend, size_t n)
{
    dt_rec_folded f = dt_rec_fold(pend, n);
    int end = strcmp(f.state, "end") == 0, reopen = strcmp(f.state, "reopen") == 0;
    int k = 6; /* the next parameter after the head's */
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, upd_sql[f.handoff != 0][end ? 1 : (reopen ? 2 : 0)], &st);
    rc = rc ? rc : rdb_bind_i64(st, 1, f.newest);
    rc = rc ? rc : rdb_bind_i64(st, 2, (int64_t)n);
    rc = rc ? rc : rdb_bind_i64(st, 3, f.steps);
    rc = rc ? rc : rdb_bind_text(st, 4, f.tree);
    rc = rc ? rc : rdb_bind_text(st, 5, f.step);
    if (f.handoff)
        rc = rc ? rc : rdb_bind_text(st, k++, f.agent);
    if (end) {
        rc = rc ? rc : rdb_bind_i64(st, k++, f.end_ms);
        rc = rc ? rc : rdb_bind_text(st, k++, f.outcome);
    }
    rc = rc ? rc : rdb_bind_i64(st, k, rec->sid);
    rc = rc ? rc : rdb_run(st, NULL);
    rdb_finalize(st);
    return rc;
}

/* Events of one write per INSERT: one statement for the server to run instead of one each. */
#define INSERT_ROWS 4

/* Event rows p[0, n): refused (fewer rows) when the store holds p[0]'s seq or a later one
 * already; held: also when the claim is no longer ours (dt_rec_claim_renew's *check; our token
 * the last parameter).  Prepared at each write: both back ends keep a text's statement prepared
 * (the SQLite connection's cache, the server's prepared statements), and a statement held by
 * each live session would take all of the cache. */
static int insert_rows(dt_recorder *rec, const dt_rec_pending *p, size_t n, int held, int first)
{
    char sql[INSERT_ROWS * REC_COLS_MAX + 768];
    rdb_stmt *st = NULL;
    size_t len = dt_rec_sql_insert_rows(&dt_rec_events_def, n, sql, sizeof sql);
    int per = (int)dt_rec_events_def.ncols; /* every events column is set at insert */
    int k = 2 + (int)n * per;               /* the parameter after the rows' */
    if (held && len < sizeof sql)
        len += dt_rec_claim_held_sql(k++, sql + len, sizeof sql - len);
    size_t tok = 0;
    if (first && len < sizeof sql)
        tok = dt_rec_token_held_sql(rec, k, sql + len, sizeof sql - len);
    len += tok;
    if (len >= sizeof sql)
        return RDB_EOTHER;
    int rc = rdb_prepare(rec->db, sql, &st);
    if (rc != RDB_OK)
        return rc;
    rdb_expect(st, (int64_t)n, REC_OUT_OF_ORDER);
    rc = rdb_bind_i64(st, 1, rec->sid);
    for (size_t i = 0; rc == RDB_OK && i < n; i++)
        rc = dt_rec_bind_row(st, 2 + (int)i * per, &dt_rec_events_def, &p[i].ev);
    if (rc == RDB_OK && held)
        rc = rdb_bind_text(st, 2 + (int)n * per, rec->claim_token);
    if (rc == RDB_OK && tok)
        rc = rdb_bind_text(st, k, rec->need_token);
    rec->token_sent |= tok != 0;
    rc = rc ? rc : rdb_run(st, NULL); /* expected: n rows */
    rdb_finalize(st);
    return rc;
}

/* After a failed write whose COMMIT may still have reached the store (a connection lost while
 * committing): the events it holds already are taken off the queue, so a retry never repeats
 * them (they would be refused as out of order). */
static int drop_written(dt_recorder *rec)
{
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, "SELECT coalesce(max(seq), 0) FROM events WHERE sid = $1", &st);
    rc = rc ? rc : rdb_bind_i64(st, 1, rec->sid);
    int64_t max = 0;
    if (rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW)
        max = rdb_col_i64(st, 0), rc = RDB_OK;
    rdb_finalize(st);
    if (rc != RDB_OK)
        return rc == RDB_DONE ? RDB_OK : rc;
    /* A store holding more than we ever queued has another writer's events, not our lost COMMIT:
     * nothing is dropped, and the write is refused as out of order (and so reported). */
    if (rec->npend > 0 && max > rec->pend[rec->npend - 1].ev.seq)
        return RDB_OK;
    size_t k = 0;
    while (k < rec->npend && rec->pend[k].ev.seq <= max)
        k++;
    for (size_t i = 0; i < k; i++)
        pending_free(&rec->pend[i]);
    memmove(rec->pend, rec->pend + k, (rec->npend - k) * sizeof *rec->pend);
    rec->npend -= k;
    return RDB_OK;
}

/* Ready to write: what a lost COMMIT stored after all dropped from the queue.  RDB_OK with
 * rec->npend == 0 when nothing is left to write. */
static int ready_rows(dt_recorder *rec)
{
    return rec->retry ? drop_written(rec) : RDB_OK;
}

/* The queue's rows, inside the caller's write transaction; *held = 1 when the first INSERT
 * checked the claim (a refusal then needs dt_rec_claim_refusal).  The first INSERT checks the
 * required token too: SQLite says at once why it added no row, PostgreSQL at the COMMIT of its
 * batch (write_all). */
static int write_rows(dt_recorder *rec, int *held)
{
    /* first: a session taken over by another agent gets nothing more */
    int rc = dt_rec_claim_renew(rec, dt_rec_now(rec), held);
    rec->token_sent = 0;
    for (size_t i = 0; rc == RDB_OK && i < rec->npend; i += INSERT_ROWS) {
        size_t n = rec->npend - i < INSERT_ROWS ? rec->npend - i : INSERT_ROWS;
        rc = insert_rows(rec, &rec->pend[i], n, i == 0 && *held, i == 0);
    }
    if (!dt_rec_is_pg(rec))
        rc = dt_rec_token_refusal(rec, rc);
    for (size_t i = 0; rc == RDB_OK && i < rec->npend; i++) {
        if (rec->pend[i].box)
            rc = dt_rec_seal_write(rec, rec->pend[i].ev.seq, rec->pend[i].box);
        /* the session ended: its sealed values are no longer needed by anyone */
        if (rc == RDB_OK && dt_rec_kind_from_name(rec->pend[i].ev.kind) == DT_RK_END)
            rc = dt_rec_seal_erase(rec);
    }
    if (rc == RDB_OK)
        rc = update_session(rec, rec->pend, rec->npend);
    return rc;
}

int dt_rec_write_rows(dt_recorder *rec)
{
    int rc = ready_rows(rec), held = 0; /* held: PostgreSQL only, which has no group commit */
    return rc == RDB_OK && rec->npend > 0 ? write_rows(rec, &held) : rc;
}

static int write_all(dt_recorder *rec)
{
    int rc = ready_rows(rec), held = 0;
    if (rc == RDB_OK && rec->npend == 0)
        return RDB_OK;
    if (rc == RDB_OK) /* one round trip to a server for all of it (record_db.h) */
        rc = rdb_begin_batch(rec->db);
    if (rc == RDB_OK)
        rc = write_rows(rec, &held);
    if (rc == RDB_OK) { /* the live board (sessions --follow) is told, after the commit */
        rdb_pg_notify(rec->db, "dtree_sessions", rec->sid, &rec->told_ms);
        rc = rdb_commit(rec->db);
    }
    rc = held ? dt_rec_claim_refusal(rec, rc) : rc;
    return dt_rec_is_pg(rec) ? dt_rec_token_refusal(rec, rc) : rc;
}

/* Whether a failed write's COMMIT may have reached the store after all: only when the connection
 * or the disk failed under it.  A refusal (out of order, claim lost, constraint, busy, full) rolled
 * back for certain, so its events must not be taken for written at the next try. */
int dt_rec_may_have_committed(int rc)
{
    return rc == RDB_ECONN || rc == RDB_EIO || rc == RDB_EOTHER;
}

/* Nothing to write (0), a write to make (1), or none possible (-1, rec->msg says why). */
static int write_wanted(dt_recorder *rec)
{
    if (rec->npend == 0)
        return 0;
    if (rec->lost) { /* another agent has the session: writing would mix two calls */
        dt_rec_claim_lost_msg(rec, rec->msg, sizeof rec->msg);
        return -1;
    }
    if (rec->token_state < 0) /* whoever asked for these may no longer act: the message stays */
        return -1;
    if (rec->tampered || (!dt_rec_is_pg(rec) && dt_rec_ident_check(rec) != 0)) {
        /* the database files were deleted or replaced */
        rec->tampered = rec->failed = 1; /* the first check's message stays */
        return -1;
    }
    return 1;
}

int dt_rec_write_end(dt_recorder *rec, int rc, size_t back, void (*undo)(dt_recorder *))
{
    rec->last_rc = rc;
    if (rc == RDB_OK) {
        if (!dt_rec_is_pg(rec))
            dt_rec_ident_take(rec); /* the -wal and -shm exist from the first write on */
        dt_rec_spool_written(rec);
        dt_rec_claim_committed(rec);
        if (rec->token_sent) /* a write that wrote nothing (all stored before) confirms nothing */
            rec->token_state = 1;
        dt_rec_pending_clear(rec);
        rec->failed = rec->retry = 0;
        rec->msg[0] = '\0';
        return 0;
    }
    rec->failed = 1;
    rec->retry = dt_rec_may_have_committed(rc);
    if (rc != REC_CLAIM_LOST && rc != REC_TOKEN_REVOKED) { /* before ROLLBACK resets the store's */
        char what[96];
        snprintf(what, sizeof what, "recording failed, %zu event%s kept in memory", rec->npend,
                 rec->npend == 1 ? "" : "s");
        dt_rec_sqlmsg(rec, rc, what, rec->msg, sizeof rec->msg);
    }
    if (undo)
        undo(rec);
    else
        rdb_rollback(rec->db);
    if (rc == REC_TOKEN_REVOKED) { /* whoever asked may no longer act: nothing goes on for it */
        rec->token_state = -1;
        snprintf(rec->msg, sizeof rec->msg,
                 "recording stopped: the access token this was done with was revoked; the %zu "
                 "event%s since the last write were not saved",
                 rec->npend, rec->npend == 1 ? "" : "s");
        return -1;
    }
    if (rc != REC_CLAIM_LOST && dt_rec_spool_store(rec, rc, back) == 0) {
        rec->failed = 0; /* every event is in the spool: the call goes on, nothing is lost */
        rec->msg[0] = '\0';
        return 0;
    }
    if (rc == REC_CLAIM_LOST) {
        rec->lost = 1;
        rec->claimed = 0;
        dt_rec_claim_lost_msg(rec, rec->msg, sizeof rec->msg);
    }
    return -1;
}

int dt_rec_write_alone(dt_recorder *rec, size_t back)
{
    int rc = write_all(rec);
    if (rc == RDB_EFULL && rdb_reclaim(rec->db))
        rc = write_all(rec); /* space given back: once more at once (the events are all queued) */
    return dt_rec_write_end(rec, rc, back, NULL);
}

int dt_rec_write_pending(dt_recorder *rec)
{
    int want = write_wanted(rec);
    if (want <= 0)
        return want;
    size_t back = dt_rec_spool_take_back(rec); /* spooled events first, in order */
    /* several sessions on one connection: their writes may share one COMMIT (record_group.c) */
    if (rec->group && !rdb_in_tx(rec->db))
        return dt_rec_group_write(rec, back);
    /* sessions on several connections (PostgreSQL): their writes may share one statement */
    if (rec->batch && !rdb_in_tx(rec->db))
        return dt_rec_batch_write(rec, back);
    return dt_rec_write_alone(rec, back);
}

void dt_rec_observer(void *user, const dt_event *ev)
{
    dt_recorder *rec = user;
    if (!rec || !rec->session)
        return;
    if (queue_event(rec, ev) != 0) {
        /* Nothing else can be done from inside an observer: say so loudly. */
        rec->failed = 1;
        snprintf(rec->msg, sizeof rec->msg,
                 "recording failed: out of memory, a %s event was lost", dt_event_kind_name(ev->kind));
    } else if (!ev->more) { /* one transaction for all the events of one action */
        dt_rec_write_pending(rec);
    }
    if (rec->next_fn)
        rec->next_fn(rec->next_user, ev);
}

void dt_recorder_chain(dt_recorder *rec, dt_observer_fn fn, void *user)
{
    if (rec) {
        rec->next_fn = fn;
        rec->next_user = fn ? user : NULL;
    }
}

dt_status dt_rec_attach(dt_recorder *rec, dt_session *s, const dt_tree *tree, int64_t sid,
                        const char *uuid, int64_t next_seq, dt_error *err)
{
    (void)err;
    rec->session = s;
    rec->tree = tree;
    rec->sid = sid;
    memcpy(rec->uuid, uuid, 37);
    rec->next_seq = next_seq;
    rec->told_ms = 0; /* a new session: the board hears of it at its first write */
    rec->failed = 0;
    rec->lost = 0;
    rec->msg[0] = '\0';
    dt_rec_spool_attached(rec);
    dt_session_set_observer(s, dt_rec_observer, rec);
    return DT_OK;
}

void dt_rec_detach(dt_recorder *rec)
{
    if (rec->session)
        dt_session_set_observer(rec->session, NULL, NULL);
    rec->session = NULL;
    rec->tree = NULL;
    rec->sid = 0;
    rec->uuid[0] = '\0';
}

/* Variables set before start (--var options) raise no event; record the ones that differ from
 * their default as "set" events marked "initial" so that resume can set them again. */
int dt_rec_queue_initial_vars(dt_recorder *rec)
{
    size_t n = dt_session_var_count(rec->session);
    for (size_t i = 0; i < n; i++) {
        const dt_var_view *v = dt_session_var(rec->session, i);
        if (!v || !v->is_set)
            continue;
        const char *def = dt_tree_var_default(rec->tree, v->name);
        int sensitive = dt_tree_var_sensitive(rec->tree, v->name);
        if (def && strcmp(def, v->value) == 0)
            continue;
        dt_rec_pending *p = push(rec);
        if (!p)
            return -1;
        p->ev.kind = dt_event_kind_name(DT_EV_SET);
        p->ev.var = v->name;
        p->ev.value = sensitive ? VALUE_REDACTED : v->value;
        p->ev.extra = "initial";
        p->ev.time_ms = dt_rec_now(rec);
        p->ev.sensitive = sensitive;
        if (sensitive)
            p->box = dt_rec_seal_take(rec, v->name);
        if (commit_entry(rec, p) != 0)
            return -1;
    }
    return 0;
}
