/*
 * record_write.c — the observer that writes every event of the recorded session.
 * Each event is copied into the pending queue, then the whole queue is written in ONE transaction
 * (BEGIN IMMEDIATE ... COMMIT) before the observer returns, i.e. before the engine call returns and
 * the next step is shown.  The queue is emptied only after COMMIT succeeds: a failure leaves every
 * event queued, in order, for the next attempt.  Sensitive values are redacted here once more.
 */
#include "mem.h"
#include "model.h"
#include "record.h"
#include "value.h"
#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {"start", "step", "answer", "set",  "back",
                                         "restart", "jump", "note", "end"};

static const char *kind_name(dt_event_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "unknown";
}

static int interactive(const char *kind, const char *step_kind)
{
    if (strcmp(kind, "end") == 0)
        return 1;
    return strcmp(kind, "step") == 0 &&
           (strcmp(step_kind, "question") == 0 || strcmp(step_kind, "info") == 0 ||
            strcmp(step_kind, "input") == 0);
}

/* The engine already redacts; we check against the tree too, so a clear value can never slip in. */
static int is_sensitive(const dt_recorder *rec, const dt_event *ev)
{
    if (ev->sensitive)
        return 1;
    if (!ev->var || !*ev->var || !rec->tree)
        return 0;
    uint32_t v = dt_tree_find_var(rec->tree, ev->var);
    return v != DT_NONE && DT_VAR(rec->tree, v)->sensitive;
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
    for (int i = 0; i < DT_REC_NFIELDS; i++)
        dt_free(p->f[i]);
}

void dt_rec_pending_clear(dt_recorder *rec)
{
    for (size_t i = 0; i < rec->npend; i++)
        pending_free(&rec->pend[i]);
    rec->npend = 0;
}

/* Copy the strings; commits the entry only when every copy succeeded. */
static int commit_entry(dt_recorder *rec, dt_rec_pending *p, const char *const src[DT_REC_NFIELDS])
{
    for (int i = 0; i < DT_REC_NFIELDS; i++) {
        if (!(p->f[i] = dt_strdup(src[i] ? src[i] : ""))) {
            pending_free(p);
            return -1;
        }
    }
    p->seq = rec->next_seq++;
    rec->npend++;
    return 0;
}

static int queue_event(dt_recorder *rec, const dt_event *ev)
{
    dt_rec_pending *p = push(rec);
    if (!p)
        return -1;
    int sens = is_sensitive(rec, ev);
    const char *red = DT_REDACTED;
    const char *label = ev->label, *value = ev->value;
    if (sens) {
        label = label && *label ? red : label;
        value = value && *value ? red : value;
    }
    const char *src[DT_REC_NFIELDS] = {
        kind_name(ev->kind), ev->tree_id, ev->step_id, dt_step_kind_name(ev->step_kind),
        ev->choice_id,       label,       ev->var,     value,
        ev->text,            ev->outcome, NULL};
    if (ev->kind != DT_EV_STEP && ev->kind != DT_EV_ANSWER && ev->kind != DT_EV_END)
        src[3] = NULL; /* step_kind only means something for steps and answers */
    p->time_ms = ev->time_ms;
    p->sensitive = sens;
    p->path_length = (int64_t)ev->path_length;
    return commit_entry(rec, p, src);
}

int dt_rec_queue(dt_recorder *rec, const char *kind, const char *tree_id, const char *step_id,
                 const char *text, const char *label)
{
    dt_rec_pending *p = push(rec);
    if (!p)
        return -1;
    const char *src[DT_REC_NFIELDS] = {kind, tree_id, step_id, NULL, NULL, label,
                                       NULL, NULL,    text,    NULL, NULL};
    p->time_ms = dt_rec_now(rec);
    p->path_length = rec->session ? (int64_t)dt_session_path_count(rec->session) : 0;
    return commit_entry(rec, p, src);
}

static const char ins_sql[] =
    "INSERT INTO events(sid, seq, time_ms, kind, tree_id, step_id, step_kind, choice_id, label,"
    " var, value, text, outcome, extra, sensitive, path_length)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
/* ?1 time ?2 counts as a step ?3 tree ?4 step ?5 kind ?6 outcome ?7 reopens ?8 sid ?9 text */
static const char upd_sql[] =
    "UPDATE sessions SET last_ms = max(last_ms, ?1), events = events + 1, steps = steps + ?2,"
    " last_tree = CASE WHEN ?2 THEN ?3 ELSE last_tree END,"
    " last_step = CASE WHEN ?2 THEN ?4 ELSE last_step END,"
    " agent = CASE WHEN ?5 = 'handoff' THEN ?9 ELSE agent END,"
    " status = CASE WHEN ?5 = 'end' THEN 'completed' WHEN ?7 THEN 'active' ELSE status END,"
    " ended_ms = CASE WHEN ?5 = 'end' THEN ?1 WHEN ?7 THEN NULL ELSE ended_ms END,"
    " outcome = CASE WHEN ?5 = 'end' THEN ?6 WHEN ?7 THEN '' ELSE outcome END"
    " WHERE sid = ?8";

static int bind_insert(dt_recorder *rec, sqlite3_stmt *st, const dt_rec_pending *p)
{
    int rc = sqlite3_bind_int64(st, 1, rec->sid);
    rc = rc ? rc : sqlite3_bind_int64(st, 2, p->seq);
    rc = rc ? rc : sqlite3_bind_int64(st, 3, p->time_ms);
    for (int i = 0; rc == SQLITE_OK && i < DT_REC_NFIELDS; i++)
        rc = sqlite3_bind_text(st, 4 + i, p->f[i], -1, SQLITE_STATIC);
    rc = rc ? rc : sqlite3_bind_int(st, 15, p->sensitive);
    rc = rc ? rc : sqlite3_bind_int64(st, 16, p->path_length);
    return rc;
}

static int bind_update(dt_recorder *rec, sqlite3_stmt *st, const dt_rec_pending *p)
{
    const char *kind = p->f[F_KIND];
    int reopen = strcmp(kind, "back") == 0 || strcmp(kind, "restart") == 0 ||
                 strcmp(kind, "jump") == 0 || strcmp(kind, "handoff") == 0;
    int rc = sqlite3_bind_int64(st, 1, p->time_ms);
    rc = rc ? rc : sqlite3_bind_int(st, 2, interactive(kind, p->f[F_SKIND]));
    rc = rc ? rc : sqlite3_bind_text(st, 3, p->f[F_TREE], -1, SQLITE_STATIC);
    rc = rc ? rc : sqlite3_bind_text(st, 4, p->f[F_STEP], -1, SQLITE_STATIC);
    rc = rc ? rc : sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
    rc = rc ? rc : sqlite3_bind_text(st, 6, p->f[F_OUTCOME], -1, SQLITE_STATIC);
    rc = rc ? rc : sqlite3_bind_int(st, 7, reopen);
    rc = rc ? rc : sqlite3_bind_int64(st, 8, rec->sid);
    rc = rc ? rc : sqlite3_bind_text(st, 9, p->f[F_TEXT], -1, SQLITE_STATIC);
    return rc;
}

static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int write_all(dt_recorder *rec)
{
    int rc = SQLITE_OK;
    if (!rec->ins_event)
        rc = sqlite3_prepare_v3(rec->db, ins_sql, -1, SQLITE_PREPARE_PERSISTENT, &rec->ins_event,
                                NULL);
    if (rc == SQLITE_OK && !rec->upd_session)
        rc = sqlite3_prepare_v3(rec->db, upd_sql, -1, SQLITE_PREPARE_PERSISTENT,
                                &rec->upd_session, NULL);
    if (rc == SQLITE_OK)
        rc = dt_rec_exec(rec, "BEGIN IMMEDIATE");
    for (size_t i = 0; rc == SQLITE_OK && i < rec->npend; i++) {
        rc = bind_insert(rec, rec->ins_event, &rec->pend[i]);
        rc = rc ? rc : run(rec->ins_event);
        rc = rc ? rc : bind_update(rec, rec->upd_session, &rec->pend[i]);
        rc = rc ? rc : run(rec->upd_session);
    }
    if (rc == SQLITE_OK)
        rc = dt_rec_exec(rec, "COMMIT");
    return rc;
}

int dt_rec_write_pending(dt_recorder *rec)
{
    if (rec->npend == 0)
        return 0;
    int rc = write_all(rec);
    if (rc == SQLITE_OK) {
        dt_rec_pending_clear(rec);
        rec->failed = 0;
        rec->msg[0] = '\0';
        return 0;
    }
    char what[96];
    snprintf(what, sizeof what, "recording failed, %zu event%s kept in memory", rec->npend,
             rec->npend == 1 ? "" : "s");
    dt_rec_sqlmsg(rec, rc, what, rec->msg, sizeof rec->msg);
    if (!sqlite3_get_autocommit(rec->db))
        dt_rec_exec(rec, "ROLLBACK");
    rec->failed = 1;
    return -1;
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
                 "recording failed: out of memory, a %s event was lost", kind_name(ev->kind));
    } else {
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
    rec->failed = 0;
    rec->msg[0] = '\0';
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
        uint32_t vi = v ? dt_tree_find_var(rec->tree, v->name) : DT_NONE;
        if (!v || !v->is_set || vi == DT_NONE)
            continue;
        const dt_var_rec *r = DT_VAR(rec->tree, vi);
        const char *def = dt_value_display((dt_var_type)r->type, DT_S(rec->tree, r->def));
        if (r->has_default && strcmp(def, v->value) == 0)
            continue;
        dt_rec_pending *p = push(rec);
        if (!p)
            return -1;
        const char *src[DT_REC_NFIELDS] = {"set", NULL, NULL, NULL, NULL, NULL, v->name,
                                           r->sensitive ? DT_REDACTED : v->value,
                                           NULL, NULL, "initial"};
        p->time_ms = dt_rec_now(rec);
        p->sensitive = r->sensitive;
        if (commit_entry(rec, p, src) != 0)
            return -1;
    }
    return 0;
}
