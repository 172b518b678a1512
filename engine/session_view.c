/*
 * session_view.c — building the view of the current step, with `{name}` interpolation.
 * A view is built into the spare buffer (vb[!cur]) and published by the transaction, so a failure
 * half-way leaves the current view intact.  Strings live in chunks that never move; a rebuild
 * reuses them.  Cost: the current step only.
 */
#include "error.h"
#include "interp.h"
#include "mem.h"
#include "session.h"
#include "value.h"
#include <string.h>

void dt_sess_vbuf_free(dt_vbuf *vb)
{
    for (dt_chunk *c = vb->chunks, *n; c; c = n) {
        n = c->next;
        dt_free(c);
    }
    dt_free(vb->say);
    dt_free(vb->ch);
    dt_free(vb->offered);
    dt_free(vb->opts);
    memset(vb, 0, sizeof *vb);
}

/* Copy p[0..n) into the chunks; NULL when out of memory. */
static const char *arena_copy(dt_vbuf *vb, const char *p, size_t n)
{
    dt_chunk *c = vb->chunks;
    while (c && c->cap - c->used < n + 1)
        c = c->next;
    if (!c) {
        size_t cap = n + 1 > 4000 ? n + 1 : 4000;
        if (!(c = dt_malloc(sizeof *c + cap)))
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = vb->chunks;
        vb->chunks = c;
    }
    char *d = c->data + c->used;
    memcpy(d, p, n);
    d[n] = '\0';
    c->used += n + 1;
    return d;
}

static void arena_reset(dt_vbuf *vb)
{
    for (dt_chunk *c = vb->chunks; c; c = c->next)
        c->used = 0;
}

static int sb_add(dt_session *s, const char *p, size_t n)
{
    if (dt_grow((void **)&s->sb, &s->sb_cap, s->sb_len + n + 1, 1) != 0)
        return 1;
    memcpy(s->sb + s->sb_len, p, n);
    s->sb_len += n;
    s->sb[s->sb_len] = '\0';
    return 0;
}

static uint32_t var_by_slice(const dt_session *s, const char *p, size_t n)
{
    char name[128];
    if (n >= sizeof name)
        return M_NONE; /* longer than any name we render; the loader bounds names */
    memcpy(name, p, n);
    name[n] = '\0';
    return dt_tree_find_var(s->t, name);
}

static int put(void *ud, const char *p, size_t n, int is_var)
{
    dt_session *s = ud;
    if (!is_var)
        return sb_add(s, p, n);
    uint32_t v = var_by_slice(s, p, n);
    if (v == M_NONE) /* cannot happen after a successful load: show it as written */
        return sb_add(s, "{", 1) || sb_add(s, p, n) || sb_add(s, "}", 1);
    const char *d = dt_sess_display(s, v);
    return sb_add(s, d, strlen(d));
}

/* The interpolated text of `text`, stored in vb; NULL when out of memory. */
static const char *interp(dt_session *s, dt_vbuf *vb, dt_str text)
{
    const char *src = M_S(s->t, text);
    if (!strpbrk(src, "{}"))
        return src; /* the tree's own copy lives as long as the session may */
    size_t bad;
    s->sb_len = 0;
    if (sb_add(s, "", 0) != 0)
        return NULL;
    int rc = dt_interp_walk(src, put, s, &bad);
    if (rc == -1)
        return src;
    if (rc != 0)
        return NULL;
    return arena_copy(vb, s->sb, s->sb_len);
}

static dt_status build_says(dt_session *s, dt_vbuf *vb, const dt_step_rec *r, dt_error *err)
{
    if (dt_grow((void **)&vb->say, &vb->say_cap, r->nsay, sizeof *vb->say) != 0)
        return dt_sess_oom(err);
    s->sb_len = 0;
    for (uint32_t i = 0; i < r->nsay; i++) {
        const dt_text_rec *t = M_SAY(s->t, r->first_say + i);
        vb->say[i].audience = (dt_audience)t->audience;
        if (!(vb->say[i].text = interp(s, vb, t->text)))
            return dt_sess_oom(err);
    }
    vb->view.say = vb->say;
    vb->view.say_count = r->nsay;
    return DT_OK;
}

static dt_status build_choices(dt_session *s, dt_vbuf *vb, const dt_step_rec *r, dt_error *err)
{
    size_t n = 0;
    if (dt_grow((void **)&vb->ch, &vb->ch_cap, r->nchoices, sizeof *vb->ch) != 0 ||
        dt_grow((void **)&vb->offered, &vb->off_cap, r->nchoices, sizeof *vb->offered) != 0)
        return dt_sess_oom(err);
    for (uint32_t i = r->first_choice;; i++) {
        dt_status st = dt_sess_next_offered(s, r, &i, err);
        if (st)
            return st;
        if (i == r->first_choice + r->nchoices)
            break;
        const dt_choice_rec *c = M_CHOICE(s->t, i);
        vb->offered[n] = i;
        vb->ch[n].id = M_S(s->t, c->id);
        vb->ch[n].audience = (dt_audience)c->audience;
        if (!(vb->ch[n++].label = interp(s, vb, c->label)))
            return dt_sess_oom(err);
    }
    if (n == 0)
        return dt_sess_err(s, err, DT_ERUNTIME, r->unit, r->pos,
                           "question `%s`: no choice is offered (every `when` is false)",
                           M_S(s->t, r->id));
    vb->view.choices = vb->ch;
    vb->view.choice_count = n;
    return DT_OK;
}

static dt_status build_input(dt_session *s, dt_vbuf *vb, const dt_step_rec *r, dt_error *err)
{
    const dt_input_rec *in = M_INPUT(s->t, r->input);
    dt_view *v = &vb->view;
    v->var = M_S(s->t, M_VAR(s->t, r->var)->name);
    v->input_type = (dt_var_type)in->type;
    v->required = in->required;
    if (!(v->retry = interp(s, vb, in->retry)))
        return dt_sess_oom(err);
    if (dt_grow((void **)&vb->opts, &vb->opt_cap, in->noptions, sizeof *vb->opts) != 0)
        return dt_sess_oom(err);
    for (uint32_t i = 0; i < in->noptions; i++)
        vb->opts[i] = M_S(s->t, M_OPTION(s->t, in->first_option + i));
    v->options = vb->opts;
    v->option_count = in->noptions;
    /* "today" is resolved here from the action's clock reading, so a front end checks against the
     * same date the engine will (session_input.c check_range) */
    double today = (in->has_min == 2 || in->has_max == 2) ? dt_value_today(s->now) : 0;
    v->has_min = in->has_min;
    v->has_max = in->has_max;
    v->min = in->has_min == 2 ? today : in->min;
    v->max = in->has_max == 2 ? today : in->max;
    v->pattern = M_S(s->t, in->pattern);
    v->month_first = dt_value_month_first(dt_tree_lang(s->t));
    v->sensitive = M_VAR(s->t, r->var)->sensitive != 0;
    return DT_OK;
}

/* END: the closing text reported with the END event, says joined by newlines. */
static dt_status build_end(dt_session *s, dt_vbuf *vb, const dt_step_rec *r, dt_error *err)
{
    vb->view.outcome = M_S(s->t, r->outcome);
    s->sb_len = 0;
    int rc = sb_add(s, "", 0);
    for (size_t i = 0; i < vb->view.say_count && !rc; i++)
        rc = (i && sb_add(s, "\n", 1)) || sb_add(s, vb->say[i].text, strlen(vb->say[i].text));
    if (rc || !(vb->end_text = arena_copy(vb, s->sb, s->sb_len)))
        return dt_sess_oom(err);
    return DT_OK;
}

/* The root tree's hand-off, so that a front end offering "talk to a person" needs no model access. */
static dt_status build_handoff(dt_session *s, dt_vbuf *vb, dt_error *err)
{
    const dt_unit_rec *root = M_UNIT(s->t, 0);
    dt_view *v = &vb->view;
    v->handoff_step = root->handoff_to == M_NONE ? "" : M_S(s->t, M_STEP(s->t, root->handoff_to)->id);
    if (!(v->handoff_text = interp(s, vb, root->handoff_text)))
        return dt_sess_oom(err);
    return DT_OK;
}

dt_status dt_sess_view_build(dt_session *s, uint32_t step, size_t shown, dt_error *err)
{
    dt_vbuf *vb = &s->vb[!s->cur];
    const dt_step_rec *r = M_STEP(s->t, step);
    const dt_unit_rec *u = M_UNIT(s->t, r->unit);
    dt_view *v = &vb->view;
    arena_reset(vb);
    memset(v, 0, sizeof *v);
    vb->end_text = "";
    /* A called tree's end with words is answered by continue, exactly like an info step. */
    v->kind = dt_sess_called_end_shown(s, r) ? DT_STEP_INFO : (dt_step_kind)r->kind;
    v->tree_id = M_S(s->t, u->id);
    v->tree_title = M_S(s->t, u->title);
    v->step_id = M_S(s->t, r->id);
    v->step_title = M_S(s->t, r->title);
    v->audience = (dt_audience)r->audience;
    v->var = v->retry = v->outcome = v->pattern = "";
    v->step_number = shown;
    v->call_depth = s->depth;
    dt_status st = build_says(s, vb, r, err);
    if (!st)
        st = build_handoff(s, vb, err);
    if (!st && !(v->note = interp(s, vb, r->note)))
        st = dt_sess_oom(err);
    if (!st && r->kind == DT_STEP_QUESTION)
        st = build_choices(s, vb, r, err);
    else if (!st && r->kind == DT_STEP_INPUT)
        st = build_input(s, vb, r, err);
    else if (!st && r->kind == DT_STEP_END)
        st = build_end(s, vb, r, err);
    s->built = st == DT_OK;
    return st;
}
