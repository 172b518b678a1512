/*
 * record_resume.c — continue a recorded session: rebuild it on the current tree by replaying the
 * recorded actions along its final path (no observer attached, so nothing is recorded twice), check
 * after every action that the walk lands on exactly the recorded entries, then attach the recorder
 * to the same session id and record a handoff.  Sensitive inputs were never stored: replay stops at
 * the first one, and what was recorded after it is dropped (counted, and said in the note).
 */
#include "error.h"
#include "mem.h"
#include "record.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct replay {
    dt_recorder *rec;
    const dt_tree *tree;
    dt_rec_log log;
    dt_session *s;
    dt_rec_resume *info;
    const dt_record_meta *meta; /* its unseal function opens sealed sensitive answers */
    char changed[160];   /* "" or the sentence saying the tree changed */
    int64_t when;        /* the session's clock while it replays (replay_clock) */
} replay;

static const dt_rec_event *entry(const replay *r, size_t k)
{
    return &r->log.ev[r->log.path[k]];
}

static dt_status refuse(replay *r, dt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static dt_status refuse(replay *r, dt_error *err, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return dt_err_error(err, DT_EINVALID, NULL, 0, 0, "record-resume", "cannot resume: %s%s", why,
                        r->changed);
}

/* The rebuilt session's path must be the recorded one as far as both go.  It may go further only
 * when the recording was cut inside an action (a crash between its events: the answer recorded,
 * the steps after it not) or, on an unchanged tree, wherever the same walk goes (the replay is then
 * deterministic).  On a changed tree, going past a recorded step that waited for an answer means
 * the walk changed: refused. */
static dt_status check_landing(replay *r, size_t have, dt_error *err)
{
    size_t n = have < r->log.npath ? have : r->log.npath;
    for (size_t k = 0; k < n; k++) {
        const dt_rec_event *e = entry(r, k);
        const dt_path_entry *p = dt_session_path_get(r->s, k);
        if (!p)
            return refuse(r, err, "the walk now stops before step '%s' (tree '%s')", e->step_id,
                          e->tree_id);
        if (strcmp(p->step_id, e->step_id) != 0 || strcmp(p->tree_id, e->tree_id) != 0)
            return refuse(r, err, "the walk now reaches step '%s' where step '%s' was recorded",
                          p->step_id, e->step_id);
    }
    if (have <= r->log.npath || !r->info->tree_changed)
        return DT_OK;
    size_t last = r->log.npath - 1;
    const dt_rec_event *e = entry(r, last);
    if (r->log.answer[last] == -1 && dt_rec_interactive_kind(e->step_kind))
        return refuse(r, err, "the walk now goes past step '%s'", e->step_id);
    return DT_OK;
}

static dt_status choose_id(replay *r, const char *choice_id, dt_error *err)
{
    const dt_view *v = dt_session_view(r->s);
    for (size_t i = 0; v && i < v->choice_count; i++)
        if (strcmp(v->choices[i].id, choice_id) == 0)
            return dt_session_choose(r->s, i, err);
    return refuse(r, err, "choice '%s' is no longer offered at step '%s'", choice_id,
                  v ? v->step_id : "?");
}

/* The notes the agent kept at path entry k (recorded while the path was k + 1 entries long,
 * between its step and the next entry's): the case summary shows them, so give them again. */
static dt_status replay_notes(replay *r, size_t k, dt_error *err)
{
    size_t from = r->log.path[k] + 1;
    size_t to = k + 1 < r->log.npath ? r->log.path[k + 1] : r->log.n;
    for (size_t i = from; i < to; i++) {
        const dt_rec_event *e = &r->log.ev[i];
        if (dt_rec_kind_from_name(e->kind) != DT_RK_NOTE || e->path_length != k + 1)
            continue;
        dt_status st = dt_session_note(r->s, e->text, err);
        if (st != DT_OK)
            return st;
    }
    return DT_OK;
}

/* A sensitive answer was recorded redacted: give it again from its sealed box when the caller can
 * open it, else stop here (the person is asked again). */
static dt_status sealed_input(replay *r, const dt_rec_event *ans, int *stop, dt_error *err)
{
    char clear[4096];
    dt_status st = DT_EANSWER;
    dt_error *quiet = dt_error_new(); /* a refusal stops the replay; it is not an error */
    if (quiet && dt_rec_unseal(r->rec, r->meta, ans->seq, ans->var, clear, sizeof clear) == 0)
        st = dt_session_input(r->s, clear, quiet);
    dt_rec_wipe(clear, sizeof clear);
    dt_error_free(quiet);
    if (st == DT_ENOMEM)
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    if (st != DT_OK) {
        *stop = 1;
        r->info->stopped_sensitive = 1;
    }
    return DT_OK;
}

/* Replay what was done at entry k, where the walk stopped; *stop set when the replay ends here. */
static dt_status act(replay *r, size_t k, int *stop, dt_error *err)
{
    const dt_rec_event *e = entry(r, k);
    unsigned char next_mark = k + 1 < r->log.npath ? r->log.mark[k + 1] : 0;
    long a = r->log.answer[k];
    dt_status st = replay_notes(r, k, err);
    if (st != DT_OK)
        return st;
    if (next_mark == REC_MARK_RESTART)
        return dt_session_restart(r->s, err);
    if (next_mark == REC_MARK_JUMP)
        return dt_session_jump(r->s, entry(r, k + 1)->tree_id, entry(r, k + 1)->step_id, err);
    if (a < 0) {
        *stop = 1;
        return k + 1 == r->log.npath ? DT_OK
                                     : refuse(r, err, "the recording is inconsistent after step "
                                                      "'%s'", e->step_id);
    }
    const dt_rec_event *ans = &r->log.ev[a];
    dt_step_kind kind = DT_STEP_INPUT;
    if (dt_step_kind_from_name(e->step_kind, &kind) != DT_OK)
        return refuse(r, err, "step '%s' has an unknown kind in the recording", e->step_id);
    if (kind == DT_STEP_QUESTION)
        return choose_id(r, ans->choice_id, err);
    /* info, and the end of a called tree shown with its closing words: both are continued */
    if (kind == DT_STEP_INFO || kind == DT_STEP_END)
        return dt_session_continue(r->s, err);
    if (ans->sensitive)
        return sealed_input(r, ans, stop, err);
    return dt_session_input(r->s, ans->value, err);
}

/* Acted entries after k: what a stop at k leaves out. */
static size_t count_dropped(const replay *r, size_t k)
{
    size_t n = 0;
    for (size_t j = k; j < r->log.npath; j++)
        n += r->log.answer[j] != -1 || (j > k && r->log.mark[j] != 0);
    return n;
}

/* A sensitive value given before the start, from its sealed box (left unset without one). */
static dt_status sealed_var(replay *r, const dt_rec_event *e, dt_error *err)
{
    char clear[4096];
    dt_status st = DT_OK;
    if (dt_rec_unseal(r->rec, r->meta, e->seq, e->var, clear, sizeof clear) == 0) {
        dt_error *quiet = dt_error_new();
        st = quiet ? dt_session_set_var(r->s, e->var, clear, quiet) : DT_ENOMEM;
        dt_error_free(quiet);
    }
    dt_rec_wipe(clear, sizeof clear);
    return st == DT_ENOMEM ? dt_err_error(err, DT_ENOMEM, NULL, 0, 0, NULL, "out of memory")
                           : DT_OK;
}

/* The values given before the start (recorded as "set" events marked "initial"), in order. */
static dt_status apply_initial_vars(replay *r, dt_error *err)
{
    for (size_t i = 0; i < r->log.n; i++) {
        const dt_rec_event *e = &r->log.ev[i];
        if (strcmp(e->kind, dt_event_kind_name(DT_EV_START)) == 0)
            break; /* only the leading block, before the start */
        if (strcmp(e->kind, dt_event_kind_name(DT_EV_SET)) != 0 ||
            strcmp(e->extra, "initial") != 0)
            continue;
        dt_status st = e->sensitive ? sealed_var(r, e, err)
                                    : dt_session_set_var(r->s, e->var, e->value, err);
        if (st != DT_OK)
            return st;
    }
    return DT_OK;
}

/* While it replays, the session's clock reads the recorded time of the entry the next action
 * leads to: the path keeps the times the call was taken at, not the moment it was resumed (every
 * entry had the resume's time, and a call moved to another instance showed a CRM that), and a
 * date input's "today" is the day it was answered, so an answer valid then replays. */
static int64_t replay_clock(void *user)
{
    return ((const replay *)user)->when;
}

/* The time of what acting at entry k led to: entry k + 1, else the answer (or keep the last). */
static void clock_at(replay *r, size_t k)
{
    if (k + 1 < r->log.npath)
        r->when = entry(r, k + 1)->time_ms;
    else if (r->log.answer[k] >= 0)
        r->when = r->log.ev[r->log.answer[k]].time_ms;
}

/* Start, then act at each step where the walk stops, until the recorded path is used up.  The
 * engine decides where a walk stops (a called tree's end without words is passed through, one
 * with words is shown), so the replay follows it rather than guessing from the recorded kinds.
 * Every action adds at least one path entry, so this takes at most npath actions. */
static dt_status walk_path(replay *r, dt_error *err)
{
    dt_status st = apply_initial_vars(r, err);
    if (r->log.npath > 0)
        r->when = entry(r, 0)->time_ms;
    if (st == DT_OK)
        st = dt_session_start(r->s, err);
    if (st != DT_OK || r->log.npath == 0)
        return st;
    size_t before = 0;
    for (;;) {
        size_t have = dt_session_path_count(r->s);
        if (have <= before)
            return refuse(r, err, "the recording is inconsistent at step '%s'",
                          entry(r, before - 1)->step_id);
        if ((st = check_landing(r, have, err)) != DT_OK || have > r->log.npath)
            return st;
        int stop = 0;
        clock_at(r, have - 1);
        st = act(r, have - 1, &stop, err);
        if (st != DT_OK)
            return st;
        if (stop) {
            if (r->info->stopped_sensitive)
                r->info->dropped = count_dropped(r, have - 1);
            return DT_OK;
        }
        r->info->replayed++;
        before = have;
    }
}

/* The recorded path walked again on the replay's clock; the real clock back after it. */
static dt_status replay_path(replay *r, dt_error *err)
{
    r->when = dt_rec_now(r->rec);
    dt_session_set_clock(r->s, replay_clock, r);
    dt_status st = walk_path(r, err);
    dt_session_set_clock(r->s, NULL, NULL);
    return st;
}

/* Every step on the recorded path must still exist in the (changed) tree. */
static dt_status check_steps_exist(replay *r, dt_error *err)
{
    for (size_t k = 0; k < r->log.npath; k++) {
        const dt_rec_event *e = entry(r, k);
        if (!dt_tree_step_title(r->tree, e->tree_id, e->step_id))
            return refuse(r, err, "step '%s' of tree '%s' on the recorded path no longer exists",
                          e->step_id, e->tree_id);
    }
    return DT_OK;
}

typedef struct row {
    int64_t sid;
    int64_t left_ms; /* when the previous part ended: its end, else its last event */
    dt_rec_status status;
    char tree_id[256], hash[32], agent[128];
} row;

/* A hostile file may hold NULL where the schema says NOT NULL: read as "" (rdb_col_str). */
static dt_status read_row(dt_recorder *rec, const char *id, row *o, dt_error *err)
{
    rdb_stmt *st = NULL;
    int rc = rdb_prepare(rec->db, "SELECT sid, tree_id, tree_hash, status, agent,"
                                  " coalesce(ended_ms, last_ms) FROM sessions WHERE uuid = $1",
                         &st);
    int known = 1;
    rc = rc ? rc : rdb_bind_text(st, 1, id);
    if (rc == RDB_OK && (rc = rdb_step(st)) == RDB_ROW) {
        o->sid = rdb_col_i64(st, 0);
        snprintf(o->tree_id, sizeof o->tree_id, "%s", rdb_col_str(st, 1));
        snprintf(o->hash, sizeof o->hash, "%s", rdb_col_str(st, 2));
        known = dt_rec_status_from_name(rdb_col_str(st, 3), &o->status) == DT_OK;
        snprintf(o->agent, sizeof o->agent, "%s", rdb_col_str(st, 4));
        o->left_ms = dt_rec_col_ms(st, 5);
    }
    rdb_finalize(st);
    if (rc == RDB_ROW && !known) /* a damaged file: never guess what the session is */
        return dt_err_error(err, DT_EINVALID, rec->path, 0, 0, "record-resume",
                            "cannot resume: the recording is damaged (the session's status is "
                            "not one dtree records)");
    if (rc == RDB_ROW)
        return DT_OK;
    return rc == RDB_DONE ? dt_err_error(err, DT_ENOTFOUND, rec->path, 0, 0, "record",
                                         "no recorded session has the id '%s'", id)
                          : dt_rec_sqlerr(rec, err, rc, "reading the session");
}

static dt_status check_resumable(dt_recorder *rec, const row *w, const dt_tree *tree,
                                 dt_error *err)
{
    if (rec->session || (rec->flags & DT_REC_READONLY))
        return dt_err_error(err, DT_ESTATE, rec->path, 0, 0, "record",
                            rec->session ? "the recorder already records a session"
                                         : "the database was opened read-only");
    if (w->status == DT_REC_COMPLETED)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, "record-resume",
                            "cannot resume: the session is already completed");
    if (strcmp(w->tree_id, dt_tree_id(tree)) != 0)
        return dt_err_error(err, DT_EINVALID, NULL, 0, 0, "record-resume",
                            "cannot resume: the session was recorded on tree '%s', not '%s'",
                            w->tree_id, dt_tree_id(tree));
    return DT_OK;
}

static void write_note(replay *r)
{
    dt_rec_resume *i = r->info;
    const dt_view *v = dt_session_view(r->s);
    char *note = r->rec->resume_note;
    size_t size = sizeof r->rec->resume_note;
    i->note = note;
    size_t n = (size_t)snprintf(note, size, "%s",
                                r->changed[0] ? "The tree changed since the session was recorded; "
                                                "the recorded path still holds. " : "");
    if (i->stopped_sensitive && n < size)
        snprintf(note + n, size - n,
                 "'%s' is sensitive and was not recorded: ask it again at step '%s'%s.",
                 v && v->var ? v->var : "?", v ? v->step_id : "?",
                 i->dropped ? "; the answers recorded after it are dropped" : "");
}

static dt_status attach_resumed(replay *r, const row *w, const char *id, const char *agent,
                                int took_over, dt_error *err)
{
    dt_recorder *rec = r->rec;
    int64_t last = r->log.n ? r->log.ev[r->log.n - 1].seq : 0;
    if (last < 0 || last > INT64_MAX / 2) /* a damaged file: the next seq must not overflow */
        return dt_err_error(err, DT_EINVALID, rec->path, 0, 0, "record-resume",
                            "cannot resume: the recording is damaged (event number %lld)",
                            (long long)last);
    int64_t next = last + 1;
    dt_rec_attach(rec, r->s, r->tree, w->sid, id, next, err);
    if (r->meta && r->meta->same_part && !took_over && strcmp(agent, w->agent) == 0 &&
        w->status == DT_REC_ACTIVE)
        return DT_OK; /* nobody new takes the call: nothing to record */
    const dt_view *v = dt_session_view(r->s);
    /* Talk time (REC_TALK_MS, record.h): the hand-off keeps in `value` when the previous part
     * ended, so that the wait until this resume is not counted as time on the call. */
    char left[24];
    snprintf(left, sizeof left, "%lld", (long long)w->left_ms);
    int bad = dt_rec_queue(rec, dt_rec_kind_name(DT_RK_HANDOFF), v->tree_id, v->step_id, agent, w->agent,
                           took_over ? "take-over" : NULL) != 0;
    dt_rec_pending *p = bad ? NULL : &rec->pend[rec->npend - 1];
    char *val = p ? dt_strdup(left) : NULL;
    if (val)
        p->ev.value = val; /* was the static "" (dt_rec_row_own), now owned like the others */
    if (!val || dt_rec_write_pending(rec) != 0) {
        dt_status st = dt_err_error(err, DT_EIO, rec->path, 0, 0, "record", "%s",
                                    rec->failed ? rec->msg : "out of memory");
        dt_rec_pending_clear(rec);
        dt_rec_claim_release(rec);
        dt_rec_detach(rec);
        return st;
    }
    return DT_OK;
}

dt_status dt_recorder_resume(dt_recorder *rec, const char *id, const dt_tree *tree,
                             const dt_record_meta *meta, dt_session **out, dt_rec_resume *info,
                             dt_error *err)
{
    if (!rec || !id || !tree || !out)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "resume: argument missing");
    *out = NULL;
    dt_rec_resume scratch = {0};
    replay r = {.rec = rec, .tree = tree, .info = info ? info : &scratch, .meta = meta};
    memset(r.info, 0, sizeof *r.info);
    r.info->previous_agent = r.info->note = "";
    row w = {0}; /* read_row fills it on DT_OK; zeroed so no path can read it unset */
    dt_status st = read_row(rec, id, &w, err);
    st = st ? st : check_resumable(rec, &w, tree, err);
    if (st != DT_OK)
        return st;
    dt_free(rec->resume_agent);
    rec->resume_note[0] = '\0';
    r.info->note = rec->resume_note;
    if (!(rec->resume_agent = dt_strdup(w.agent)))
        return dt_err_error(err, DT_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    r.info->previous_agent = rec->resume_agent;
    r.info->tree_changed = strcmp(w.hash, dt_tree_hash(tree)) != 0;
    if (r.info->tree_changed)
        snprintf(r.changed, sizeof r.changed, " (the tree file changed since the session was "
                                              "recorded: hash %s, now %s)", w.hash,
                 dt_tree_hash(tree));
    const char *agent = meta && meta->agent ? meta->agent : "";
    int took_over = 0;
    rec->sid = w.sid; /* one agent at a time: claimed before anything is replayed */
    st = dt_rec_claim(rec, w.sid, agent, meta && meta->take_over, &took_over, err);
    if (st != DT_OK) {
        rec->sid = 0;
        return st;
    }
    st = dt_rec_log_load(rec, w.sid, &r.log, err);
    if (st != DT_OK) {
        dt_rec_claim_release(rec);
        rec->sid = 0;
        return st;
    }
    if (r.info->tree_changed)
        st = check_steps_exist(&r, err);
    st = st ? st : dt_session_new(tree, &r.s, err);
    st = st ? st : replay_path(&r, err);
    if (st == DT_OK && dt_session_ended(r.s))
        st = dt_err_error(err, DT_ESTATE, NULL, 0, 0, "record-resume",
                          "cannot resume: the session already reached its end");
    st = st ? st : attach_resumed(&r, &w, id, agent, took_over, err);
    if (st == DT_OK)
        write_note(&r);
    r.info->took_over = took_over;
    dt_rec_log_free(&r.log);
    if (st != DT_OK) {
        if (!rec->session) { /* attach_resumed releases what it attached itself */
            dt_rec_claim_release(rec);
            rec->sid = 0;
        }
        dt_session_free(r.s);
        return st;
    }
    *out = r.s;
    return DT_OK;
}
