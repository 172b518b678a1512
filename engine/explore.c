/*
 * explore.c — random walks through a tree looking for run-time faults: a condition or computation
 * that fails, an unset variable interpolated into shown text, a question with nothing to choose, a
 * call nesting too deep.  A seeded generator (splitmix64) makes every run repeatable; each fault is
 * reported once per (kind, step), with the walk that first found it so the author can replay it.
 */
#include "error.h"
#include "interp.h"
#include "mem.h"
#include "scenario.h"
#include "value.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TRAIL 400 /* characters of the answers kept to describe a walk */

typedef struct explorer {
    const dt_tree *t;
    dt_session *s;
    dt_error *faults, *tmp;
    dt_cov_map map;
    uint64_t rng;
    unsigned walk;
    char trail[TRAIL];
    uint64_t *seen;           /* (kind << 32 | step) already reported */
    size_t nseen, capseen;
    int found, oom;
} explorer;

void dt_explore_options_init(dt_explore_options *o)
{
    if (o)
        *o = (dt_explore_options){1, 200, 500};
}

static uint64_t next_rand(explorer *x)
{
    uint64_t z = (x->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t pick(explorer *x, uint32_t n)
{
    return n ? (uint32_t)(next_rand(x) % n) : 0;
}

static uint32_t current_step(const explorer *x)
{
    const dt_view *v = dt_session_view(x->s);
    uint32_t u = v ? dt_tree_unit_find(x->t, v->tree_id) : M_NONE;
    return u == M_NONE ? M_NONE : dt_tree_find_step(x->t, u, v->step_id);
}

/* Report once per (kind, step); severity warning for cut walks, error for faults. */
static void fault(explorer *x, unsigned kind, uint32_t step, dt_severity sev, const char *check,
                  const char *msg)
{
    uint64_t key = (uint64_t)kind << 32 | step;
    for (size_t i = 0; i < x->nseen; i++)
        if (x->seen[i] == key)
            return;
    if (dt_grow((void **)&x->seen, &x->capseen, x->nseen + 1, sizeof *x->seen) != 0) {
        x->oom = 1;
        return;
    }
    x->seen[x->nseen++] = key;
    const dt_step_rec *s = step < x->t->steps.len ? M_STEP(x->t, step) : NULL;
    const char *file = M_S(x->t, M_UNIT(x->t, s ? s->unit : 0)->path);
    dt_err_add(x->faults, sev, sev == DT_SEV_ERROR ? DT_ERUNTIME : DT_OK, file,
               s ? s->pos.line : 0, s ? s->pos.col : 0, check, "%s (walk %u: %s)", msg, x->walk,
               x->trail[0] ? x->trail : "at the start");
    if (sev == DT_SEV_ERROR)
        x->found = 1;
}

static const char *session_why(explorer *x)
{
    const char *t = dt_error_text(x->tmp);
    const char *m = strstr(t, ": error: ");
    return m ? m + 9 : t;
}

static void runtime_fault(explorer *x, uint32_t step)
{
    /* Out of memory is the explorer's failure, not a fault of the tree (also when even the error
     * could not be stored). */
    const dt_diag *d = dt_error_count(x->tmp) ? dt_error_get(x->tmp, 0) : NULL;
    if (!d || d->code == DT_ENOMEM) {
        x->oom = 1;
        return;
    }
    const char *why = session_why(x);
    int depth = strstr(why, "depth") != NULL, dead = strstr(why, "no choice") != NULL;
    fault(x, depth ? 2 : dead ? 5 : 1, step, DT_SEV_ERROR,
          depth ? "call-depth" : dead ? "dead-end" : "runtime-error", why);
}

static void add_trail(explorer *x, const char *step, const char *answer)
{
    size_t n = strlen(x->trail);
    if (n + 8 < sizeof x->trail)
        snprintf(x->trail + n, sizeof x->trail - n, "%s%s=%s", n ? " > " : "", step, answer);
}

/* ---- unset variables in shown text ------------------------------------------------------------ */

typedef struct unset_ctx {
    explorer *x;
    const char *bad;
    size_t badlen;
} unset_ctx;

static int on_name(void *ud, const char *s, size_t n, int is_var)
{
    unset_ctx *c = ud;
    char name[128];
    if (!is_var || n >= sizeof name)
        return 0;
    memcpy(name, s, n);
    name[n] = 0;
    uint32_t v = dt_tree_find_var(c->x->t, name);
    const dt_var_view *vv = v == M_NONE ? NULL : dt_session_var(c->x->s, v);
    if (vv && !vv->is_set && !strcmp(vv->name, name)) {
        c->bad = s;
        c->badlen = n;
        return 1;
    }
    return 0;
}

static int text_unset(unset_ctx *c, dt_str text)
{
    size_t off;
    return text && dt_interp_walk(M_S(c->x->t, text), on_name, c, &off) == 1;
}

static void check_unset(explorer *x, uint32_t g)
{
    const dt_tree *t = x->t;
    const dt_step_rec *s = M_STEP(t, g);
    unset_ctx c = {x, NULL, 0};
    int bad = text_unset(&c, s->note);
    for (uint32_t k = 0; !bad && k < s->nsay; k++)
        bad = text_unset(&c, M_SAY(t, s->first_say + k)->text);
    for (uint32_t k = 0; !bad && s->kind == DT_STEP_QUESTION && k < s->nchoices; k++)
        bad = text_unset(&c, M_CHOICE(t, s->first_choice + k)->label);
    if (!bad)
        return;
    char msg[300];
    snprintf(msg, sizeof msg, "step '%s' shows {%.*s}, but $%.*s has no value on this path",
             M_S(t, s->id), (int)c.badlen, c.bad, (int)c.badlen, c.bad);
    fault(x, 3, g, DT_SEV_ERROR, "unset-interpolation", msg);
}

/* ---- answering -------------------------------------------------------------------------------- */

/* Pick one character of the bracket expression at p ('[' ... ']'); returns the position after it. */
static const char *pick_class(explorer *x, const char *p, char *ch)
{
    char opts[96];
    size_t n = 0;
    int neg = *++p == '^';
    p += neg;
    do { /* a ']' first in the class is literal */
        if (p[1] == '-' && p[2] && p[2] != ']') {
            for (int c = (unsigned char)p[0]; c <= (unsigned char)p[2] && n < sizeof opts; c++)
                opts[n++] = (char)c;
            p += 3;
        } else {
            if (n < sizeof opts)
                opts[n++] = *p;
            p++;
        }
    } while (*p && *p != ']');
    *ch = neg ? 'x' : n ? opts[pick(x, (uint32_t)n)] : 'a';
    return *p ? p + 1 : p;
}

/* Read a quantifier at p into [lo, hi]; returns the position after it. */
static const char *quantifier(const char *p, unsigned *lo, unsigned *hi)
{
    *lo = *hi = 1;
    if (*p == '?' || *p == '*')
        return *lo = 0, *hi = 1, p + 1;
    if (*p == '+')
        return *hi = 2, p + 1;
    if (*p != '{')
        return p;
    char *end;
    *lo = *hi = (unsigned)strtoul(p + 1, &end, 10);
    if (*end == ',')
        *hi = end[1] == '}' ? *lo + 2 : (unsigned)strtoul(end + 1, &end, 10);
    while (*end && *end != '}')
        end++;
    return *end ? end + 1 : end;
}

/* A string matching a simple POSIX ERE (literals, classes, '.', quantifiers, first alternative of
 * a group).  Good enough for the patterns authors write (account numbers, codes, postcodes); when
 * it is not, the session refuses the answer and other candidates are tried. */
static void from_pattern(explorer *x, const char *p, char *out, size_t size)
{
    size_t n = 0;
    int depth = 0;
    while (*p && n + 1 < size) {
        char ch = *p;
        if (ch == '^' || ch == '$' || ch == '(' || ch == ')') {
            depth += ch == '(' ? 1 : ch == ')' ? -1 : 0;
            p++;
            continue;
        }
        if (ch == '|') { /* skip the other alternatives of this group */
            int d = 0;
            while (*p && !(d == 0 && *p == ')'))
                d += *p == '(' ? 1 : *p == ')' ? -1 : 0, p++;
            continue;
        }
        if (ch == '[')
            p = pick_class(x, p, &ch);
        else if (ch == '\\' && p[1])
            ch = p[1], p += 2;
        else
            ch = ch == '.' ? 'a' : ch, p++;
        unsigned lo, hi;
        p = quantifier(p, &lo, &hi);
        for (unsigned k = 0; k < lo + (hi > lo ? pick(x, hi - lo + 1) : 0) && n + 1 < size; k++)
            out[n++] = ch;
    }
    (void)depth;
    out[n] = 0;
}

static void gen_value(explorer *x, const dt_view *v, const dt_input_rec *in, unsigned attempt,
                      char *out, size_t size)
{
    static const char *const texts[] = {"12345678", "Alex Smith", "AB123456", "1234", "hello",
                                        "A1B2C3", "2026-06-15", "x"};
    double lo = in->has_min ? in->min : 0, hi = in->has_max ? in->max : lo + 100;
    switch (v->input_type) {
    case DT_VAR_NUMBER:
        snprintf(out, size, "%.0f", lo + (double)pick(x, (uint32_t)(hi - lo + 1 > 1e6 ? 1e6 : hi - lo + 1)));
        break;
    case DT_VAR_BOOLEAN:
        snprintf(out, size, "%s", pick(x, 2) ? "yes" : "no");
        break;
    case DT_VAR_DATE: { /* min/max are yyyymmdd numbers: a bound is a valid date */
        double today = dt_value_today((int64_t)time(NULL) * 1000);
        double lo_d = in->has_min == 2 ? today : in->min, hi_d = in->has_max == 2 ? today : in->max;
        long d = in->has_min && attempt % 2 == 0 ? (long)lo_d : in->has_max ? (long)hi_d
                 : in->has_min ? (long)lo_d : 20260615;
        snprintf(out, size, "%04ld-%02ld-%02ld", d / 10000, d / 100 % 100, d % 100);
        break;
    }
    case DT_VAR_EMAIL:
        snprintf(out, size, "test@example.com");
        break;
    case DT_VAR_PHONE:
        snprintf(out, size, "+44 20 7946 0958");
        break;
    case DT_VAR_CHOICE:
        snprintf(out, size, "%s", v->option_count ? v->options[pick(x, (uint32_t)v->option_count)] : "");
        break;
    default:
        if (in->pattern && attempt < 6)
            from_pattern(x, M_S(x->t, in->pattern), out, size);
        else
            snprintf(out, size, "%s", texts[(attempt + pick(x, 2)) % 8]);
    }
}

static int answer_input(explorer *x, const dt_view *v, uint32_t g)
{
    const dt_step_rec *s = M_STEP(x->t, g);
    const dt_input_rec *in = M_INPUT(x->t, s->input);
    char val[128];
    for (unsigned attempt = 0; attempt < 12; attempt++) {
        gen_value(x, v, in, attempt, val, sizeof val);
        if (attempt == 11 && !v->required)
            val[0] = 0;
        dt_error_clear(x->tmp);
        dt_status st = dt_session_input(x->s, val, x->tmp);
        if (st == DT_OK)
            return add_trail(x, v->step_id, val), 0;
        if (st != DT_EANSWER)
            return runtime_fault(x, g), -1;
    }
    fault(x, 4, g, DT_SEV_WARNING, "explore-input",
          "no generated answer was accepted here (give a scenario test for this input)");
    return -1;
}

static int answer_question(explorer *x, const dt_view *v, uint32_t g)
{
    if (!v->choice_count) {
        fault(x, 5, g, DT_SEV_ERROR, "dead-end",
              "question offers no choice: every 'when' is false on this path");
        return -1;
    }
    uint32_t i = pick(x, (uint32_t)v->choice_count);
    char id[100];
    snprintf(id, sizeof id, "%s", v->choices[i].id);
    dt_error_clear(x->tmp);
    if (dt_session_choose(x->s, i, x->tmp) != DT_OK)
        return runtime_fault(x, g), -1;
    add_trail(x, v->step_id, id);
    return 0;
}

/* One move; 1 when the walk is over (end reached or a fault stopped it). */
static int move(explorer *x)
{
    const dt_view *v = dt_session_view(x->s);
    uint32_t g = current_step(x);
    if (!v || g == M_NONE)
        return 1;
    check_unset(x, g);
    if (dt_session_ended(x->s))
        return 1;
    if (v->kind == DT_STEP_QUESTION)
        return answer_question(x, v, g) != 0;
    if (v->kind == DT_STEP_INPUT)
        return answer_input(x, v, g) != 0;
    dt_error_clear(x->tmp);
    if (dt_session_continue(x->s, x->tmp) != DT_OK)
        return runtime_fault(x, g), 1;
    add_trail(x, v->step_id, "continue");
    return 0;
}

static void cov_observer(void *ud, const dt_event *ev)
{
    dt_cov_map_event(ud, ev);
}

static void one_walk(explorer *x, unsigned max_steps)
{
    x->trail[0] = 0;
    dt_error_clear(x->tmp);
    if (dt_session_new(x->t, &x->s, x->tmp) != DT_OK) {
        x->oom = 1;
        return;
    }
    dt_session_set_observer(x->s, cov_observer, &x->map);
    if (dt_session_start(x->s, x->tmp) != DT_OK) {
        runtime_fault(x, M_UNIT(x->t, 0)->start);
    } else {
        unsigned n = 0;
        while (n < max_steps && !move(x))
            n++;
        if (n == max_steps)
            fault(x, 6, current_step(x), DT_SEV_WARNING, "explore-long-walk",
                  "walk cut: random answers did not reach an end (a loop that is hard to leave?)");
    }
    dt_session_free(x->s);
    x->s = NULL;
}

dt_status dt_tree_explore(const dt_tree *t, const dt_explore_options *opts, dt_coverage *cov,
                          dt_error *faults)
{
    dt_explore_options o;
    dt_explore_options_init(&o);
    if (opts)
        o = *opts;
    if (!t || !t->units.len)
        return dt_err_error(faults, DT_EARG, NULL, 0, 0, NULL, "dt_tree_explore: no tree");
    explorer x = {t, NULL, faults, dt_error_new(), {0}, o.seed, 0, "", NULL, 0, 0, 0, 0};
    if (!x.tmp || dt_cov_map_init(&x.map, cov, t) != 0)
        x.oom = 1;
    for (unsigned w = 0; w < o.walks && !x.oom; w++) {
        x.walk = w + 1;
        one_walk(&x, o.max_steps ? o.max_steps : 500);
    }
    dt_cov_map_free(&x.map);
    dt_error_free(x.tmp);
    dt_free(x.seen);
    if (x.oom)
        return dt_err_error(faults, DT_ENOMEM, NULL, 0, 0, NULL, "out of memory while exploring");
    return x.found ? DT_ERUNTIME : DT_OK;
}
