/*
 * session_walk.c — entering steps and running automatic ones (decide, call, jump, end in a call)
 * until an interactive step; choose, continue and jump.  The walk is a loop, never recursion, and
 * costs O(steps entered): path and undo log are amortised arrays.  A walk is bounded by the number
 * of steps in the bundle plus SESS_AUTO_SLACK automatic steps, and calls by DT_MAX_CALL_DEPTH.
 */
#include "error.h"
#include "mem.h"
#include "session.h"
#include "value.h"
#include <string.h>

dt_status dt_sess_cond_fail(dt_session *s, uint32_t cond, const char *msg, dt_error *err)
{
    const dt_cond_rec *c = M_COND(s->t, cond);
    if (strcmp(msg, "out of memory") == 0)
        return dt_sess_oom(err);
    return dt_sess_err(s, err, DT_ERUNTIME, c->unit, c->pos, "cannot evaluate `%s`: %s",
                       M_S(s->t, c->src), msg);
}

dt_status dt_sess_apply_sets(dt_session *s, uint32_t first, uint32_t n, dt_error *err)
{
    for (uint32_t i = first; i < first + n; i++) {
        const dt_set_rec *r = M_SET(s->t, i);
        dt_var_type type = (dt_var_type)M_VAR(s->t, r->var)->type;
        char msg[COND_MSG] = "";
        char *val = NULL;
        if (dt_cond_eval_value(s->env, M_COND(s->t, r->expr)->comp, type, &val, msg) != 0) {
            dt_free(val);
            return dt_sess_cond_fail(s, r->expr, msg, err);
        }
        dt_status st = dt_sess_assign(s, r->var, val, 1, err);
        if (st)
            return st;
        /* The value stays alive until the queue is flushed: a later change moves it to the log. */
        if (dt_sess_queue(s, DT_EV_SET, M_NONE, M_NONE, r->var, NULL, val, NULL) != 0)
            return dt_sess_oom(err);
    }
    return DT_OK;
}

/* An end inside a call with closing words is shown like an info step (the caller's customer must
 * still hear them); one without words returns at once. */
int dt_sess_called_end_shown(const dt_session *s, const dt_step_rec *r)
{
    return r->kind == DT_STEP_END && s->depth > 0 && r->nsay > 0;
}

static int interactive(const dt_session *s, const dt_step_rec *r)
{
    return dt_step_kind_is_interactive((dt_step_kind)r->kind) ||
           (r->kind == DT_STEP_END && (s->depth == 0 || r->nsay > 0));
}

static dt_status enter(dt_session *s, uint32_t step, uint8_t mark, dt_error *err)
{
    const dt_step_rec *r = M_STEP(s->t, step);
    if (dt_grow((void **)&s->path, &s->path_cap, s->npath + 1, sizeof *s->path) != 0)
        return dt_sess_oom(err);
    /* The step count starts again after a restart: it counts this attempt's steps. */
    size_t shown = (s->npath && mark != DT_PATH_RESTART) ? s->path[s->npath - 1].shown : 0;
    dt_prec *p = &s->path[s->npath++];
    memset(p, 0, sizeof *p);
    p->step = step;
    p->choice = M_NONE;
    p->mark = mark;
    p->time_ms = s->now;
    p->shown = shown + (size_t)interactive(s, r);
    if (dt_sess_queue(s, DT_EV_STEP, step, M_NONE, M_NONE, NULL, NULL, NULL) != 0)
        return dt_sess_oom(err);
    return dt_sess_apply_sets(s, r->first_set, r->nsets, err);
}

dt_status dt_sess_next_offered(dt_session *s, const dt_step_rec *r, uint32_t *i, dt_error *err)
{
    for (; *i < r->first_choice + r->nchoices; ++*i) {
        const dt_choice_rec *c = M_CHOICE(s->t, *i);
        char msg[COND_MSG] = "";
        int ok = 1;
        if (c->cond != M_NONE && dt_cond_eval_bool(s->env, M_COND(s->t, c->cond)->comp, &ok, msg) != 0)
            return dt_sess_cond_fail(s, c->cond, msg, err);
        if (ok)
            break;
    }
    return DT_OK;
}

/* The decide's STEP event (queued on entry, before its branch was known) names the branch taken,
 * so coverage and heat maps credit the branch, not whichever branch leads to the same step. */
static void note_branch(dt_session *s, uint32_t choice)
{
    for (size_t k = s->nq; k-- > 0;)
        if (s->q[k].kind == DT_EV_STEP) {
            if (M_STEP(s->t, s->q[k].step)->kind == DT_STEP_DECIDE)
                s->q[k].choice = choice;
            return;
        }
}

static dt_status decide(dt_session *s, const dt_step_rec *r, uint32_t *next, dt_error *err)
{
    uint32_t i = r->first_choice;
    dt_status st = dt_sess_next_offered(s, r, &i, err);
    if (st)
        return st;
    if (i < r->first_choice + r->nchoices) {
        const dt_choice_rec *c = M_CHOICE(s->t, i);
        note_branch(s, i);
        *next = c->to;
        return dt_sess_apply_sets(s, c->first_set, c->nsets, err);
    }
    return dt_sess_err(s, err, DT_ERUNTIME, r->unit, r->pos,
                       "decide `%s`: no branch applies and there is no otherwise", M_S(s->t, r->id));
}

static dt_status call(dt_session *s, const dt_step_rec *r, uint32_t *next, dt_error *err)
{
    if (r->target == M_NONE)
        return dt_sess_err(s, err, DT_ERUNTIME, r->unit, r->pos,
                           "call `%s`: the called tree was not loaded", M_S(s->t, r->id));
    if (s->depth >= DT_MAX_CALL_DEPTH)
        return dt_sess_err(s, err, DT_ERUNTIME, r->unit, r->pos,
                           "call `%s`: calls nested deeper than %d (a call cycle?)",
                           M_S(s->t, r->id), DT_MAX_CALL_DEPTH);
    dt_call_frame f = {r->next, r->var};
    *next = r->target;
    return dt_sess_push_frame(s, f, err);
}

/* An end inside a call: back to the caller, with the outcome in the result variable. */
static dt_status ret(dt_session *s, const dt_step_rec *r, uint32_t *next, dt_error *err)
{
    dt_call_frame f;
    dt_status st = dt_sess_pop_frame(s, &f, err);
    if (st)
        return st;
    *next = f.ret;
    if (f.var == M_NONE)
        return DT_OK;
    char *val = dt_strdup(M_S(s->t, r->outcome));
    if (!val)
        return dt_sess_oom(err);
    if ((st = dt_sess_assign(s, f.var, val, 1, err)) != DT_OK)
        return st;
    if (dt_sess_queue(s, DT_EV_SET, M_NONE, M_NONE, f.var, NULL, val, NULL) != 0)
        return dt_sess_oom(err);
    return DT_OK;
}

/* Reached an interactive step: build its view aside; a top-level end also reports END. */
static dt_status arrive(dt_session *s, uint32_t step, dt_error *err)
{
    dt_status st = dt_sess_view_build(s, step, s->path[s->npath - 1].shown, err);
    if (st || M_STEP(s->t, step)->kind != DT_STEP_END || s->depth > 0)
        return st;
    const dt_vbuf *vb = &s->vb[!s->cur];
    if (dt_sess_queue(s, DT_EV_END, step, M_NONE, M_NONE, NULL, NULL, vb->end_text) != 0)
        return dt_sess_oom(err);
    return DT_OK;
}

dt_status dt_sess_walk(dt_session *s, uint32_t step, uint8_t mark, dt_error *err)
{
    size_t autos = 0, limit = (size_t)s->t->steps.len + SESS_AUTO_SLACK;
    const dt_step_rec *r = NULL;
    for (;;) {
        if (step == M_NONE || step >= s->t->steps.len)
            return r ? dt_sess_err(s, err, DT_ERUNTIME, r->unit, r->pos,
                                   "step `%s` leads nowhere (its tree was not loaded)",
                                   M_S(s->t, r->id))
                     : dt_err_error(err, DT_ERUNTIME, NULL, 0, 0, NULL, "no start step");
        dt_status st = enter(s, step, mark, err);
        if (st)
            return st;
        mark = 0;
        r = M_STEP(s->t, step);
        switch ((dt_step_kind)r->kind) {
        case DT_STEP_DECIDE: st = decide(s, r, &step, err); break;
        case DT_STEP_CALL: st = call(s, r, &step, err); break;
        case DT_STEP_JUMP: step = r->next; break;
        case DT_STEP_END:
            if (s->depth == 0 || r->nsay > 0)
                return arrive(s, step, err);
            st = ret(s, r, &step, err);
            break;
        default: return arrive(s, step, err);
        }
        if (st)
            return st;
        if (++autos > limit)
            return dt_sess_err(s, err, DT_ERUNTIME, r->unit, r->pos,
                               "automatic steps loop without a question: %zu steps in a row "
                               "(last `%s`)",
                               autos, M_S(s->t, r->id));
    }
}

dt_status dt_sess_check_answerable(dt_session *s, dt_step_kind kind, dt_error *err)
{
    static const char *const want[] = {"choose", "continue", "input"};
    if (!s)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "no session");
    if (!s->started)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, NULL, "the session has not started");
    if (s->ended)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, NULL, "the session has ended");
    const dt_step_rec *r = M_STEP(s->t, dt_sess_tail(s)->step);
    if (r->kind != kind)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, NULL,
                            "cannot %s on %s step `%s`", want[kind], dt_step_kind_name(r->kind),
                            M_S(s->t, r->id));
    return DT_OK;
}

dt_status dt_session_choose(dt_session *s, size_t index, dt_error *err)
{
    dt_status st = dt_sess_check_answerable(s, DT_STEP_QUESTION, err);
    if (st)
        return st;
    const dt_vbuf *vb = dt_sess_cur_view(s);
    if (index >= vb->view.choice_count)
        return dt_err_error(err, DT_EANSWER, NULL, 0, 0, NULL,
                            "no choice %zu: choose 1 to %zu", index + 1, vb->view.choice_count);
    uint32_t ci = vb->offered[index];
    const dt_choice_rec *c = M_CHOICE(s->t, ci);
    char *label = dt_strdup(vb->ch[index].label);
    if (!label)
        return dt_sess_oom(err);
    dt_txn x;
    dt_txn_begin(s, &x);
    uint32_t step = dt_sess_tail(s)->step;
    dt_sess_mark_acted(s, ci, label, 1);
    if (dt_sess_queue(s, DT_EV_ANSWER, step, ci, M_NONE, label, NULL, NULL) != 0)
        st = dt_sess_oom(err);
    if (!st)
        st = dt_sess_apply_sets(s, c->first_set, c->nsets, err);
    if (!st)
        st = dt_sess_walk(s, c->to, 0, err);
    return dt_txn_end(s, &x, st);
}

dt_status dt_session_continue(dt_session *s, dt_error *err)
{
    const dt_step_rec *r = s && s->started && !s->ended ? M_STEP(s->t, dt_sess_tail(s)->step) : NULL;
    int called_end = r && dt_sess_called_end_shown(s, r);
    dt_status st = called_end ? DT_OK : dt_sess_check_answerable(s, DT_STEP_INFO, err);
    if (st || !r) /* !r: not started or ended, which the check above already refused */
        return st ? st : DT_ESTATE;
    dt_txn x;
    dt_txn_begin(s, &x);
    uint32_t next = r->next;
    dt_sess_mark_acted(s, M_NONE, "continue", 0);
    if (dt_sess_queue(s, DT_EV_ANSWER, dt_sess_tail(s)->step, M_NONE, M_NONE, "continue", NULL,
                      NULL) != 0)
        st = dt_sess_oom(err);
    if (!st && called_end)
        st = ret(s, r, &next, err);
    if (!st)
        st = dt_sess_walk(s, next, 0, err);
    return dt_txn_end(s, &x, st);
}

dt_status dt_sess_unwind(dt_session *s, dt_error *err)
{
    dt_call_frame f;
    while (s->depth) {
        dt_status st = dt_sess_pop_frame(s, &f, err);
        if (st)
            return st;
    }
    return DT_OK;
}

dt_status dt_session_jump(dt_session *s, const char *tree_id, const char *step_id, dt_error *err)
{
    if (!s || !step_id)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "dt_session_jump: NULL argument");
    if (!s->started)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, NULL, "the session has not started");
    uint32_t here = M_STEP(s->t, dt_sess_tail(s)->step)->unit;
    uint32_t unit = tree_id ? dt_tree_unit_find(s->t, tree_id) : here;
    if (unit == M_NONE)
        return dt_err_error(err, DT_ENOTFOUND, NULL, 0, 0, NULL, "no tree `%s` in this bundle",
                            tree_id);
    uint32_t step = dt_tree_find_step(s->t, unit, step_id);
    if (step == M_NONE)
        return dt_err_error(err, DT_ENOTFOUND, NULL, 0, 0, NULL, "no step `%s` in tree `%s`",
                            step_id, M_S(s->t, M_UNIT(s->t, unit)->id));
    dt_txn x;
    dt_txn_begin(s, &x);
    dt_sess_mark_acted(s, M_NONE, NULL, 0);
    /* a jump into another file leaves the calls it was in */
    dt_status st = unit != here ? dt_sess_unwind(s, err) : DT_OK;
    if (!st && dt_sess_queue(s, DT_EV_JUMP, step, M_NONE, M_NONE, NULL, NULL, NULL) != 0)
        st = dt_sess_oom(err);
    if (!st)
        st = dt_sess_walk(s, step, DT_PATH_JUMP, err);
    return dt_txn_end(s, &x, st);
}
