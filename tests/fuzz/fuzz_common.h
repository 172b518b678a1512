/*
 * fuzz_common.h — helpers shared by the libFuzzer harnesses (header-only: each harness is one
 * program).  The checks here are the oracles beyond "no crash": a view, the path and the variables
 * must stay well-formed after any action, and a refused or failing action must change nothing and
 * emit no event.  A broken invariant aborts, which libFuzzer reports as a crash with the input.
 */
#ifndef DT_FUZZ_COMMON_H
#define DT_FUZZ_COMMON_H

#include "dtree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_CHECK(cond)                                                                        \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/* A byte source reading the input from its end backwards (so the actions can live in a trailing
 * XML comment while the front of the input is the tree). */
typedef struct fz_bytes {
    const unsigned char *data;
    size_t left;
} fz_bytes;

static inline unsigned fz_byte(fz_bytes *b)
{
    if (!b->left)
        return 0;
    return b->data[--b->left];
}

static inline int64_t fz_clock(void *user)
{
    (void)user;
    return 1767225600000; /* fixed: walks are reproducible */
}

/* Events: every string an observer may read must be there; count them per action. */
typedef struct fz_events {
    size_t count;
} fz_events;

static inline void fz_observer(void *user, const dt_event *ev)
{
    fz_events *e = user;
    FZ_CHECK(ev && ev->kind <= DT_EV_END);
    FZ_CHECK(ev->step_kind <= DT_STEP_END);
    const char *strs[] = {ev->tree_id, ev->step_id, ev->choice_id, ev->label, ev->var, ev->value,
                          ev->text, ev->outcome};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (strs[i])
            (void)strlen(strs[i]);
    if (ev->kind == DT_EV_SET)
        FZ_CHECK(ev->var != NULL);
    e->count++;
}

static inline void fz_check_view(const dt_session *s)
{
    const dt_view *v = dt_session_view(s);
    if (!v)
        return;
    FZ_CHECK(v->kind == DT_STEP_QUESTION || v->kind == DT_STEP_INFO || v->kind == DT_STEP_INPUT ||
             v->kind == DT_STEP_END);
    FZ_CHECK(v->tree_id && v->tree_title && v->step_id && v->step_title && v->note && v->retry &&
             v->outcome && v->handoff_text && v->handoff_step);
    (void)strlen(v->step_title);
    (void)strlen(v->handoff_text);
    FZ_CHECK(v->say_count == 0 || v->say);
    for (size_t i = 0; i < v->say_count; i++)
        FZ_CHECK(v->say[i].text && strlen(v->say[i].text) < ((size_t)1 << 24) &&
                 v->say[i].audience <= DT_AUD_CUSTOMER);
    FZ_CHECK(v->choice_count == 0 || v->choices);
    for (size_t i = 0; i < v->choice_count; i++)
        FZ_CHECK(v->choices[i].id && v->choices[i].label && v->choices[i].audience <= DT_AUD_CUSTOMER);
    if (v->kind != DT_STEP_QUESTION)
        FZ_CHECK(v->choice_count == 0);
    if (v->kind == DT_STEP_INPUT) {
        FZ_CHECK(v->var && *v->var && v->input_type <= DT_VAR_CHOICE);
        FZ_CHECK(dt_session_var_get(s, v->var) != NULL);
        FZ_CHECK(v->option_count == 0 || v->options);
        for (size_t i = 0; i < v->option_count; i++)
            FZ_CHECK(v->options[i]);
    }
    FZ_CHECK((v->kind == DT_STEP_END) == (dt_session_ended(s) != 0));
    FZ_CHECK(!dt_session_ended(s) || dt_session_outcome(s));
    FZ_CHECK(v->step_number >= 1);
    FZ_CHECK(v->call_depth <= DT_MAX_CALL_DEPTH);
}

static inline void fz_check_session(const dt_session *s)
{
    fz_check_view(s);
    size_t np = dt_session_path_count(s);
    for (size_t i = 0; i < np; i++) {
        const dt_path_entry *e = dt_session_path_get(s, i);
        FZ_CHECK(e && e->tree_id && e->step_id && e->step_title && e->kind <= DT_STEP_END);
        FZ_CHECK(e->note_count == 0 || e->notes);
        for (size_t j = 0; j < e->note_count; j++)
            FZ_CHECK(e->notes[j]);
        if (e->answer)
            (void)strlen(e->answer);
    }
    FZ_CHECK(dt_session_path_get(s, np) == NULL);
    size_t nv = dt_session_var_count(s);
    for (size_t i = 0; i < nv; i++) {
        const dt_var_view *v = dt_session_var(s, i);
        FZ_CHECK(v && v->name && v->value && v->type <= DT_VAR_CHOICE);
        const char *again = dt_session_var_get(s, v->name);
        FZ_CHECK(again != NULL);
    }
    FZ_CHECK(dt_session_var(s, nv) == NULL);
}

/* What must not change when an action is refused or fails. */
typedef struct fz_snap {
    int has_view, ended;
    char tree[256], step[256];
    size_t path;
} fz_snap;

static inline void fz_snap_take(const dt_session *s, fz_snap *sn)
{
    const dt_view *v = dt_session_view(s);
    memset(sn, 0, sizeof *sn);
    sn->has_view = v != NULL;
    sn->ended = dt_session_ended(s);
    sn->path = dt_session_path_count(s);
    if (v) {
        snprintf(sn->tree, sizeof sn->tree, "%s", v->tree_id);
        snprintf(sn->step, sizeof sn->step, "%s", v->step_id);
    }
}

static inline int fz_snap_same(const dt_session *s, const fz_snap *a)
{
    fz_snap b;
    fz_snap_take(s, &b);
    return a->has_view == b.has_view && a->ended == b.ended && a->path == b.path &&
           !strcmp(a->tree, b.tree) && !strcmp(a->step, b.step);
}

#endif
