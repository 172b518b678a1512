/*
 * session.c — the dt_session object: creation, transactions, events, notes, variables and the
 * read-only accessors.  Every public action runs as a transaction: changes go to the undo log, the
 * new view is built aside and events are queued; only a fully successful action is published.
 */
#include "error.h"
#include "mem.h"
#include "session.h"
#include "value.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t real_clock(void *user)
{
    (void)user;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

dt_status dt_sess_oom(dt_error *err)
{
    return dt_err_error(err, DT_ENOMEM, "<engine>", 0, 0, NULL, "out of memory");
}

typedef struct secrets {
    const dt_session *s;
    uint32_t next; /* the variable to look at next */
} secrets;

/* The i-th sensitive value that is set (i counts up from 0 on each message). */
static const char *next_secret(void *ud, size_t i)
{
    secrets *k = ud;
    if (i == 0)
        k->next = 0;
    for (; k->next < k->s->nvars; k->next++) {
        const dt_var_rec *r = M_VAR(k->s->t, k->next);
        if (r->sensitive && r->type != DT_VAR_BOOLEAN && k->s->vals[k->next])
            return k->s->vals[k->next++];
    }
    return NULL;
}

dt_status dt_sess_err(dt_session *s, dt_error *err, dt_status code, uint32_t unit, dt_pos pos,
                      const char *fmt, ...)
{
    const char *file = unit < s->t->units.len ? M_S(s->t, M_UNIT(s->t, unit)->path) : NULL;
    secrets k = {s, 0};
    va_list ap;
    va_start(ap, fmt);
    dt_status st = dt_err_vadd_secret(err, DT_SEV_ERROR, code, file, pos.line, pos.col, NULL,
                                      next_secret, &k, fmt, ap);
    va_end(ap);
    return st;
}

static const char *unset_text(dt_var_type type)
{
    return type == DT_VAR_NUMBER ? "0" : type == DT_VAR_BOOLEAN ? "false" : "";
}

const char *dt_sess_val(const dt_session *s, uint32_t v)
{
    return s->vals[v] ? s->vals[v] : unset_text((dt_var_type)M_VAR(s->t, v)->type);
}

const char *dt_sess_display(const dt_session *s, uint32_t v)
{
    const dt_var_rec *r = M_VAR(s->t, v);
    if (r->sensitive)
        return VALUE_MASK;
    return dt_value_display((dt_var_type)r->type, dt_sess_val(s, v));
}

dt_prec *dt_sess_tail(dt_session *s)
{
    return s->npath ? &s->path[s->npath - 1] : NULL;
}

static int lookup(void *ud, const char *name, dt_cond_value *out)
{
    const dt_session *s = ud;
    uint32_t v = dt_tree_find_var(s->t, name);
    if (v == M_NONE)
        return -1;
    out->type = (dt_var_type)M_VAR(s->t, v)->type;
    out->text = dt_sess_val(s, v);
    out->sensitive = M_VAR(s->t, v)->sensitive != 0;
    return 0;
}

/* Canonical copy of a default (the loader checked it; fall back to the text as written). */
static char *canon_copy(dt_var_type type, const char *in)
{
    size_t sz = strlen(in) + 32;
    char *out = dt_malloc(sz);
    const char *why;
    if (out && dt_value_parse(type, in, out, sz, &why) != 0)
        snprintf(out, sz, "%s", in);
    return out;
}

static int init_vars(dt_session *s)
{
    uint32_t n = s->nvars;
    s->vals = dt_calloc(n, sizeof *s->vals);
    s->init = dt_calloc(n, sizeof *s->init);
    s->is_set = dt_calloc(n, 1);
    s->init_set = dt_calloc(n, 1);
    s->vv = dt_calloc(n, sizeof *s->vv);
    if (!s->vals || !s->init || !s->is_set || !s->init_set || !s->vv)
        return -1;
    for (uint32_t v = 0; v < n; v++) {
        const dt_var_rec *r = M_VAR(s->t, v);
        if (!r->has_default)
            continue;
        s->init[v] = canon_copy((dt_var_type)r->type, M_S(s->t, r->def));
        s->vals[v] = s->init[v] ? dt_strdup(s->init[v]) : NULL;
        if (!s->vals[v])
            return -1;
        s->is_set[v] = s->init_set[v] = 1;
    }
    return 0;
}

dt_status dt_session_new(const dt_tree *tree, dt_session **out, dt_error *err)
{
    if (!out)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "dt_session_new: out is NULL");
    *out = NULL;
    if (!tree || tree->units.len == 0 || tree->steps.len == 0)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "dt_session_new: no tree");
    dt_session *s = dt_calloc(1, sizeof *s);
    if (!s)
        return dt_sess_oom(err);
    s->t = tree;
    s->nvars = tree->vars.len;
    s->clock = real_clock;
    if (init_vars(s) != 0 || !(s->env = dt_cond_env_new(lookup, s))) {
        dt_session_free(s);
        return dt_sess_oom(err);
    }
    *out = s;
    return DT_OK;
}

void dt_sess_prec_clear(dt_prec *p)
{
    if (p->flags & SESS_P_OWN_ANSWER)
        dt_free((char *)p->answer);
    for (uint32_t i = 0; i < p->nnotes; i++)
        dt_free(p->notes[i]);
    dt_free(p->notes);
    memset(p, 0, sizeof *p);
}

void dt_session_free(dt_session *s)
{
    if (!s)
        return;
    for (uint32_t v = 0; s->vals && v < s->nvars; v++)
        dt_free(s->vals[v]);
    for (uint32_t v = 0; s->init && v < s->nvars; v++)
        dt_free(s->init[v]);
    for (size_t i = 0; i < s->npath; i++)
        dt_sess_prec_clear(&s->path[i]);
    for (size_t i = 0; i < s->nundo; i++)
        dt_free(s->undo[i].old);
    dt_free(s->vals);
    dt_free(s->init);
    dt_free(s->is_set);
    dt_free(s->init_set);
    dt_free(s->vv);
    dt_free(s->path);
    dt_free(s->pub);
    dt_free(s->undo);
    dt_free(s->q);
    dt_free(s->sb);
    dt_sess_vbuf_free(&s->vb[0]);
    dt_sess_vbuf_free(&s->vb[1]);
    dt_cond_env_free(s->env);
    dt_free(s);
}

void dt_session_set_observer(dt_session *s, dt_observer_fn fn, void *user)
{
    if (!s)
        return;
    s->obs = fn;
    s->obs_user = user;
}

void dt_session_set_clock(dt_session *s, int64_t (*fn)(void *user), void *user)
{
    if (!s)
        return;
    s->clock = fn ? fn : real_clock;
    s->clock_user = fn ? user : NULL;
}

/* ---- transactions ---------------------------------------------------------------------------- */

void dt_txn_begin(dt_session *s, dt_txn *x)
{
    s->now = s->clock(s->clock_user);
    dt_cond_env_begin_action(s->env); /* each action has its own work budget (cond.h) */
    x->path_len = s->npath;
    x->undo_len = s->nundo;
    x->nq = s->nq;
    x->ended = s->ended;
    if (s->npath)
        x->tail = s->path[s->npath - 1];
    s->built = 0;
}

/* The events of one action go out together; all but the last say more follow, so that an observer
 * such as the recorder can write them in one transaction (one commit per answer, not per event). */
static void flush_queue(dt_session *s)
{
    for (size_t i = 0; i < s->nq; i++) {
        s->emit_more = i + 1 < s->nq;
        dt_sess_emit(s, &s->q[i]);
    }
    s->emit_more = 0;
    s->nq = 0;
}

/* Publish: the view built aside becomes current, then observers hear what happened. */
void dt_txn_commit(dt_session *s)
{
    if (s->built)
        s->cur ^= 1;
    s->built = 0;
    const dt_prec *tail = dt_sess_tail(s);
    s->ended = tail && M_STEP(s->t, tail->step)->kind == DT_STEP_END && s->depth == 0;
    flush_queue(s);
}

static void txn_abort(dt_session *s, const dt_txn *x)
{
    dt_sess_undo_to(s, x->undo_len);
    dt_sess_undo_drop(s, x->undo_len);
    while (s->npath > x->path_len)
        dt_sess_prec_clear(&s->path[--s->npath]);
    if (s->npath) {
        dt_prec *t = &s->path[s->npath - 1];
        if ((t->flags & SESS_P_OWN_ANSWER) && t->answer != x->tail.answer)
            dt_free((char *)t->answer);
        t->step = x->tail.step;
        t->choice = x->tail.choice;
        t->flags = x->tail.flags;
        t->act_mark = x->tail.act_mark;
        t->answer = x->tail.answer;
    }
    s->nq = x->nq;
    s->ended = x->ended;
    s->built = 0;
}

/* Finish an action: commit on success, roll everything back otherwise.  Returns st. */
dt_status dt_txn_end(dt_session *s, dt_txn *x, dt_status st)
{
    if (st == DT_OK)
        dt_txn_commit(s);
    else
        txn_abort(s, x);
    return st;
}

/* Record the action taken on the current (tail) entry; `answer` is owned when `own`. */
dt_status dt_sess_mark_acted(dt_session *s, uint32_t choice, const char *answer, int own)
{
    dt_prec *t = dt_sess_tail(s);
    t->flags = (uint8_t)(SESS_P_ACTED | (own ? SESS_P_OWN_ANSWER : 0));
    t->act_mark = s->nundo;
    t->choice = choice;
    t->answer = answer;
    return DT_OK;
}

/* ---- events ---------------------------------------------------------------------------------- */

int dt_sess_queue(dt_session *s, dt_event_kind kind, uint32_t step, uint32_t choice, uint32_t var,
                  const char *label, const char *value, const char *text)
{
    if (!s->obs)
        return 0;
    if (dt_grow((void **)&s->q, &s->q_cap, s->nq + 1, sizeof *s->q) != 0)
        return -1;
    s->q[s->nq++] = (dt_qev){(uint8_t)kind, step, choice, var, label, value, text, s->npath};
    return 0;
}

void dt_sess_emit(dt_session *s, const dt_qev *q)
{
    if (!s->obs)
        return;
    const dt_tree *t = s->t;
    dt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = (dt_event_kind)q->kind;
    ev.time_ms = s->now;
    if (q->step != M_NONE) {
        const dt_step_rec *r = M_STEP(t, q->step);
        ev.tree_id = M_S(t, M_UNIT(t, r->unit)->id);
        ev.step_id = M_S(t, r->id);
        ev.step_kind = (dt_step_kind)r->kind;
        if (r->kind == DT_STEP_END && q->kind == DT_EV_END)
            ev.outcome = M_S(t, r->outcome);
    }
    if (q->choice != M_NONE)
        ev.choice_id = M_S(t, M_CHOICE(t, q->choice)->id);
    if (q->var != M_NONE) {
        ev.var = M_S(t, M_VAR(t, q->var)->name);
        ev.sensitive = M_VAR(t, q->var)->sensitive != 0;
    }
    ev.label = q->label;
    ev.value = (ev.sensitive && q->value) ? VALUE_REDACTED : q->value;
    ev.text = q->text;
    ev.path_length = q->path_length;
    ev.more = s->emit_more;
    s->obs(s->obs_user, &ev);
}

/* ---- start, notes, variables ----------------------------------------------------------------- */

dt_status dt_session_start(dt_session *s, dt_error *err)
{
    if (!s)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "no session");
    if (s->started)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, NULL, "the session has already started");
    dt_txn x;
    dt_txn_begin(s, &x);
    dt_status st = DT_OK;
    if (dt_sess_queue(s, DT_EV_START, M_NONE, M_NONE, M_NONE, NULL, NULL, NULL) != 0)
        st = dt_sess_oom(err);
    if (!st)
        st = dt_sess_walk(s, M_UNIT(s->t, 0)->start, 0, err);
    if (!st)
        s->started = 1;
    return dt_txn_end(s, &x, st);
}

const dt_view *dt_session_view(const dt_session *s)
{
    return (s && s->started && s->npath) ? &s->vb[s->cur].view : NULL;
}

const dt_vbuf *dt_sess_cur_view(const dt_session *s)
{
    return &s->vb[s->cur];
}

int dt_session_ended(const dt_session *s)
{
    return s && s->ended;
}

const char *dt_session_outcome(const dt_session *s)
{
    if (!s || !s->ended)
        return NULL;
    return M_S(s->t, M_STEP(s->t, s->path[s->npath - 1].step)->outcome);
}

static size_t notes_cap(uint32_t n)
{
    size_t cap = 0;
    if (n)
        for (cap = 8; cap < n; cap *= 2)
            ;
    return cap;
}

dt_status dt_session_note(dt_session *s, const char *text, dt_error *err)
{
    if (!s || !text)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "dt_session_note: no session or text");
    if (!s->started)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, NULL, "the session has not started");
    dt_prec *p = dt_sess_tail(s);
    size_t cap = notes_cap(p->nnotes);
    char *copy = dt_strdup(text);
    if (!copy || dt_grow((void **)&p->notes, &cap, (size_t)p->nnotes + 1, sizeof *p->notes) != 0) {
        dt_free(copy);
        return dt_sess_oom(err);
    }
    p->notes[p->nnotes++] = copy;
    s->now = s->clock(s->clock_user);
    dt_qev q = {DT_EV_NOTE, p->step, M_NONE, M_NONE, NULL, NULL, copy, s->npath};
    dt_sess_emit(s, &q);
    return DT_OK;
}

static dt_status parse_var(dt_session *s, const char *name, const char *value, uint32_t *v,
                           char **canon, dt_error *err)
{
    if (!s || !name || !value)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "dt_session_set_var: NULL argument");
    *v = dt_tree_find_var(s->t, name);
    if (*v == M_NONE)
        return dt_err_error(err, DT_ENOTFOUND, NULL, 0, 0, NULL, "no variable `%s` in this tree", name);
    dt_var_type type = (dt_var_type)M_VAR(s->t, *v)->type;
    size_t sz = strlen(value) + 32;
    const char *why = "";
    if (!(*canon = dt_malloc(sz)))
        return dt_sess_oom(err);
    if (dt_value_parse(type, value, *canon, sz, &why) != 0) {
        dt_free(*canon);
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "variable `%s` (%s): %s", name,
                            dt_var_type_name(type), why);
    }
    return DT_OK;
}

dt_status dt_session_set_var(dt_session *s, const char *name, const char *value, dt_error *err)
{
    uint32_t v = M_NONE;
    char *canon = NULL;
    dt_status st = parse_var(s, name, value, &v, &canon, err);
    if (st)
        return st;
    if (!s->started) { /* before start the value becomes the one restart returns to */
        char *copy = dt_strdup(canon);
        if (!copy) {
            dt_free(canon);
            return dt_sess_oom(err);
        }
        dt_free(s->init[v]);
        dt_free(s->vals[v]);
        s->init[v] = canon;
        s->vals[v] = copy;
        s->init_set[v] = s->is_set[v] = 1;
        return DT_OK;
    }
    dt_txn x;
    dt_txn_begin(s, &x);
    const char *shown = canon;
    st = dt_sess_assign(s, v, canon, 1, err);
    if (!st && dt_sess_queue(s, DT_EV_SET, M_NONE, M_NONE, v, NULL, shown, NULL) != 0)
        st = dt_sess_oom(err);
    if (!st) {
        const dt_prec *t = dt_sess_tail(s);
        st = dt_sess_view_build(s, t->step, t->shown, err);
    }
    return dt_txn_end(s, &x, st);
}

size_t dt_session_var_count(const dt_session *s)
{
    return s ? s->nvars : 0;
}

const dt_var_view *dt_session_var(const dt_session *s, size_t i)
{
    if (!s || i >= s->nvars)
        return NULL;
    const dt_var_rec *r = M_VAR(s->t, i);
    /* Filling entry i only touches entry i, so earlier results stay valid. */
    dt_var_view *vv = &((dt_session *)s)->vv[i];
    vv->name = M_S(s->t, r->name);
    vv->type = (dt_var_type)r->type;
    vv->sensitive = r->sensitive != 0;
    vv->label = M_S(s->t, r->label);
    vv->internal = r->internal;
    vv->is_set = s->is_set[i];
    vv->value = dt_sess_display(s, (uint32_t)i);
    return vv;
}

const char *dt_session_var_get(const dt_session *s, const char *name)
{
    if (!s || !name)
        return NULL;
    uint32_t v = dt_tree_find_var(s->t, name);
    return v == M_NONE ? NULL : dt_sess_display(s, v);
}

size_t dt_session_path_count(const dt_session *s)
{
    return s ? s->npath : 0;
}

/* The public array grows only here and only to npath, which is fixed between non-const calls: so
 * one realloc at most per change, and earlier results stay valid until the next non-const call. */
const dt_path_entry *dt_session_path_get(const dt_session *s, size_t i)
{
    if (!s || i >= s->npath)
        return NULL;
    dt_session *m = (dt_session *)s;
    if (m->pub_cap < m->npath &&
        dt_grow((void **)&m->pub, &m->pub_cap, m->npath, sizeof *m->pub) != 0)
        return NULL;
    const dt_prec *p = &s->path[i];
    const dt_step_rec *r = M_STEP(s->t, p->step);
    dt_path_entry *e = &m->pub[i];
    e->tree_id = M_S(s->t, M_UNIT(s->t, r->unit)->id);
    e->step_id = M_S(s->t, r->id);
    e->step_title = M_S(s->t, r->title);
    e->kind = (dt_step_kind)r->kind;
    e->choice_id = p->choice != M_NONE ? M_S(s->t, M_CHOICE(s->t, p->choice)->id) : NULL;
    e->answer = p->answer;
    e->time_ms = p->time_ms;
    e->note_count = p->nnotes;
    e->notes = (const char *const *)p->notes;
    e->flags = p->mark;
    return e;
}
