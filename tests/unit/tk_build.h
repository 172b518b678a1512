/*
 * tk_build.h — build small models by hand for the authors' toolkit tests (check, graph), so they do
 * not depend on the loader.  Header-only, static helpers; steps are appended in file order and each
 * step's choices, says and sets must be added right after the step itself.
 */
#ifndef TK_BUILD_H
#define TK_BUILD_H

#include "model.h"
#include <string.h>

static inline dt_str tk_str(dt_tree *t, const char *s)
{
    dt_str off = 0;
    dt_strtab_add(&t->strs, s, strlen(s), &off);
    return off;
}

static inline uint32_t tk_unit(dt_tree *t, const char *path, const char *id, int kiosk)
{
    dt_unit_rec *u = dt_vec_push(&t->units, sizeof *u);
    u->path = tk_str(t, path);
    u->id = tk_str(t, id);
    u->title = tk_str(t, id);
    u->handoff_to = M_NONE;
    u->start = t->steps.len;
    u->first_step = t->steps.len;
    u->kiosk = (uint8_t)kiosk;
    return t->units.len - 1;
}

static inline dt_tree *tk_new(void)
{
    dt_tree *t = dt_tree_alloc();
    tk_unit(t, "t.xml", "t", 0);
    return t;
}

static inline uint32_t tk_step(dt_tree *t, dt_step_kind kind, const char *id)
{
    uint32_t unit = t->units.len - 1;
    dt_step_rec *s = dt_vec_push(&t->steps, sizeof *s);
    s->id = tk_str(t, id);
    s->kind = (uint8_t)kind;
    s->unit = (uint16_t)unit;
    s->pos = (dt_pos){t->steps.len + 1, 3};
    s->next = s->target = s->var = s->input = M_NONE;
    s->first_choice = t->choices.len;
    s->first_say = t->says.len;
    s->first_set = t->sets.len;
    if (kind == DT_STEP_END)
        s->outcome = tk_str(t, "resolved");
    M_UNIT(t, unit)->nsteps++;
    return t->steps.len - 1;
}

static inline uint32_t tk_cond(dt_tree *t, const char *src)
{
    dt_cond_rec *c = dt_vec_push(&t->conds, sizeof *c);
    c->src = tk_str(t, src);
    c->unit = (uint16_t)(t->units.len - 1);
    c->pos = (dt_pos){90, 10};
    return t->conds.len - 1;
}

/* A choice (question) or branch (decide) of the last step; `to` is a step index; cond may be NULL. */
static inline void tk_choice(dt_tree *t, uint32_t to, const char *id, const char *label, const char *cond)
{
    uint32_t cnd = cond ? tk_cond(t, cond) : M_NONE;
    dt_choice_rec *c = dt_vec_push(&t->choices, sizeof *c);
    c->id = tk_str(t, id);
    c->label = tk_str(t, label);
    c->to = to;
    c->cond = cnd;
    c->pos = (dt_pos){t->steps.len + 1, 5 + t->choices.len};
    M_STEP(t, t->steps.len - 1)->nchoices++;
}

static inline void tk_say(dt_tree *t, const char *text, dt_audience aud)
{
    dt_text_rec *r = dt_vec_push(&t->says, sizeof *r);
    r->text = tk_str(t, text);
    r->audience = (uint8_t)aud;
    M_STEP(t, t->steps.len - 1)->nsay++;
}

static inline uint32_t tk_var(dt_tree *t, const char *name, dt_var_type type, const char *def)
{
    dt_var_rec *v = dt_vec_push(&t->vars, sizeof *v);
    v->name = tk_str(t, name);
    v->type = (uint8_t)type;
    v->has_default = def != NULL;
    v->def = tk_str(t, def ? def : "");
    v->unit = (uint16_t)(t->units.len - 1);
    v->pos = (dt_pos){1, 1 + t->vars.len};
    return t->vars.len - 1;
}

static inline void tk_set(dt_tree *t, uint32_t var, const char *expr)
{
    uint32_t c = tk_cond(t, expr);
    dt_set_rec *s = dt_vec_push(&t->sets, sizeof *s);
    s->var = var;
    s->expr = c;
    M_STEP(t, t->steps.len - 1)->nsets++;
}

/* Make the last step an input collecting `var` with the given options (NULL-terminated or NULL). */
static inline void tk_input(dt_tree *t, uint32_t var, const char *const *options)
{
    dt_input_rec *in = dt_vec_push(&t->inputs, sizeof *in);
    in->type = M_VAR(t, var)->type;
    in->required = 1;
    in->first_option = t->options.len;
    for (; options && *options; options++) {
        dt_str *o = dt_vec_push(&t->options, sizeof *o);
        *o = tk_str(t, *options);
        M_INPUT(t, t->inputs.len - 1)->noptions++;
    }
    dt_step_rec *s = M_STEP(t, t->steps.len - 1);
    s->var = var;
    s->input = t->inputs.len - 1;
}

static inline dt_tree *tk_done(dt_tree *t)
{
    dt_tree_index(t);
    return t;
}

#endif
