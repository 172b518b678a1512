/*
 * record_resume.c — continue a recorded session: rebuild it on the current tree by replaying the
 * recorded actions along its final path (no observer attached, so nothing is recorded twice), check
 * after every action that the walk lands on exactly the recorded entries, then attach the recorder
 * to the same session id and record a handoff.  Sensitive inputs were never stored: replay stops at
 * the first one, and what was recorded after it is dropped (counted, and said in the note).
 */
#include "error.h"
#include "mem.h"
#include "model.h"
#include "record.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct replay {
    dt_recorder *rec;
    const dt_tree *tree;
    dt_rec_log log;
    dt_session *s;
    dt_rec_resume *info;
    char changed[160];   /* "" or the sentence saying the tree changed */
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

/* Entries 0..upto of the rebuilt session must be the recorded ones; `exact`: and no more (a
 * recording cut short by a crash between the events of one action ends early: not exact). */
static dt_status check_landing(replay *r, size_t upto, int exact, dt_error *err)
{
    size_t have = dt_session_path_count(r->s);
    for (size_t k = 0; k <= upto; k++) {
        const dt_rec_event *e = entry(r, k);
        const dt_path_entry *p = k < have ? dt_session_path_get(r->s, k) : NULL;
        if (!p)
            return refuse(r, err, "the walk now stops before step '%s' (tree '%s')", e->step_id,
                          e->tree_id);
        if (strcmp(p->step_id, e->step_id) != 0 || strcmp(p->tree_id, e->tree_id) != 0)
            return refuse(r, err, "the walk now reaches step '%s' where step '%s' was recorded",
                          p->step_id, e->step_id);
    }
    return !exact || have == upto + 1
               ? DT_OK
               : refuse(r, err, "the walk now goes past step '%s'", entry(r, upto)->step_id);
}

static size_t next_interactive(const replay *r, size_t k)
{
    while (++k < r->log.npath && !dt_rec_interactive_kind(entry(r, k)->step_kind) &&
           strcmp(entry(r, k)->step_kind, "end") != 0)
        ;
    return k;
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

/* Replay what was done at interactive entry k; *stop set when the replay must end here. */
static dt_status act(replay *r, size_t k, int *stop, dt_error *err)
{
    const dt_rec_event *e = entry(r, k);
    unsigned char next_mark = k + 1 < r->log.npath ? r->log.mark[k + 1] : 0;
    long a = r->log.answer[k];
    if (next_mark == DT_REC_MARK_RESTART)
        return dt_session_restart(r->s, err);
    if (next_mark == DT_REC_MARK_JUMP)
        return dt_session_jump(r->s, entry(r, k + 1)->tree_id, entry(r, k + 1)->step_id, err);
    if (a < 0) {
        *stop = 1;
        return k + 1 == r->log.npath ? DT_OK
                                     : refuse(r, err, "the recording is inconsistent after step "
                                                      "'%s'", e->step_id);
    }
    const dt_rec_event *ans = &r->log.ev[a];
    if (strcmp(e->step_kind, "question") == 0)
        return choose_id(r, ans->choice_id, err);
    if (strcmp(e->step_kind, "info") == 0)
        return dt_session_continue(r->s, err);
    if (ans->sensitive) {
        *stop = 1;
        r->info->stopped_sensitive = 1;
        return DT_OK;
    }
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

static dt_status apply_initial_vars(replay *r, dt_error *err)
{
    for (size_t i = 0; i < r->log.n; i++) {
        const dt_rec_event *e = &r->log.ev[i];
        if (strcmp(e->kind, "set") != 0 || strcmp(e->text, "") != 0 || e->sensitive ||
            strcmp(e->step_id, "") != 0)
            continue;
        if (i > 0 && strcmp(r->log.ev[i - 1].kind, "set") != 0)
            break; /* only the leading block, before the start */
        dt_status st = dt_session_set_var(r->s, e->var, e->value, err);
        if (st != DT_OK)
            return st;
    }
    return DT_OK;
}

static dt_status replay_path(replay *r, dt_error *err)
{
    dt_status st = apply_initial_vars(r, err);
    if (st == DT_OK)
        st = dt_session_start(r->s, err);
    if (st != DT_OK || r->log.npath == 0)
        return st;
    size_t k = next_interactive(r, (size_t)-1);
    if (k >= r->log.npath)
        return check_landing(r, r->log.npath - 1, 0, err);
    st = check_landing(r, k, 1, err);
    int stop = 0;
    while (st == DT_OK && !stop) {
        st = act(r, k, &stop, err);
        if (st != DT_OK || stop)
            break;
        r->info->replayed++;
        size_t m = next_interactive(r, k);
        if (m >= r->log.npath) /* the answer was recorded, the steps after it were not shown */
            return check_landing(r, r->log.npath - 1, 0, err);
        st = check_landing(r, m, 1, err);
        k = m;
    }
    if (st == DT_OK && r->info->stopped_sensitive)
        r->info->dropped = count_dropped(r, k);
    return st;
}

/* Every step on the recorded path must still exist in the (changed) tree. */
static dt_status check_steps_exist(replay *r, dt_error *err)
{
    for (size_t k = 0; k < r->log.npath; k++) {
        const dt_rec_event *e = entry(r, k);
        if (dt_rec_find_step(r->tree, e->tree_id, e->step_id) == DT_NONE)
            return refuse(r, err, "step '%s' of tree '%s' on the recorded path no longer exists",
                          e->step_id, e->tree_id);
    }
    return DT_OK;
}

typedef struct row {
    int64_t sid;
    char tree_id[256], hash[32], status[16], agent[128];
} row;

static dt_status read_row(dt_recorder *rec, const char *id, row *o, dt_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(rec->db, "SELECT sid, tree_id, tree_hash, status, agent FROM"
                                         " sessions WHERE uuid = ?1", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        o->sid = sqlite3_column_int64(st, 0);
        snprintf(o->tree_id, sizeof o->tree_id, "%s", sqlite3_column_text(st, 1));
        snprintf(o->hash, sizeof o->hash, "%s", sqlite3_column_text(st, 2));
        snprintf(o->status, sizeof o->status, "%s", sqlite3_column_text(st, 3));
        snprintf(o->agent, sizeof o->agent, "%s", sqlite3_column_text(st, 4));
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return DT_OK;
    return rc == SQLITE_DONE ? dt_err_error(err, DT_ENOTFOUND, rec->path, 0, 0, "record",
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
    if (strcmp(w->status, "completed") == 0)
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
    size_t n = (size_t)snprintf(i->note, sizeof i->note, "%s",
                                r->changed[0] ? "The tree changed since the session was recorded; "
                                                "the recorded path still holds. " : "");
    if (i->stopped_sensitive && n < sizeof i->note)
        snprintf(i->note + n, sizeof i->note - n,
                 "'%s' is sensitive and was not recorded: ask it again at step '%s'%s.",
                 v && v->var ? v->var : "?", v ? v->step_id : "?",
                 i->dropped ? "; the answers recorded after it are dropped" : "");
}

static dt_status attach_resumed(replay *r, const row *w, const char *id, const char *agent,
                                dt_error *err)
{
    dt_recorder *rec = r->rec;
    int64_t next = r->log.n ? r->log.ev[r->log.n - 1].seq + 1 : 1;
    dt_rec_attach(rec, r->s, r->tree, w->sid, id, next, err);
    const dt_view *v = dt_session_view(r->s);
    if (dt_rec_queue(rec, "handoff", v->tree_id, v->step_id, agent, w->agent) != 0 ||
        dt_rec_write_pending(rec) != 0) {
        dt_status st = dt_err_error(err, DT_EIO, rec->path, 0, 0, "record", "%s",
                                    rec->failed ? rec->msg : "out of memory");
        dt_rec_pending_clear(rec);
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
    dt_rec_resume scratch;
    replay r = {.rec = rec, .tree = tree, .info = info ? info : &scratch};
    memset(r.info, 0, sizeof *r.info);
    row w;
    dt_status st = read_row(rec, id, &w, err);
    st = st ? st : check_resumable(rec, &w, tree, err);
    if (st != DT_OK)
        return st;
    snprintf(r.info->previous_agent, sizeof r.info->previous_agent, "%s", w.agent);
    r.info->tree_changed = strcmp(w.hash, dt_tree_hash(tree)) != 0;
    if (r.info->tree_changed)
        snprintf(r.changed, sizeof r.changed, " (the tree file changed since the session was "
                                              "recorded: hash %s, now %s)", w.hash,
                 dt_tree_hash(tree));
    st = dt_rec_log_load(rec, w.sid, &r.log, err);
    if (st != DT_OK)
        return st;
    if (r.info->tree_changed)
        st = check_steps_exist(&r, err);
    st = st ? st : dt_session_new(tree, &r.s, err);
    st = st ? st : replay_path(&r, err);
    const char *agent = meta && meta->agent ? meta->agent : "";
    if (st == DT_OK && dt_session_ended(r.s))
        st = dt_err_error(err, DT_ESTATE, NULL, 0, 0, "record-resume",
                          "cannot resume: the session already reached its end");
    st = st ? st : attach_resumed(&r, &w, id, agent, err);
    if (st == DT_OK)
        write_note(&r);
    dt_rec_log_free(&r.log);
    if (st != DT_OK) {
        dt_session_free(r.s);
        return st;
    }
    *out = r.s;
    return DT_OK;
}
