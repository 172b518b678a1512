/*
 * session_undo.c — the undo log (variable and call-stack changes), back and restart.
 * Each log entry holds "the other state": undoing swaps it with the live state and redoing swaps it
 * back, so back can rebuild its view with the old values and still restore everything exactly when
 * that fails.  Entries are dropped (their values freed) only once an undo is final.
 */
#include "error.h"
#include "mem.h"
#include "session.h"
#include <string.h>

static dt_undo *undo_push(dt_session *s)
{
    if (dt_grow((void **)&s->undo, &s->undo_cap, s->nundo + 1, sizeof *s->undo) != 0)
        return NULL;
    dt_undo *u = &s->undo[s->nundo++];
    memset(u, 0, sizeof *u);
    return u;
}

/* Set variable v to `val` (ownership passes here, also on failure); logged for undo. */
dt_status dt_sess_assign(dt_session *s, uint32_t v, char *val, int is_set, dt_error *err)
{
    dt_undo *u = undo_push(s);
    if (!u) {
        dt_free(val);
        return dt_sess_oom(err);
    }
    u->kind = SESS_U_VAR;
    u->var = v;
    u->old = s->vals[v];
    u->was_set = s->is_set[v];
    s->vals[v] = val;
    s->is_set[v] = (uint8_t)is_set;
    return DT_OK;
}

dt_status dt_sess_push_frame(dt_session *s, dt_call_frame f, dt_error *err)
{
    dt_undo *u = undo_push(s);
    if (!u)
        return dt_sess_oom(err);
    u->kind = SESS_U_PUSH;
    u->frame = f;
    s->stack[s->depth++] = f;
    return DT_OK;
}

dt_status dt_sess_pop_frame(dt_session *s, dt_call_frame *out, dt_error *err)
{
    dt_undo *u = undo_push(s);
    if (!u)
        return dt_sess_oom(err);
    u->kind = SESS_U_POP;
    u->frame = s->stack[--s->depth];
    *out = u->frame;
    return DT_OK;
}

static void swap_var(dt_session *s, dt_undo *u)
{
    char *v = s->vals[u->var];
    uint8_t set = s->is_set[u->var];
    s->vals[u->var] = u->old;
    s->is_set[u->var] = u->was_set;
    u->old = v;
    u->was_set = set;
}

void dt_sess_undo_to(dt_session *s, size_t mark)
{
    for (size_t i = s->nundo; i-- > mark;) {
        dt_undo *u = &s->undo[i];
        if (u->kind == SESS_U_VAR)
            swap_var(s, u);
        else if (u->kind == SESS_U_PUSH)
            s->depth--;
        else
            s->stack[s->depth++] = u->frame;
    }
}

void dt_sess_redo_from(dt_session *s, size_t mark)
{
    for (size_t i = mark; i < s->nundo; i++) {
        dt_undo *u = &s->undo[i];
        if (u->kind == SESS_U_VAR)
            swap_var(s, u);
        else if (u->kind == SESS_U_PUSH)
            s->stack[s->depth++] = u->frame;
        else
            s->depth--;
    }
}

/* Forget entries from `mark` on, after dt_sess_undo_to(mark): they now hold the discarded values. */
void dt_sess_undo_drop(dt_session *s, size_t mark)
{
    for (size_t i = mark; i < s->nundo; i++)
        dt_free(s->undo[i].old);
    if (mark < s->nundo)
        s->nundo = mark;
}

/* Index of the entry whose action `back` undoes; none past a restart mark. */
static int find_acted(const dt_session *s, size_t *k)
{
    if (s->npath < 2 || s->path[s->npath - 1].mark == DT_PATH_RESTART)
        return -1;
    for (size_t i = s->npath - 1; i-- > 0;) {
        if (s->path[i].flags & SESS_P_ACTED) {
            *k = i;
            return 0;
        }
        if (s->path[i].mark == DT_PATH_RESTART)
            return -1;
    }
    return -1;
}

/* Notes are the agent's, not the path's: going back moves the notes of the steps undone to the
 * step returned to.  Make room first, so that nothing can fail once the path is cut. */
static int keep_notes_room(dt_session *s, size_t k)
{
    size_t moved = 0, cap = 0;
    for (size_t i = k + 1; i < s->npath; i++)
        moved += s->path[i].nnotes;
    dt_prec *p = &s->path[k];
    if (!moved)
        return 0;
    if (p->nnotes)
        for (cap = 8; cap < p->nnotes; cap *= 2)
            ;
    return dt_grow((void **)&p->notes, &cap, (size_t)p->nnotes + moved, sizeof *p->notes);
}

dt_status dt_session_back(dt_session *s, dt_error *err)
{
    if (!s)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "no session");
    size_t k;
    if (!s->started || find_acted(s, &k) != 0)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, NULL,
                            s->started ? "nothing to go back to: this is the first step"
                                       : "the session has not started");
    if (keep_notes_room(s, k) != 0)
        return dt_sess_oom(err);
    size_t mark = s->path[k].act_mark;
    s->now = s->clock(s->clock_user);
    dt_sess_undo_to(s, mark);
    s->built = 0;
    dt_status st = dt_sess_view_build(s, s->path[k].step, s->path[k].shown, err);
    if (st) {
        dt_sess_redo_from(s, mark);
        s->built = 0;
        return st;
    }
    dt_sess_undo_drop(s, mark);
    dt_prec *p = &s->path[k];
    while (s->npath > k + 1) {
        dt_prec *gone = &s->path[--s->npath];
        for (uint32_t i = 0; i < gone->nnotes; i++) /* room was made by keep_notes_room */
            p->notes[p->nnotes++] = gone->notes[i];
        gone->nnotes = 0;
        dt_sess_prec_clear(gone);
    }
    if (p->flags & SESS_P_OWN_ANSWER)
        dt_free((char *)p->answer);
    p->answer = NULL;
    p->choice = M_NONE;
    p->flags = 0;
    dt_txn_commit(s); /* BACK is emitted directly: nothing can fail from here on */
    dt_qev q = {DT_EV_BACK, p->step, M_NONE, M_NONE, NULL, NULL, NULL, s->npath};
    dt_sess_emit(s, &q);
    return DT_OK;
}

/* Every variable back to its initial value, every frame popped: all logged, so a failed restart
 * (the start step's conditions fail) is rolled back like any answer. */
static dt_status reset_state(dt_session *s, dt_error *err)
{
    for (uint32_t v = 0; v < s->nvars; v++) {
        char *copy = NULL;
        if (s->init[v] && !(copy = dt_strdup(s->init[v])))
            return dt_sess_oom(err);
        dt_status st = dt_sess_assign(s, v, copy, s->init_set[v], err);
        if (st)
            return st;
    }
    return dt_sess_unwind(s, err);
}

dt_status dt_session_restart(dt_session *s, dt_error *err)
{
    if (!s)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "no session");
    if (!s->started)
        return dt_err_error(err, DT_ESTATE, NULL, 0, 0, NULL, "the session has not started");
    dt_txn x;
    dt_txn_begin(s, &x);
    dt_status st = reset_state(s, err);
    if (!st && (dt_sess_queue(s, DT_EV_RESTART, M_NONE, M_NONE, M_NONE, NULL, NULL, NULL) != 0 ||
                dt_sess_queue(s, DT_EV_START, M_NONE, M_NONE, M_NONE, NULL, NULL, NULL) != 0))
        st = dt_sess_oom(err);
    if (!st)
        st = dt_sess_walk(s, M_UNIT(s->t, 0)->start, DT_PATH_RESTART, err);
    return dt_txn_end(s, &x, st);
}
