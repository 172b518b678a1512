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
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        return DT_NONE;
    for (uint32_t j = slot_of(key, m->cap); m->slots[j]; j = (j + 1) & (m->cap - 1))
        if ((dt_str)(m->slots[j] >> 32) == key)
            return (uint32_t)m->slots[j];
    return DT_NONE;
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
    if (id == 0 || id == DT_NONE)
        return DT_NONE;
    uint32_t tag = dt_strtab_get_tag(&L->t->strs, id);
    if (tag == 0 || (tag - 1) >> 24 != L->unit)
        return DT_NONE;
    return DT_UNIT(L->t, L->unit)->first_step + ((tag - 1) & 0xFFFFFFu);
}

void dt_load_declare_step(dt_loader *L, uint32_t step, const dt_pos *pos)
{
    dt_str id = DT_STEP(L->t, step)->id;
    uint32_t old = step_of_id(L, id);
    if (id == 0)
        return;
    if (old != DT_NONE) {
        dt_load_error(L, DT_EINVALID, pos, "duplicate-id",
                      "duplicate step id \"%s\" (first used at line %u)", DT_S(L->t, id),
                      DT_STEP(L->t, old)->pos.line);
        return;
    }
    /* on_step keeps a file under DT_MAX_STEPS (2^24 - 1) steps, DT_MAX_FILES is 256 */
    uint32_t local = step - DT_UNIT(L->t, L->unit)->first_step;
    dt_strtab_set_tag(&L->t->strs, id, (L->unit << 24 | local) + 1);
}

void dt_load_declare_var(dt_loader *L, const dt_var_rec *v)
{
    dt_tree *t = L->t;
    uint32_t old = dt_idmap_get(&L->fvars, v->name);
    if (old != DT_NONE) {
        dt_load_error(L, DT_EINVALID, &v->pos, "duplicate-var",
                      "variable \"%s\" is declared twice in this file (first at line %u)",
                      DT_S(t, v->name), DT_VAR(t, old)->unit == L->unit ? DT_VAR(t, old)->pos.line : 0);
        return;
    }
    uint32_t idx = dt_idmap_get(&L->gvars, v->name);
    if (idx != DT_NONE && DT_VAR(t, idx)->type != v->type) {
        const dt_var_rec *o = DT_VAR(t, idx);
        dt_load_error(L, DT_EINVALID, &v->pos, "var-type-conflict",
                      "variable \"%s\" is declared as %s here but as %s in %s:%u (variables are "
                      "shared by every tree of a session)", DT_S(t, v->name), dt_var_type_name(v->type),
                      dt_var_type_name(o->type), L->files[o->unit].display, o->pos.line);
        return;
    }
    if (idx == DT_NONE) {
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
    if (dt_idmap_get(&L->fvars, name) != DT_NONE)
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
    if (s != UINT32_MAX && dt_idmap_get(&k->L->fvars, s) != DT_NONE)
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
    if (n > DT_MAX_EXPR) {
        dt_load_error(L, DT_ELIMIT, &vp, "too-long", "expression is %zu bytes long; the limit is %d",
                      n, DT_MAX_EXPR);
        return DT_NONE;
    }
    dt_str key;
    if (dt_load_intern(L, src, n, &key) != 0)
        return DT_NONE;
    uint32_t seen = dt_idmap_get(&L->exprs, key);
    if (seen != DT_NONE)
        return seen; /* the same text in this file: compiled once (positions name the first use) */
    known_ctx k = {L, L->in, &at->pos[a], src};
    void *comp = NULL;
    size_t off = 0;
    char msg[DT_COND_MSG];
    if (dt_cond_compile(src, known, &k, &comp, &off, msg) != 0) {
        if (strcmp(msg, "out of memory") == 0) {
            dt_load_oom(L);
            return DT_NONE;
        }
        dt_pos p = vp;
        if (at->pos[a].vline)
            dt_xmlin_value_pos(L->in, &at->pos[a], off, &p.line, &p.col);
        dt_load_error(L, DT_EINVALID, &p, "bad-expression", "%s (in %s=\"%.80s%s\")", msg,
                      dt_attr_names[a], src, n > 80 ? "..." : "");
        return DT_NONE;
    }
    dt_cond_rec *r = dt_vec_push(&L->t->conds, sizeof *r);
    if (!r) {
        dt_cond_free(comp);
        dt_load_oom(L);
        return DT_NONE;
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
    const dt_unit_rec *u = DT_UNIT(L->t, unit);
    uint32_t end = unit == L->unit && !u->nsteps ? L->t->steps.len : u->first_step + u->nsteps;
    unsigned best = (unsigned)(n < 6 ? 1 : n / 3) + 1;
    dt_str found = 0;
    for (uint32_t i = u->first_step; i < end; i++) {
        const char *c = DT_S(L->t, DT_STEP(L->t, i)->id);
        size_t m = strlen(c);
        if (m > 64 || (m > n ? m - n : n - m) >= best)
            continue;
        unsigned d = distance(id, n, c, m);
        if (d < best && d < n && d < m) { /* "x" is not a typo of "j" */
            best = d;
            found = DT_STEP(L->t, i)->id;
        }
    }
    return found;
}

/* ---- the end of one file ---- */

/* `kind` and `name` say who points: kind "choice" + name "2" reads: choice "2" points to ... */
static uint32_t resolve(dt_loader *L, uint32_t ref, const dt_pos *pos, const char *kind,
                        const char *name)
{
    if (ref == DT_NONE)
        return DT_NONE;
    uint32_t idx = step_of_id(L, ref);
    if (idx != DT_NONE)
        return idx;
    const char *id = DT_S(L->t, ref);
    dt_str sug = dt_load_suggest(L, L->unit, id);
    dt_load_error(L, DT_EINVALID, pos, "dangling-target", "%s%s%s%s points to step \"%s\", which does "
                  "not exist%s%s%s", kind, name ? " \"" : "", name ? name : "", name ? "\"" : "", id,
                  sug ? " (did you mean \"" : "", sug ? DT_S(L->t, sug) : "", sug ? "\"?)" : "");
    return DT_NONE;
}

static void report_pending(dt_loader *L)
{
    static const char *const pre[] = {"{", "$", "variable \""}, *const post[] = {"} in the text",
                                                                             " in the expression", "\""};
    for (uint32_t i = 0; i < L->pending.len; i++) {
        const dt_pending *p = DT_VEC_AT(L->pending, dt_pending, i);
        if (dt_idmap_get(&L->fvars, p->name) != DT_NONE)
            continue;
        dt_load_error(L, DT_EINVALID, &p->pos, "undeclared-var",
                      "%s%s%s is not declared in this file (add <var name=\"%s\" .../>)", pre[p->what],
                      DT_S(L->t, p->name), post[p->what], DT_S(L->t, p->name));
    }
}

static uint32_t var_of(dt_loader *L, uint32_t name)
{
    return name == DT_NONE ? DT_NONE : dt_idmap_get(&L->fvars, name);
}

static void resolve_steps(dt_loader *L, dt_unit_rec *u)
{
    dt_tree *t = L->t;
    for (uint32_t i = u->first_step; i < t->steps.len; i++) {
        dt_step_rec *s = DT_STEP(t, i);
        const char *id = DT_S(t, s->id);
        s->next = resolve(L, s->next, &s->pos, s->kind == DT_STEP_JUMP ? "jump" : "step", id);
        if (s->kind == DT_STEP_CALL || s->kind == DT_STEP_INPUT)
            s->var = var_of(L, s->var);
        if (s->kind == DT_STEP_CALL && s->var != DT_NONE && DT_VAR(t, s->var)->type != DT_VAR_TEXT)
            dt_load_error(L, DT_EINVALID, &s->pos, "bad-value", "call \"%s\": result variable \"%s\" "
                          "must be of type text (it receives the outcome)", id, DT_S(t, DT_VAR(t, s->var)->name));
        for (uint32_t c = s->first_choice; c < s->first_choice + s->nchoices; c++) {
            dt_choice_rec *ch = DT_CHOICE(t, c);
            if (s->kind == DT_STEP_QUESTION)
                ch->to = resolve(L, ch->to, &ch->pos, "choice", DT_S(t, ch->id));
            else
                ch->to = resolve(L, ch->to, &ch->pos, ch->cond == DT_NONE ? "<otherwise>" : "<when>", NULL);
        }
    }
    for (uint32_t i = L->first_set; i < t->sets.len; i++)
        DT_SET(t, i)->var = var_of(L, DT_SET(t, i)->var);
}

void dt_load_file_end(dt_loader *L)
{
    dt_tree *t = L->t;
    dt_unit_rec *u = DT_UNIT(t, L->unit);
    u->nsteps = t->steps.len - u->first_step;
    report_pending(L);
    resolve_steps(L, u);
    u = DT_UNIT(t, L->unit);
    if (u->nsteps == 0)
        dt_load_error(L, DT_EINVALID, &L->root_pos, "missing-element",
                      "the tree has no steps (add a <question>, <info>, <end>, ...)");
    else if (L->start_id)
        u->start = resolve(L, L->start_id, &L->start_pos, "start", NULL);
    else
        u->start = u->first_step;
    u = DT_UNIT(t, L->unit);
    if (u->handoff_to != DT_NONE)
        u->handoff_to = resolve(L, u->handoff_to, &L->handoff_pos, "<handoff>", NULL);
    dt_load_check_inputs(L);
}

/* ---- input steps: checks that need the variable's type ---- */

static int parse_bound(dt_loader *L, int type, dt_str str, const dt_pos *pos, const char *which,
                       double *out)
{
    const char *v = DT_S(L->t, str);
    char canon[96];
    const char *why = "expected a whole number of characters";
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
 * (a regex_t can take 26 KiB: a tree that repeats one pattern must not pay for it each time). */
static void input_pattern(dt_loader *L, const dt_inputfix *fx)
{
    dt_tree *t = L->t;
    dt_input_rec *in = DT_INPUT(t, fx->input);
    const char *pat = DT_S(t, in->pattern);
    size_t n = strlen(pat);
    uint32_t first = dt_idmap_get(&L->patterns, in->pattern);
    if (first != DT_NONE && DT_INPUT(t, first)->re) {
        in->re = DT_INPUT(t, first)->re;
        return;
    }
    if (n > DT_MAX_PATTERN) {
        dt_load_error(L, DT_ELIMIT, &fx->patpos, "too-long", "pattern is %zu bytes long; the limit is %d",
                      n, DT_MAX_PATTERN);
        return;
    }
    /* glibc accepts back-references in extended patterns, and matching them can take exponential
     * time on a crafted answer: a tree file may not ask for that. */
    for (const char *b = strchr(pat, '\\'); b; b = strchr(b + 2, '\\')) {
        if (b[1] >= '1' && b[1] <= '9') {
            dt_load_error(L, DT_EINVALID, &fx->patpos, "bad-pattern",
                          "pattern \"%.60s\" uses a back-reference (\\%c), which is not allowed: it can "
                          "make checking an answer take minutes", pat, b[1]);
            return;
        }
        if (!b[1])
            break;
    }
    char full[DT_MAX_PATTERN + 8];
    snprintf(full, sizeof full, "^(%s)$", pat);
    regex_t *re = dt_malloc(sizeof *re);
    if (!re) {
        dt_load_oom(L);
        return;
    }
    regex_t **slot = dt_vec_push(&t->regexes, sizeof *slot);
    if (!slot) {
        dt_free(re);
        dt_load_oom(L);
        return;
    }
    int rc = regcomp(re, full, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        t->regexes.len--;
        char why[120];
        regerror(rc, re, why, sizeof why);
        dt_free(re);
        dt_load_error(L, DT_EINVALID, &fx->patpos, "bad-pattern", "pattern \"%.60s\" is not a valid "
                      "regular expression: %s", pat, why);
        return;
    }
    *slot = re;
    DT_INPUT(t, fx->input)->re = re;
    if (first == DT_NONE && dt_idmap_put(&L->patterns, in->pattern, fx->input, NULL) < 0)
        dt_load_oom(L);
}

void dt_load_check_inputs(dt_loader *L)
{
    dt_tree *t = L->t;
    for (uint32_t i = 0; i < L->inputfix.len; i++) {
        const dt_inputfix *fx = DT_VEC_AT(L->inputfix, dt_inputfix, i);
        const dt_step_rec *s = DT_STEP(t, fx->step);
        dt_input_rec *in = DT_INPUT(t, fx->input);
        if (s->var == DT_NONE) { /* reported as undeclared */
            if (in->pattern)
                input_pattern(L, fx);
            continue;
        }
        const dt_var_rec *v = DT_VAR(t, s->var);
        const char *id = DT_S(t, s->id), *name = DT_S(t, v->name);
        in->type = v->type;
        if (v->type == DT_VAR_CHOICE && in->noptions == 0)
            dt_load_error(L, DT_EINVALID, &fx->pos, "missing-element", "input \"%s\": variable \"%s\" is "
                          "a choice, so list the allowed answers with <option>", id, name);
        if (v->type != DT_VAR_CHOICE && in->noptions > 0)
            dt_load_error(L, DT_EINVALID, &fx->pos, "misplaced-element", "input \"%s\": <option> only "
                          "applies to choice variables (\"%s\" is %s)", id, name, dt_var_type_name(v->type));
        if (fx->min && parse_bound(L, v->type, fx->min, &fx->minpos, "min", &in->min) == 0)
            in->has_min = 1;
        if (fx->max && parse_bound(L, v->type, fx->max, &fx->maxpos, "max", &in->max) == 0)
            in->has_max = 1;
        if (in->has_min && in->has_max && in->min > in->max)
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

uint32_t dt_load_callee(dt_loader *L, const char *tree_attr, const dt_pos *pos)
{
    if (library_root(L, pos) != 0)
        return DT_NONE;
    const dt_fileinfo *me = &L->files[L->unit];
    char *cdir = me->real ? dir_of(me->real) : dt_strdup(L->root);
    char *ddir = me->real ? dir_of(me->display) : dt_strdup(L->library_dir ? L->library_dir : ".");
    char *path = cdir ? join(cdir, tree_attr) : NULL;
    char *display = ddir ? join(ddir, tree_attr) : NULL;
    char rp[PATH_MAX];
    uint32_t unit = DT_NONE;
    if (path)
        lexical_normalise(path);
    if (!path || !display) {
        dt_load_oom(L);
    } else if (!inside(L->root, path)) {
        dt_load_error(L, DT_EINVALID, pos, "call-outside-library", "called tree \"%s\" is outside the "
                      "tree library: calls must stay inside the directory of the first tree", tree_attr);
    } else if (!realpath(path, rp)) {
        dt_load_error(L, DT_EINVALID, pos, "call-missing-file", "called tree \"%s\" not found (looked "
                      "for %s)", tree_attr, display);
    } else if (!inside(L->root, rp)) {
        dt_load_error(L, DT_EINVALID, pos, "call-outside-library", "called tree \"%s\" leads outside the "
                      "tree library through a symbolic link: calls must stay inside it", tree_attr);
    } else {
        for (uint32_t i = 0; i < L->nfiles && unit == DT_NONE; i++)
            if (L->files[i].real && strcmp(L->files[i].real, rp) == 0)
                unit = i;
        if (unit == DT_NONE && L->nfiles >= DT_MAX_FILES) {
            dt_load_error(L, DT_ELIMIT, pos, "too-many-files", "more than %d files in one bundle of "
                          "trees", DT_MAX_FILES);
        } else if (unit == DT_NONE) {
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
    const dt_unit_rec *u = DT_UNIT(t, fx->callee);
    uint32_t target = u->start;
    L->unit = fx->unit;
    L->file = L->files[fx->unit].display;
    if (fx->start) {
        const char *id = DT_S(t, fx->start);
        target = dt_tree_find_step(t, fx->callee, id);
        if (target == DT_NONE) {
            dt_str sug = dt_load_suggest(L, fx->callee, id);
            dt_load_error(L, DT_EINVALID, &fx->pos, "dangling-target", "%s starts at step \"%s\", which "
                          "does not exist in %s%s%s%s", fx->is_jump ? "jump" : "call", id,
                          L->files[fx->callee].display, sug ? " (did you mean \"" : "",
                          sug ? DT_S(t, sug) : "", sug ? "\"?)" : "");
        }
    }
    dt_step_rec *s = DT_STEP(t, fx->step);
    if (fx->is_jump)
        s->next = target;
    else
        s->target = target;
}

/* Tree hash: a single file's own hash; for a bundle, the hash of the files' hashes in order. */
static void bundle_hash(dt_tree *t)
{
    uint64_t h = t->units.len ? DT_UNIT(t, 0)->hash : 0;
    if (t->units.len > 1) {
        dt_hash64 st;
        dt_hash64_init(&st);
        for (uint32_t i = 0; i < t->units.len; i++) {
            unsigned char b[8];
            for (int k = 0; k < 8; k++)
                b[k] = (unsigned char)(DT_UNIT(t, i)->hash >> (8 * k));
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
        const dt_callfix *fx = DT_VEC_AT(L->callfix, dt_callfix, i);
        if (fx->callee != DT_NONE && L->files[fx->unit].ok && L->files[fx->callee].ok)
            resolve_call(L, fx);
    }
    bundle_hash(L->t);
}
