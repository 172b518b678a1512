/*
 * session_input.c — typed answers (validation by type, pattern, range and options) and choosing a
 * choice by its label.  A refused answer changes nothing: validation runs before the transaction.
 */
#include "error.h"
#include "mem.h"
#include "pattern.h"
#include "session.h"
#include "value.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define WHY_MAX 200
/* Messages about what was typed carry no position; dt_sess_err still keeps secrets out of them
 * (an account number typed at a choice prompt is not echoed back). */
#define NOWHERE UINT32_MAX
#define NOPOS ((dt_pos){0, 0})
#define SESS_ANSWER_MAX 65536 /* bytes in one typed answer, as in one computed text (cond.c) */

static size_t utf8_chars(const char *p)
{
    size_t n = 0;
    for (; *p; p++)
        n += ((unsigned char)*p & 0xC0) != 0x80;
    return n;
}

/* The whole answer must match (the pattern is anchored at both ends).  -1: refused; -3: refused
 * because it cannot be checked (a limit hit is never a match); -2: out of memory. */
static int pattern_check(const dt_pattern *re, const char *ans, char *why, size_t wsz)
{
    int m = dt_pattern_match(re, ans, strlen(ans), why, wsz);
    if (m == 1)
        return 0;
    if (m == 0)
        snprintf(why, wsz, "the answer does not have the expected form");
    return m == 0 ? -1 : m == -2 ? -2 : -3;
}

static void fmt_bound(dt_var_type type, double x, char *buf, size_t size)
{
    if (type == DT_VAR_DATE) {
        long d = (long)x;
        snprintf(buf, size, "%04ld-%02ld-%02ld", d / 10000, d / 100 % 100, d % 100);
    } else {
        dt_value_format_number(x, buf, size);
    }
}

/* min/max: number value, date as yyyymmdd, length in characters for text-like types. */
static int check_range(const dt_input_rec *in, const char *canon, int64_t now, char *why,
                       size_t wsz)
{
    dt_var_type type = (dt_var_type)in->type;
    if (type == DT_VAR_BOOLEAN || type == DT_VAR_CHOICE || (!in->has_min && !in->has_max))
        return 0;
    int numeric = type == DT_VAR_NUMBER || type == DT_VAR_DATE;
    double x = numeric ? dt_value_number(type, canon) : (double)utf8_chars(canon);
    double today = (in->has_min == 2 || in->has_max == 2) ? dt_value_today(now) : 0;
    double min = in->has_min == 2 ? today : in->min, max = in->has_max == 2 ? today : in->max;
    int low = in->has_min && x < min, high = in->has_max && x > max;
    if (!low && !high)
        return 0;
    char b[64];
    fmt_bound(type, low ? min : max, b, sizeof b);
    if (type == DT_VAR_NUMBER)
        snprintf(why, wsz, "expected a number %s %s", low ? "of at least" : "of at most", b);
    else if (type == DT_VAR_DATE)
        snprintf(why, wsz, "expected a date %s %s", low ? "on or after" : "on or before", b);
    else
        snprintf(why, wsz, "expected %s %s characters", low ? "at least" : "at most", b);
    return -1;
}

static int match_option(const dt_session *s, const dt_input_rec *in, const char *ans,
                        char **canon, char *why, size_t wsz)
{
    size_t len = (size_t)snprintf(why, wsz, "expected one of:");
    for (uint32_t i = 0; i < in->noptions; i++) {
        const char *opt = M_S(s->t, M_OPTION(s->t, in->first_option + i));
        if (strcasecmp(opt, ans) == 0)
            return (*canon = dt_strdup(opt)) ? 0 : -2;
        if (len < wsz)
            len += (size_t)snprintf(why + len, wsz - len, "%s %s", i ? "," : "", opt);
    }
    return -1;
}

/* 0: accepted (*canon NULL for an empty optional answer); -1: refused (why); -2: out of memory;
 * -3: refused for a reason the author's retry text does not cover (why is shown as it is). */
static int validate(const dt_session *s, const dt_input_rec *in, const char *ans, char **canon,
                    char *why, size_t wsz)
{
    const char *reason = "";
    size_t sz = strlen(ans) + 32;
    *canon = NULL;
    if (!*ans) {
        snprintf(why, wsz, "an answer is required");
        return in->required ? -1 : 0;
    }
    if (in->type == DT_VAR_CHOICE)
        return match_option(s, in, ans, canon, why, wsz);
    if (!(*canon = dt_malloc(sz)))
        return -2;
    int rc = dt_value_parse_answer((dt_var_type)in->type, ans, *canon, sz,
                                   dt_value_month_first(dt_tree_lang(s->t)), &reason);
    if (rc != 0)
        snprintf(why, wsz, "%s", reason);
    else if (in->re && (rc = pattern_check(in->re, ans, why, wsz)) != 0)
        ;
    else
        rc = check_range(in, *canon, s->now, why, wsz);
    if (rc != 0) {
        dt_free(*canon);
        *canon = NULL;
    }
    return rc;
}

/* Trimmed copy of the answer (patterns and options see what was meant, not the spaces). */
static char *trimmed(const char *value)
{
    size_t sz = strlen(value) + 32;
    char *t = dt_malloc(sz);
    const char *why;
    if (t)
        dt_value_parse(DT_VAR_TEXT, value, t, sz, &why);
    return t;
}

static dt_status apply_input(dt_session *s, const dt_step_rec *r, char *canon, dt_error *err)
{
    int sensitive = M_VAR(s->t, r->var)->sensitive;
    const char *answer = sensitive ? VALUE_REDACTED : canon ? canon
                                                            : "";
    int own = !sensitive && canon;
    /* the path shows what a person reads: yes/no for booleans, the canonical text otherwise */
    if (own && !(answer = dt_strdup(dt_value_display((dt_var_type)M_VAR(s->t, r->var)->type, canon)))) {
        dt_free(canon);
        return dt_sess_oom(err);
    }
    dt_txn x;
    dt_txn_begin(s, &x);
    uint32_t step = dt_sess_tail(s)->step;
    dt_sess_mark_acted(s, M_NONE, answer, own);
    dt_status st = DT_OK;
    if (dt_sess_queue(s, DT_EV_ANSWER, step, M_NONE, r->var, answer, answer, NULL) != 0)
        st = dt_sess_oom(err);
    if (st) {
        dt_free(canon);
    } else if (canon) { /* dt_sess_assign owns canon from here, also when it fails */
        st = dt_sess_assign(s, r->var, canon, 1, err);
        if (!st && dt_sess_queue(s, DT_EV_SET, M_NONE, M_NONE, r->var, NULL, canon, NULL) != 0)
            st = dt_sess_oom(err);
    }
    if (!st)
        st = dt_sess_walk(s, r->next, 0, err);
    return dt_txn_end(s, &x, st);
}

dt_status dt_session_input(dt_session *s, const char *value, dt_error *err)
{
    dt_status st = dt_sess_check_answerable(s, DT_STEP_INPUT, err);
    if (st)
        return st;
    if (!value)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "dt_session_input: value is NULL");
    const dt_step_rec *r = M_STEP(s->t, dt_sess_tail(s)->step);
    const dt_input_rec *in = M_INPUT(s->t, r->input);
    /* Bounded work per answer: nothing longer than a computed text may become a value. */
    if (strnlen(value, SESS_ANSWER_MAX + 1) > SESS_ANSWER_MAX)
        return dt_sess_err(s, err, DT_EANSWER, r->unit, r->pos, "the answer is longer than %d bytes",
                           SESS_ANSWER_MAX);
    char why[WHY_MAX], *canon, *ans = trimmed(value);
    int rc = ans ? validate(s, in, ans, &canon, why, sizeof why) : -2;
    dt_free(ans);
    if (rc == -2)
        return dt_sess_oom(err);
    if (rc == -3)
        return dt_sess_err(s, err, DT_EANSWER, r->unit, r->pos, "%s", why);
    if (rc == -1) {
        const char *retry = dt_sess_cur_view(s)->view.retry;
        return dt_sess_err(s, err, DT_EANSWER, r->unit, r->pos, "%s", retry[0] ? retry : why);
    }
    return apply_input(s, r, canon, err);
}

/* ---- choosing by label: the one rule of dt_match_answer (match.c) ---------------------------- */

static dt_status ambiguous(dt_session *s, const dt_view *v, const char *label, const size_t *cands, size_t nc,
                           dt_error *err)
{
    char list[400];
    size_t n = 0;
    list[0] = '\0';
    for (size_t i = 0; i < nc && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? "; " : "",
                              v->choices[cands[i]].label);
    return dt_sess_err(s, err, DT_EANSWER, NOWHERE, NOPOS, "`%s` matches several choices: %s", label,
                       list);
}

static dt_status choose_matched(dt_session *s, const dt_view *v, const char *want, const char **l,
                                size_t *cands, dt_error *err)
{
    size_t n = v->choice_count, k = 0, nc = 0;
    const char **ids = l + n;
    for (size_t i = 0; i < n; i++) {
        l[i] = v->choices[i].label;
        ids[i] = v->choices[i].id;
    }
    switch (dt_match_answer(want, l, ids, n, &k, cands, &nc)) {
    case DT_MATCH_ONE: return dt_session_choose(s, k, err);
    case DT_MATCH_MANY: return ambiguous(s, v, want, cands, nc, err);
    case DT_MATCH_RANGE:
        return dt_sess_err(s, err, DT_EANSWER, NOWHERE, NOPOS, "there is no choice %s: choose 1-%zu",
                           want, n);
    default: return dt_sess_err(s, err, DT_EANSWER, NOWHERE, NOPOS, "no choice matches `%s`", want);
    }
}

dt_status dt_session_choose_label(dt_session *s, const char *label, dt_error *err)
{
    dt_status st = dt_sess_check_answerable(s, DT_STEP_QUESTION, err);
    if (st)
        return st;
    if (!label)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "dt_session_choose_label: NULL label");
    const dt_view *v = &dt_sess_cur_view(s)->view;
    size_t n = v->choice_count ? v->choice_count : 1;
    char *want = trimmed(label);
    const char **l = dt_malloc(2 * n * sizeof *l);
    size_t *cands = dt_malloc(n * sizeof *cands);
    if (!want || !l || !cands)
        st = dt_sess_oom(err);
    else
        st = choose_matched(s, v, want, l, cands, err);
    dt_free(want);
    dt_free(l);
    dt_free(cands);
    return st;
}
