/*
 * check_vars.c — variable use (declared but unused, read but never given a value) and the type
 * mistakes in conditions that a token scan can see: `$n = 'abc'` on a number, `$flag = 'false'` on a
 * boolean, `$date > 20260101` on a date, an unknown option of a choice variable.  Only direct
 * comparisons (`$v op literal` bounded by `(`, `,`, `and`, `or` or the ends) are judged, so operator
 * precedence never makes a warning wrong.
 */
#include "check.h"
#include "interp.h"
#include "mem.h"
#include <string.h>
#include <strings.h>

enum { TK_END, TK_VAR, TK_STR, TK_NUM, TK_CMP, TK_BOUND, TK_OTHER };

typedef struct tok {
    int kind;
    const char *s; /* name, string contents, operator */
    size_t n;
    size_t off;    /* offset in the expression */
} tok;

static int name_ch(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-' || ch == '.';
}

static int digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Read the token at src+i; returns the offset after it. */
static size_t next_tok(const char *src, size_t i, tok *t)
{
    while (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r')
        i++;
    size_t j = i;
    *t = (tok){TK_OTHER, src + i, 1, i};
    char ch = src[i];
    if (!ch)
        return t->kind = TK_END, i;
    if (ch == '$') {
        while (name_ch(src[++j]))
            ;
        *t = (tok){TK_VAR, src + i + 1, j - i - 1, i};
    } else if (ch == '\'' || ch == '"') {
        while (src[++j] && src[j] != ch)
            ;
        *t = (tok){TK_STR, src + i + 1, j - i - 1, i};
        j += src[j] != 0;
    } else if (digit(ch) || (ch == '.' && digit(src[i + 1]))) {
        while (digit(src[j]) || src[j] == '.')
            j++;
        *t = (tok){TK_NUM, src + i, j - i, i};
    } else if (ch == '=' || ch == '<' || ch == '>' || (ch == '!' && src[i + 1] == '=')) {
        j += 1 + (src[i + 1] == '=');
        *t = (tok){TK_CMP, src + i, j - i, i};
    } else if (name_ch(ch)) {
        while (name_ch(src[j]))
            j++;
        int bound = (j - i == 3 && !strncmp(src + i, "and", 3)) || (j - i == 2 && !strncmp(src + i, "or", 2));
        *t = (tok){bound ? TK_BOUND : TK_OTHER, src + i, j - i, i};
    } else {
        j++;
        if (strchr("(),[]", ch))
            t->kind = TK_BOUND;
    }
    return j;
}

static uint32_t var_of(const dt_tree *t, const char *s, size_t n)
{
    char name[128];
    if (n == 0 || n >= sizeof name)
        return M_NONE;
    memcpy(name, s, n);
    name[n] = 0;
    return dt_tree_find_var(t, name);
}

/* XPath 1.0 number(): optional spaces, optional '-', digits with an optional fraction. */
static int xpath_numeric(const char *s, size_t n)
{
    size_t i = 0, d = 0;
    while (i < n && s[i] == ' ')
        i++;
    i += i < n && s[i] == '-';
    for (; i < n && digit(s[i]); i++)
        d++;
    if (i < n && s[i] == '.')
        for (i++; i < n && digit(s[i]); i++)
            d++;
    while (i < n && s[i] == ' ')
        i++;
    return d > 0 && i == n;
}

typedef struct vctx {
    dt_chk *c;
    uint8_t *read, *written;
    uint32_t *input_of; /* var -> first input step collecting it, M_NONE */
    uint32_t cond;      /* expression being scanned */
} vctx;

/* Position of offset `off` inside expression `cond`: exact while the text before it has nothing
 * the XML source may have spelled differently (entities, line breaks). */
static dt_pos expr_pos(const dt_tree *t, uint32_t cond, size_t off)
{
    const dt_cond_rec *cr = M_COND(t, cond);
    const char *src = M_S(t, cr->src);
    dt_pos p = cr->pos;
    if (p.line && strcspn(src, "<>&\"'\n\t") >= off)
        p.col += (uint32_t)off;
    return p;
}

static int is_option(const dt_tree *t, uint32_t step, const tok *lit, int *case_only)
{
    const dt_input_rec *in = M_INPUT(t, M_STEP(t, step)->input);
    for (uint32_t k = 0; k < in->noptions; k++) {
        const char *o = M_S(t, M_OPTION(t, in->first_option + k));
        if (strlen(o) == lit->n && !strncmp(o, lit->s, lit->n))
            return 1;
        if (strlen(o) == lit->n && !strncasecmp(o, lit->s, lit->n))
            *case_only = 1;
    }
    return 0;
}

static void judge(vctx *v, const tok *var, const tok *op, const tok *lit)
{
    const dt_tree *t = v->c->t;
    uint32_t x = var_of(t, var->s, var->n);
    if (x == M_NONE)
        return;
    const dt_var_rec *vr = M_VAR(t, x);
    const dt_cond_rec *cr = M_COND(t, v->cond);
    if (!dt_chk_wants(v->c, cr->unit))
        return;
    dt_pos pos = expr_pos(t, v->cond, var->off);
    int rel = op->s[0] == '<' || op->s[0] == '>';
    const char *vn = M_S(t, vr->name);
    if (vr->type == DT_VAR_DATE && rel)
        dt_chk_add(v->c, DT_SEV_WARNING, cr->unit, pos, "cond-type",
                   "date $%s is text, so '%.*s' compares it as a number that is never a number "
                   "(always false): write translate($%s, '-', '') %.*s 20261231",
                   vn, (int)op->n, op->s, vn, (int)op->n, op->s);
    if (lit->kind != TK_STR)
        return;
    if (vr->type == DT_VAR_NUMBER && !xpath_numeric(lit->s, lit->n))
        dt_chk_add(v->c, DT_SEV_WARNING, cr->unit, pos, "cond-type",
                   "number $%s is compared with '%.*s', which is not a number: the comparison "
                   "never depends on $%s", vn, (int)lit->n, lit->s, vn);
    else if (vr->type == DT_VAR_BOOLEAN)
        dt_chk_add(v->c, DT_SEV_WARNING, cr->unit, pos, "cond-type",
                   "boolean $%s is compared with the text '%.*s', which XPath reads as %s: "
                   "write $%s = true(), $%s = false() or not($%s)", vn, (int)lit->n, lit->s,
                   lit->n ? "true" : "false", vn, vn, vn);
    else if (vr->type == DT_VAR_CHOICE && !rel && v->input_of[x] != M_NONE) {
        int case_only = 0;
        if (!is_option(t, v->input_of[x], lit, &case_only) &&
            !(vr->has_default && !strncmp(M_S(t, vr->def), lit->s, lit->n) &&
              strlen(M_S(t, vr->def)) == lit->n))
            dt_chk_add(v->c, DT_SEV_WARNING, cr->unit, pos, "cond-type",
                       "$%s is compared with '%.*s', which is not one of its options%s", vn,
                       (int)lit->n, lit->s, case_only ? " (options are stored as written: mind "
                                                        "the case)" : "");
    }
}

static int bound(const tok *t)
{
    return t->kind == TK_BOUND || t->kind == TK_END;
}

static int literal(const tok *t)
{
    return t->kind == TK_STR || t->kind == TK_NUM;
}

/* Slide a five-token window: [bound] operand op operand [bound]. */
static void window(vctx *v, const tok *w)
{
    if (w[2].kind != TK_CMP)
        return;
    if (bound(&w[0]) && w[1].kind == TK_VAR && literal(&w[3]) && bound(&w[4]))
        judge(v, &w[1], &w[2], &w[3]);
    else if (bound(&w[0]) && literal(&w[1]) && w[3].kind == TK_VAR && bound(&w[4]))
        judge(v, &w[3], &w[2], &w[1]);
    else if (bound(&w[0]) && w[1].kind == TK_VAR && w[3].kind == TK_VAR && bound(&w[4])) {
        tok none = {TK_OTHER, "", 0, 0};
        judge(v, &w[1], &w[2], &none); /* still catches a date in a relational comparison */
        judge(v, &w[3], &w[2], &none);
    }
}

static void scan_expr(vctx *v, uint32_t cond)
{
    const char *src = M_S(v->c->t, M_COND(v->c->t, cond)->src);
    tok w[5];
    for (int k = 0; k < 5; k++)
        w[k] = (tok){TK_BOUND, "", 0, 0};
    size_t i = 0;
    v->cond = cond;
    do {
        memmove(w, w + 1, 4 * sizeof *w);
        i = next_tok(src, i, &w[4]);
        if (w[4].kind == TK_VAR) {
            uint32_t x = var_of(v->c->t, w[4].s, w[4].n);
            if (x != M_NONE)
                v->read[x] = 1;
        }
        window(v, w);
    } while (w[4].kind != TK_END);
}

/* `<set var="n" value="'abc'"/>`: a lone text literal converted to a number or a boolean. */
static void judge_set(vctx *v, const dt_set_rec *st)
{
    const dt_tree *t = v->c->t;
    if (st->var >= t->vars.len || st->expr >= t->conds.len)
        return;
    const char *src = M_S(t, M_COND(t, st->expr)->src);
    tok a, b;
    next_tok(src, next_tok(src, 0, &a), &b);
    const dt_var_rec *vr = M_VAR(t, st->var);
    const dt_cond_rec *cr = M_COND(t, st->expr);
    if (a.kind != TK_STR || b.kind != TK_END || !dt_chk_wants(v->c, cr->unit))
        return;
    if (vr->type == DT_VAR_NUMBER && !xpath_numeric(a.s, a.n))
        dt_chk_add(v->c, DT_SEV_WARNING, cr->unit, cr->pos, "cond-type",
                   "number $%s is set to the text '%.*s', which is not a number (it becomes NaN)",
                   M_S(t, vr->name), (int)a.n, a.s);
    else if (vr->type == DT_VAR_BOOLEAN)
        dt_chk_add(v->c, DT_SEV_WARNING, cr->unit, cr->pos, "cond-type",
                   "boolean $%s is set to the text '%.*s', which XPath reads as %s: write true() or "
                   "false()",
                   M_S(t, vr->name), (int)a.n, a.s, a.n ? "true" : "false");
}

static int on_interp(void *ud, const char *s, size_t n, int is_var)
{
    vctx *v = ud;
    uint32_t x = is_var ? var_of(v->c->t, s, n) : M_NONE;
    if (x != M_NONE)
        v->read[x] = 1;
    return 0;
}

static void interp(vctx *v, dt_str text)
{
    size_t bad;
    if (text)
        dt_interp_walk(M_S(v->c->t, text), on_interp, v, &bad);
}

static void mark_step(vctx *v, uint32_t i)
{
    const dt_tree *t = v->c->t;
    const dt_step_rec *s = M_STEP(t, i);
    for (uint32_t k = 0; k < s->nsay; k++)
        interp(v, M_SAY(t, s->first_say + k)->text);
    interp(v, s->note);
    for (uint32_t k = 0; s->kind == DT_STEP_QUESTION && k < s->nchoices; k++)
        interp(v, M_CHOICE(t, s->first_choice + k)->label);
    if (s->kind == DT_STEP_INPUT && s->input < t->inputs.len)
        interp(v, M_INPUT(t, s->input)->retry);
    if ((s->kind == DT_STEP_INPUT || s->kind == DT_STEP_CALL) && s->var < t->vars.len) {
        v->written[s->var] = 1;
        if (s->kind == DT_STEP_INPUT && v->input_of[s->var] == M_NONE)
            v->input_of[s->var] = i;
    }
}

static void report_vars(vctx *v)
{
    const dt_tree *t = v->c->t;
    for (uint32_t x = 0; x < t->vars.len; x++) {
        const dt_var_rec *vr = M_VAR(t, x);
        if (!dt_chk_wants(v->c, vr->unit))
            continue;
        if (!v->read[x] && !v->written[x])
            dt_chk_add(v->c, DT_SEV_WARNING, vr->unit, vr->pos, "unused-var",
                       "variable '%s' is declared but never used", M_S(t, vr->name));
        else if (v->read[x] && !v->written[x] && !vr->has_default)
            dt_chk_add(v->c, DT_SEV_WARNING, vr->unit, vr->pos, "unset-var",
                       "variable '%s' is read but never given a value (no default, no input, no "
                       "set, no call result)",
                       M_S(t, vr->name));
    }
}

void dt_check_vars(dt_chk *c)
{
    const dt_tree *t = c->t;
    size_t nv = t->vars.len ? t->vars.len : 1;
    vctx v = {c, dt_calloc(nv, 1), dt_calloc(nv, 1), dt_malloc(nv * sizeof(uint32_t)), 0};
    if (!v.read || !v.written || !v.input_of) {
        c->oom = 1;
    } else {
        memset(v.input_of, 0xff, nv * sizeof(uint32_t));
        for (uint32_t u = 0; u < t->units.len; u++) {
            interp(&v, M_UNIT(t, u)->handoff_text);
            interp(&v, M_UNIT(t, u)->description);
        }
        for (uint32_t i = 0; i < t->steps.len; i++)
            mark_step(&v, i);
        for (uint32_t k = 0; k < t->sets.len; k++)
            if (M_SET(t, k)->var < t->vars.len)
                v.written[M_SET(t, k)->var] = 1;
        for (uint32_t k = 0; k < t->conds.len; k++)
            scan_expr(&v, k); /* every file: reads anywhere count as uses */
        for (uint32_t k = 0; k < t->sets.len; k++)
            judge_set(&v, M_SET(t, k));
        report_vars(&v);
    }
    dt_free(v.read);
    dt_free(v.written);
    dt_free(v.input_of);
}
