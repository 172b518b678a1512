/*
 * load_resolve.c — turning names into indices.  Within a file: step ids (duplicates found as they
 * are declared), variables (declared anywhere in the file, so uses are checked when it ends) and
 * expressions.  Across files: calls, each file loaded once from inside the library root, then the
 * lookup tables and the bundle hash.  Every pass here is linear in what it resolves.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cond.h"
#include "interp.h"
#include "load.h"
#include "mem.h"
#include "value.h"
#include <limits.h>
#include "pattern.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SUGGESTIONS 32 /* "did you mean" searches per file; each scans the file's ids */

/* ---- id maps ---- */

static uint32_t slot_of(dt_str key, uint32_t cap)
{
    return (uint32_t)(((uint64_t)key * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);
}

static int idmap_grow(dt_idmap *m)
{
    uint32_t cap = m->cap ? m->cap * 2 : 64;
    uint64_t *ns = dt_calloc(cap, sizeof *ns);
    if (!ns || cap < m->cap)
        return dt_free(ns), -1;
    for (uint32_t i = 0; i < m->cap; i++) {
        if (!m->slots[i])
            continue;
        uint32_t j = slot_of((dt_str)(m->slots[i] >> 32), cap);
        while (ns[j])
            j = (j + 1) & (cap - 1);
        ns[j] = m->slots[i];
    }
    dt_free(m->slots);
    m->slots = ns;
    m->cap = cap;
    return 0;
}

int dt_idmap_put(dt_idmap *m, dt_str key, uint32_t val, uint32_t *old)
{
    if (key == 0)
        return 0;
    if ((m->count + 1) * 2 > m->cap && idmap_grow(m) != 0)
        return -1;
    uint32_t j = slot_of(key, m->cap);
    for (; m->slots[j]; j = (j + 1) & (m->cap - 1)) {
        if ((dt_str)(m->slots[j] >> 32) == key) {
            if (old)
                *old = (uint32_t)m->slots[j];
            return 1;
        }
    }
    m->slots[j] = (uint64_t)key << 32 | val;
    m->count++;
    return 0;
}

uint32_t dt_idmap_get(const dt_idmap *m, dt_str key)
{
    if (!m->cap || key == 0)
        return M_NONE;
    for (uint32_t j = slot_of(key, m->cap); m->slots[j]; j = (j + 1) & (m->cap - 1))
        if ((dt_str)(m->slots[j] >> 32) == key)
            return (uint32_t)m->slots[j];
    return M_NONE;
}

void dt_idmap_free(dt_idmap *m)
{
    dt_free(m->slots);
    memset(m, 0, sizeof *m);
}

/* ---- declarations ---- */

/* The file's step ids live in the string table's tags: an id's tag is 1 + (unit << 24 | the step's
 * index in its file), so a tag left by an earlier file never matches, and a million ids cost no map. */
static uint32_t step_of_id(const dt_loader *L, dt_str id)
{
    if (id == 0 || id == M_NONE)
        return M_NONE;
    uint32_t tag = dt_strtab_get_tag(&L->t->strs, id);
    if (tag == 0 || (tag - 1) >> 24 != L->unit)
        return M_NONE;
    return M_UNIT(L->t, L->unit)->first_step + ((tag - 1) & 0xFFFFFFu);
}

void dt_load_declare_step(dt_loader *L, uint32_t step, const dt_pos *pos)
{
    dt_str id = M_STEP(L->t, step)->id;
    uint32_t old = step_of_id(L, id);
    if (id == 0)
        return;
    if (old != M_NONE) {
        dt_load_error(L, DT_EINVALID, pos, "duplicate-id",
                      "duplicate step id \"%s\" (first used at line %u)", M_S(L->t, id),
                      M_STEP(L->t, old)->pos.line);
        return;
    }
    /* on_step keeps a file under LOAD_MAX_STEPS (2^24 - 1) steps, LOAD_MAX_FILES is 256 */
    uint32_t local = step - M_UNIT(L->t, L->unit)->first_step;
    dt_strtab_set_tag(&L->t->strs, id, (L->unit << 24 | local) + 1);
}

void dt_load_declare_var(dt_loader *L, const dt_var_rec *v)
{
    dt_tree *t = L->t;
    uint32_t old = dt_idmap_get(&L->fvars, v->name);
    if (old != M_NONE) {
        dt_load_error(L, DT_EINVALID, &v->pos, "duplicate-var",
                      "variable \"%s\" is declared twice in this file (first at line %u)",
                      M_S(t, v->name), M_VAR(t, old)->unit == L->unit ? M_VAR(t, old)->pos.line : 0);
        return;
    }
    uint32_t idx = dt_idmap_get(&L->gvars, v->name);
    if (idx != M_NONE && M_VAR(t, idx)->type != v->type) {
        const dt_var_rec *o = M_VAR(t, idx);
        dt_load_error(L, DT_EINVALID, &v->pos, "var-type-conflict",
                      "variable \"%s\" is declared as %s here but as %s in %s:%u (variables are "
                      "shared by every tree of a session)",
                      M_S(t, v->name), dt_var_type_name(v->type),
                      dt_var_type_name(o->type), L->files[o->unit].display, o->pos.line);
        return;
    }
    if (idx == M_NONE) {
        dt_var_rec *r = dt_vec_push(&t->vars, sizeof *r);
        if (!r || dt_idmap_put(&L->gvars, v->name, t->vars.len - 1, NULL) < 0) {
            dt_load_oom(L);
            return;
        }
        *r = *v;
        idx = t->vars.len - 1;
    }
    if (dt_idmap_put(&L->fvars, v->name, idx, NULL) < 0)
        dt_load_oom(L);
}

void dt_load_use_var(dt_loader *L, dt_str name, const dt_pos *pos, uint8_t what)
{
    if (dt_idmap_get(&L->fvars, name) != M_NONE)
        return;
    dt_pending *p = dt_vec_push(&L->pending, sizeof *p);
    if (!p) {
        dt_load_oom(L);
        return;
    }
    *p = (dt_pending){name, *pos, what};
}

/* ---- text and expressions ---- */

typedef struct interp_ctx {
    dt_loader *L;
    const dt_pos *pos;
} interp_ctx;

static int interp_name(void *ud, const char *s, size_t n, int is_var)
{
    interp_ctx *c = ud;
    dt_str name;
    if (is_var && dt_load_intern(c->L, s, n, &name) == 0)
        dt_load_use_var(c->L, name, c->pos, 0);
    return c->L->oom;
}

void dt_load_check_interp(dt_loader *L, const char *text, const dt_pos *pos, const char *where)
{
    if (!strchr(text, '{') && !strchr(text, '}'))
        return;
    interp_ctx c = {L, pos};
    size_t bad = 0;
    if (dt_interp_walk(text, interp_name, &c, &bad) == -1) {
        char b = text[bad];
        dt_load_error(L, DT_EINVALID, pos, "bad-text",
                      b == '}' ? "lone \"}\" in <%s> text: write \"}}\" for a literal brace"
                      : "\"{\" in <%s> text does not start a {variable}: write \"{{\" for a literal brace",
                      where);
    }
}

typedef struct known_ctx {
    dt_loader *L;
    dt_xmlin *in;
    const dt_xpos *attr;
    const char *src;
} known_ctx;

/* Every name is accepted now and checked when the file ends: a <var> may come after its use. */
static int known(void *ud, const char *name, size_t len)
{
    known_ctx *k = ud;
    dt_str s = dt_strtab_find(&k->L->t->strs, name, len);
    if (s != UINT32_MAX && dt_idmap_get(&k->L->fvars, s) != M_NONE)
        return 1;
    size_t off = (name > k->src && name <= k->src + strlen(k->src)) ? (size_t)(name - k->src) - 1 : 0;
    dt_pos p;
    dt_xmlin_value_pos(k->in, k->attr, off, &p.line, &p.col);
    if (dt_load_intern(k->L, name, len, &s) == 0)
        dt_load_use_var(k->L, s, &p, 1);
    return 1;
}

uint32_t dt_load_cond(dt_loader *L, const dt_attrs *at, int a)
{
    const char *src = at->v[a];
    dt_pos vp = dt_attr_pos(at, a);
    size_t n = at->len[a];
    if (n > LOAD_MAX_EXPR) {
        dt_load_error(L, DT_ELIMIT, &vp, "too-long", "expression is %zu bytes long; the limit is %d",
                      n, LOAD_MAX_EXPR);
        return M_NONE;
    }
    dt_str key;
    if (dt_load_intern(L, src, n, &key) != 0)
        return M_NONE;
    uint32_t seen = dt_idmap_get(&L->exprs, key);
    if (seen != M_NONE)
        return seen; /* the same text in this file: compiled once (positions name the first use) */
    known_ctx k = {L, L->in, &at->pos[a], src};
    void *comp = NULL;
    size_t off = 0;
    char msg[COND_MSG];
    if (dt_cond_compile(src, known, &k, &comp, &off, msg) != 0) {
        if (strcmp(msg, "out of memory") == 0) {
            dt_load_oom(L);
            return M_NONE;
        }
        dt_pos p = vp;
        if (at->pos[a].vline)
            dt_xmlin_value_pos(L->in, &at->pos[a], off, &p.line, &p.col);
        dt_load_error(L, DT_EINVALID, &p, "bad-expression", "%s (in %s=\"%.80s%s\")", msg,
                      dt_attr_names[a], src, n > 80 ? "..." : "");
        return M_NONE;
    }
    dt_cond_rec *r = dt_vec_push(&L->t->conds, sizeof *r);
    if (!r) {
        dt_cond_free(comp);
        dt_load_oom(L);
        return M_NONE;
    }
    r->comp = comp;
    r->unit = (uint16_t)L->unit;
    r->pos = vp;
    r->src = key;
    if (dt_idmap_put(&L->exprs, key, L->t->conds.len - 1, NULL) < 0)
        dt_load_oom(L);
    return L->t->conds.len - 1;
}

/* ---- "did you mean" ---- */

static unsigned distance(const char *a, size_t na, const char *b, size_t nb)
{
    unsigned row[65];
    for (size_t j = 0; j <= nb; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= na; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= nb; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

dt_str dt_load_suggest(dt_loader *L, uint32_t unit, const char *id)
{
    size_t n = strlen(id);
    if (n > 64 || L->suggestions >= MAX_SUGGESTIONS)
        return 0;
    L->suggestions++;
    const dt_unit_rec *u = M_UNIT(L->t, unit);
    uint32_t end = unit == L->unit && !u->nsteps ? L->t->steps.len : u->first_step + u->nsteps;
    unsigned best = (unsigned)(n < 6 ? 1 : n / 3) + 1;
    dt_str found = 0;
    for (uint32_t i = u->first_step; i < end; i++) {
        const char *c = M_S(L->t, M_STEP(L->t, i)->id);
        size_t m = strlen(c);
        if (m > 64 || (m > n ? m - n : n - m) >= best)
            continue;
        unsigned d = distance(id, n, c, m);
        if (d < best && d < n && d < m) { /* "x" is not a typo of "j" */
            best = d;
            found = M_STEP(L->t, i)->id;
        }
    }
    return found;
}

/* ---- the end of one file ---- */

/* The position of attribute `attr` of the element at *pos (the element's when it cannot be found). */
static dt_pos attr_at(dt_loader *L, const dt_pos *pos, const char *attr)
{
    dt_pos p = *pos;
    if (attr && L->in)
        dt_xmlin_find_attr(L->in, pos->line, pos->col, attr, &p.line, &p.col);
    return p;
}

/* `kind` and `name` say who points: kind "choice" + name "2" reads: choice "2" points to ...;
 * `attr` names the attribute that holds the reference, so the message points at it. */
static uint32_t resolve(dt_loader *L, uint32_t ref, const dt_pos *pos, const char *attr,
                        const char *kind, const char *name)
{
    if (ref == M_NONE)
        return M_NONE;
    uint32_t idx = step_of_id(L, ref);
    if (idx != M_NONE)
        return idx;
    const char *id = M_S(L->t, ref);
    dt_str sug = dt_load_suggest(L, L->unit, id);
    dt_pos at = attr_at(L, pos, attr);
    dt_load_error(L, DT_EINVALID, &at, "dangling-target", "%s%s%s%s points to step \"%s\", which does "
                                                          "not exist%s%s%s",
                  kind, name ? " \"" : "", name ? name : "", name ? "\"" : "", id,
                  sug ? " (did you mean \"" : "", sug ? M_S(L->t, sug) : "", sug ? "\"?)" : "");
    return M_NONE;
}

static void placeholder_at(dt_loader *L, const char *name, dt_pos *pos)
{
    char needle[80];
    if (L->in && strlen(name) + 3 <= sizeof needle) {
        snprintf(needle, sizeof needle, "{%s}", name);
        dt_xmlin_find_text(L->in, pos->line, pos->col, needle, &pos->line, &pos->col);
    }
}

static void report_pending(dt_loader *L)
{
    static const char *const pre[] = {"{", "$", "variable \""}, *const post[] = {"} in the text",
                                                                             " in the expression", "\""};
    for (uint32_t i = 0; i < L->pending.len; i++) {
        const dt_pending *p = M_VEC_AT(L->pending, dt_pending, i);
        if (dt_idmap_get(&L->fvars, p->name) != M_NONE)
            continue;
        dt_pos at = p->pos;
        if (p->what == 0) /* a text: point at the {placeholder}, not at its element */
            placeholder_at(L, M_S(L->t, p->name), &at);
        dt_load_error(L, DT_EINVALID, &at, "undeclared-var",
                      "%s%s%s is not declared in this file (add <var name=\"%s\" .../>)", pre[p->what],
                      M_S(L->t, p->name), post[p->what], M_S(L->t, p->name));
    }
}

static uint32_t var_of(dt_loader *L, uint32_t name)
{
    return name == M_NONE ? M_NONE : dt_idmap_get(&L->fvars, name);
}

static void resolve_steps(dt_loader *L, dt_unit_rec *u)
{
    dt_tree *t = L->t;
    for (uint32_t i = u->first_step; i < t->steps.len; i++) {
        dt_step_rec *s = M_STEP(t, i);
        const char *id = M_S(t, s->id);
        int jump = s->kind == DT_STEP_JUMP;
        s->next = resolve(L, s->next, &s->pos, jump ? "to" : "next", jump ? "jump" : "step", id);
        if (s->kind == DT_STEP_CALL || s->kind == DT_STEP_INPUT)
            s->var = var_of(L, s->var);
        dt_pos rp = s->kind == DT_STEP_CALL && s->var != M_NONE &&
                            M_VAR(t, s->var)->type != DT_VAR_TEXT
                        ? attr_at(L, &s->pos, "result")
                        : s->pos;
        if (s->kind == DT_STEP_CALL && s->var != M_NONE && M_VAR(t, s->var)->type != DT_VAR_TEXT)
            dt_load_error(L, DT_EINVALID, &rp, "bad-value", "call \"%s\": result variable \"%s\" "
                                                            "must be of type text (it receives the outcome)",
                          id, M_S(t, M_VAR(t, s->var)->name));
        for (uint32_t c = s->first_choice; c < s->first_choice + s->nchoices; c++) {
            dt_choice_rec *ch = M_CHOICE(t, c);
            if (s->kind == DT_STEP_QUESTION)
                ch->to = resolve(L, ch->to, &ch->pos, "to", "choice", M_S(t, ch->id));
            else
                ch->to = resolve(L, ch->to, &ch->pos, "to",
                                 ch->cond == M_NONE ? "<otherwise>" : "<when>", NULL);
        }
    }
    for (uint32_t i = L->first_set; i < t->sets.len; i++)
        M_SET(t, i)->var = var_of(L, M_SET(t, i)->var);
}

void dt_load_file_end(dt_loader *L)
{
    dt_tree *t = L->t;
    dt_unit_rec *u = M_UNIT(t, L->unit);
    u->nsteps = t->steps.len - u->first_step;
    report_pending(L);
    resolve_steps(L, u);
    u = M_UNIT(t, L->unit);
    if (u->nsteps == 0)
        dt_load_error(L, DT_EINVALID, &L->root_pos, "missing-element",
                      "the tree has no steps (add a <question>, <info>, <end>, ...)");
    else if (L->start_id)
        u->start = resolve(L, L->start_id, &L->start_pos, NULL, "start", NULL);
    else
        u->start = u->first_step;
    u = M_UNIT(t, L->unit);
    if (u->handoff_to != M_NONE)
        u->handoff_to = resolve(L, u->handoff_to, &L->handoff_pos, "to", "<handoff>", NULL);
    dt_load_check_inputs(L);
}

void dt_load_file_unread(dt_loader *L)
{
    dt_tree *t = L->t;
    dt_unit_rec *u = M_UNIT(t, L->unit);
    u->nsteps = t->steps.len - u->first_step;
    u->start = u->handoff_to = M_NONE;
    u->unread = 1;
    for (uint32_t i = u->first_step; i < t->steps.len; i++) { /* ids, not indices, until file end */
        dt_step_rec *s = M_STEP(t, i);
        s->next = s->target = s->var = M_NONE;
    }
    for (uint32_t c = L->first_choice; c < t->choices.len; c++)
        M_CHOICE(t, c)->to = M_NONE;
    for (uint32_t i = L->first_set; i < t->sets.len; i++)
        M_SET(t, i)->var = M_NONE;
}

/* ---- input steps: checks that need the variable's type ---- */

static int parse_bound(dt_loader *L, int type, dt_str str, const dt_pos *pos, const char *which,
                       double *out)
{
    const char *v = M_S(L->t, str);
    char canon[96];
    const char *why = "expected a whole number of characters";
    if (type == DT_VAR_DATE && strcmp(v, "today") == 0)
        return 1; /* compared with the session's date when an answer is checked */
    if (type == DT_VAR_NUMBER || type == DT_VAR_DATE) {
        if (strlen(v) < 60 && dt_value_parse((dt_var_type)type, v, canon, sizeof canon, &why) == 0) {
            *out = dt_value_number((dt_var_type)type, canon);
            return 0;
        }
        if (strlen(v) >= 60)
            why = "too long";
    } else if (type == DT_VAR_BOOLEAN || type == DT_VAR_CHOICE) {
        dt_load_error(L, DT_EINVALID, pos, "bad-value", "%s does not apply to %s variables", which,
                      dt_var_type_name(type));
        return -1;
    } else if (strspn(v, "0123456789") == strlen(v) && *v && strlen(v) < 10) {
        *out = strtod(v, NULL);
        return 0;
    }
    dt_load_error(L, DT_EINVALID, pos, "bad-value", "%s=\"%.40s\" is not valid for a %s variable: %s",
                  which, v, dt_var_type_name(type), why);
    return -1;
}

/* Compile an input's pattern, or share the one compiled for the same pattern earlier in the file
 * (a tree that repeats one pattern must not pay for it each time). */
static void input_pattern(dt_loader *L, const dt_inputfix *fx)
{
    dt_tree *t = L->t;
    dt_input_rec *in = M_INPUT(t, fx->input);
    const char *pat = M_S(t, in->pattern);
    size_t n = strlen(pat);
    uint32_t first = dt_idmap_get(&L->patterns, in->pattern);
    if (first != M_NONE && M_INPUT(t, first)->re) {
        in->re = M_INPUT(t, first)->re;
        return;
    }
    if (n > LOAD_MAX_PATTERN) {
        dt_load_error(L, DT_ELIMIT, &fx->patpos, "too-long", "pattern is %zu bytes long; the limit is %d",
                      n, LOAD_MAX_PATTERN);
        return;
    }
    dt_pattern **slot = dt_vec_push(&t->regexes, sizeof *slot);
    if (!slot) {
        dt_load_oom(L);
        return;
    }
    /* The dialect (pattern.h) refuses what browsers and PCRE2 would read differently, back-references
     * and repeats that grow too large; PCRE2's limits bound the work of each answer. */
    char why[200];
    dt_pattern *re = NULL;
    int rc = dt_pattern_compile(pat, n, &re, why, sizeof why);
    if (rc != 0) {
        t->regexes.len--;
        if (rc == -2)
            dt_load_oom(L);
        else
            dt_load_error(L, DT_EINVALID, &fx->patpos, "bad-pattern", "pattern \"%.60s\" %s", pat, why);
        return;
    }
    *slot = re;
    M_INPUT(t, fx->input)->re = re;
    if (first == M_NONE && dt_idmap_put(&L->patterns, in->pattern, fx->input, NULL) < 0)
        dt_load_oom(L);
}

void dt_load_check_inputs(dt_loader *L)
{
    dt_tree *t = L->t;
    for (uint32_t i = 0; i < L->inputfix.len; i++) {
        const dt_inputfix *fx = M_VEC_AT(L->inputfix, dt_inputfix, i);
        const dt_step_rec *s = M_STEP(t, fx->step);
        dt_input_rec *in = M_INPUT(t, fx->input);
        if (s->var == M_NONE) { /* reported as undeclared */
            if (in->pattern)
                input_pattern(L, fx);
            continue;
        }
        const dt_var_rec *v = M_VAR(t, s->var);
        const char *id = M_S(t, s->id), *name = M_S(t, v->name);
        in->type = v->type;
        if (v->type == DT_VAR_CHOICE && in->noptions == 0)
            dt_load_error(L, DT_EINVALID, &fx->pos, "missing-element", "input \"%s\": variable \"%s\" is "
                          "a choice, so list the allowed answers with <option>", id, name);
        if (v->type != DT_VAR_CHOICE && in->noptions > 0)
            dt_load_error(L, DT_EINVALID, &fx->pos, "misplaced-element", "input \"%s\": <option> only "
                          "applies to choice variables (\"%s\" is %s)", id, name, dt_var_type_name(v->type));
        int r;
        if (fx->min && (r = parse_bound(L, v->type, fx->min, &fx->minpos, "min", &in->min)) >= 0)
            in->has_min = (uint8_t)(1 + r);
        if (fx->max && (r = parse_bound(L, v->type, fx->max, &fx->maxpos, "max", &in->max)) >= 0)
            in->has_max = (uint8_t)(1 + r);
        if (in->has_min == 1 && in->has_max == 1 && in->min > in->max)
            dt_load_error(L, DT_EINVALID, &fx->minpos, "bad-value", "input \"%s\": min is greater than max", id);
        if (in->pattern)
            input_pattern(L, fx);
    }
}

/* ---- calls into other files ---- */

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return dt_strdup(".");
    return dt_strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static char *join(const char *dir, const char *name)
{
    if (name[0] == '/' || strcmp(dir, ".") == 0)
        return dt_strdup(name);
    size_t a = strlen(dir), b = strlen(name);
    char *s = dt_malloc(a + b + 2);
    if (s)
        snprintf(s, a + b + 2, "%s%s%s", dir, dir[a - 1] == '/' ? "" : "/", name);
    return s;
}

/* The library root: the option, else the root file's directory (the current one for memory). */
static int library_root(dt_loader *L, const dt_pos *pos)
{
    if (L->root || L->root_failed)
        return L->root ? 0 : -1;
    char *base = L->library_dir ? dt_strdup(L->library_dir)
                 : L->files[0].real ? dir_of(L->files[0].real) : dt_strdup(".");
    char rp[PATH_MAX];
    if (!base)
        return dt_load_oom(L), -1;
    if (!realpath(base, rp)) {
        L->root_failed = 1;
        dt_load_error(L, DT_EIO, pos, "call-missing-file", "the library directory \"%s\" cannot be "
                      "used, so calls cannot be resolved", base);
    } else if (!(L->root = dt_strdup(rp))) {
        dt_load_oom(L);
    }
    dt_free(base);
    return L->root ? 0 : -1;
}

static int inside(const char *root, const char *path)
{
    size_t n = strlen(root);
    if (strcmp(root, "/") == 0)
        return 1;
    return strncmp(path, root, n) == 0 && path[n] == '/';
}

/* Resolve "." and ".." in an absolute path in place, without looking at the file system, so that
 * "../../etc/passwd" is refused for leaving the library whether or not the file exists. */
static void lexical_normalise(char *p)
{
    char *out = p, *in = p;
    while (*in) {
        while (*in == '/')
            in++;
        char *seg = in;
        while (*in && *in != '/')
            in++;
        size_t n = (size_t)(in - seg);
        if (n == 0 || (n == 1 && seg[0] == '.'))
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > p && *--out != '/')
                ;
            continue;
        }
        *out++ = '/';
        memmove(out, seg, n);
        out += n;
    }
    if (out == p)
        *out++ = '/';
    *out = '\0';
}

/* 1 when `path` (absolute, normalised) is a symbolic link, or a chain of them, whose target leaves
 * the library as written.  Judged on the link text, not on where it resolves now: a link to
 * /dev/stdin resolves differently with a terminal, a pipe or nothing on stdin, and must read the
 * same in `check` and in `run`. */
static int link_leaves(const dt_loader *L, const char *path)
{
    char cur[PATH_MAX], target[PATH_MAX];
    snprintf(cur, sizeof cur, "%s", path);
    for (int hops = 0; hops < 8; hops++) {
        ssize_t n = readlink(cur, target, sizeof target - 1);
        if (n <= 0)
            return 0;
        target[n] = 0;
        if (target[0] == '/') {
            snprintf(cur, sizeof cur, "%s", target);
        } else {
            char *slash = strrchr(cur, '/');
            if (slash)
                slash[1] = 0;
            size_t len = strlen(cur);
            if (len + (size_t)n + 1 > sizeof cur)
                return 1;
            memcpy(cur + len, target, (size_t)n + 1);
        }
        lexical_normalise(cur);
        if (!inside(L->root, cur))
            return 1;
    }
    return 0;
}

uint32_t dt_load_callee(dt_loader *L, const char *tree_attr, const dt_pos *pos)
{
    if (library_root(L, pos) != 0)
        return M_NONE;
    const dt_fileinfo *me = &L->files[L->unit];
    char *cdir = me->real ? dir_of(me->real) : dt_strdup(L->root);
    char *ddir = me->real ? dir_of(me->display) : dt_strdup(L->library_dir ? L->library_dir : ".");
    char *path = cdir ? join(cdir, tree_attr) : NULL;
    char *display = ddir ? join(ddir, tree_attr) : NULL;
    char rp[PATH_MAX];
    uint32_t unit = M_NONE;
    if (path)
        lexical_normalise(path);
    if (!path || !display) {
        dt_load_oom(L);
    } else if (!inside(L->root, path)) {
        dt_load_error(L, DT_EINVALID, pos, "call-outside-library", "called tree \"%s\" is outside the "
                      "tree library: calls must stay inside the directory of the first tree", tree_attr);
    } else if (link_leaves(L, path)) {
        dt_load_error(L, DT_EINVALID, pos, "call-outside-library", "called tree \"%s\" leads outside the "
                      "tree library through a symbolic link: calls must stay inside it", tree_attr);
    } else if (!realpath(path, rp)) {
        dt_load_error(L, DT_EINVALID, pos, "call-missing-file", "called tree \"%s\" not found (looked "
                      "for %s)", tree_attr, display);
    } else if (!inside(L->root, rp)) {
        dt_load_error(L, DT_EINVALID, pos, "call-outside-library", "called tree \"%s\" leads outside the "
                      "tree library through a symbolic link: calls must stay inside it", tree_attr);
    } else {
        for (uint32_t i = 0; i < L->nfiles && unit == M_NONE; i++)
            if (L->files[i].real && strcmp(L->files[i].real, rp) == 0)
                unit = i;
        if (unit == M_NONE && L->nfiles >= LOAD_MAX_FILES) {
            dt_load_error(L, DT_ELIMIT, pos, "too-many-files", "more than %d files in one bundle of "
                                                               "trees",
                          LOAD_MAX_FILES);
        } else if (unit == M_NONE) {
            char *real = dt_strdup(rp);
            if (!real) {
                dt_load_oom(L);
            } else {
                unit = dt_load_add_file(L, real, display);
                display = NULL; /* owned by the file list now (or freed) */
            }
        }
    }
    dt_free(cdir);
    dt_free(ddir);
    dt_free(path);
    dt_free(display);
    return unit;
}

static void resolve_call(dt_loader *L, const dt_callfix *fx)
{
    dt_tree *t = L->t;
    const dt_unit_rec *u = M_UNIT(t, fx->callee);
    uint32_t target = u->start;
    L->unit = fx->unit;
    L->file = L->files[fx->unit].display;
    if (fx->start) {
        const char *id = M_S(t, fx->start);
        target = dt_tree_find_step(t, fx->callee, id);
        if (target == M_NONE) {
            dt_str sug = dt_load_suggest(L, fx->callee, id);
            dt_load_error(L, DT_EINVALID, &fx->pos, "dangling-target", "%s starts at step \"%s\", which "
                                                                       "does not exist in %s%s%s%s",
                          fx->is_jump ? "jump" : "call", id,
                          L->files[fx->callee].display, sug ? " (did you mean \"" : "",
                          sug ? M_S(t, sug) : "", sug ? "\"?)" : "");
        }
    }
    dt_step_rec *s = M_STEP(t, fx->step);
    if (fx->is_jump)
        s->next = target;
    else
        s->target = target;
}

/* Tree hash: a single file's own hash; for a bundle, the hash of the files' hashes in order. */
static void bundle_hash(dt_tree *t)
{
    uint64_t h = t->units.len ? M_UNIT(t, 0)->hash : 0;
    if (t->units.len > 1) {
        dt_hash64 st;
        dt_hash64_init(&st);
        for (uint32_t i = 0; i < t->units.len; i++) {
            unsigned char b[8];
            for (int k = 0; k < 8; k++)
                b[k] = (unsigned char)(M_UNIT(t, i)->hash >> (8 * k));
            dt_hash64_update(&st, b, 8);
        }
        h = dt_hash64_final(&st);
    }
    snprintf(t->hash_hex, sizeof t->hash_hex, "%016llx", (unsigned long long)h);
}

void dt_load_bundle_end(dt_loader *L)
{
    if (dt_tree_index(L->t) != DT_OK) {
        dt_load_oom(L);
        return;
    }
    for (uint32_t i = 0; i < L->callfix.len; i++) {
        const dt_callfix *fx = M_VEC_AT(L->callfix, dt_callfix, i);
        if (fx->callee != M_NONE && L->files[fx->unit].ok && L->files[fx->callee].ok)
            resolve_call(L, fx);
    }
    if (dt_tree_taint(L->t) != 0) /* values derived from secrets are secret (taint.c) */
        dt_load_oom(L);
    bundle_hash(L->t);
}
