/*
 * session_input.c — typed answers (validation by type, pattern, range and options) and choosing a
 * choice by its label.  A refused answer changes nothing: validation runs before the transaction.
 */
#include "error.h"
#include "mem.h"
#include "session.h"
#include "value.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define WHY_MAX 160

static size_t utf8_chars(const char *p)
{
    size_t n = 0;
    for (; *p; p++)
        n += ((unsigned char)*p & 0xC0) != 0x80;
    return n;
}

/* The whole answer must match.  A pattern compiled with REG_NOSUB (the loader anchored it itself)
 * leaves the match offsets untouched, and then a match is a whole match. */
static int whole_match(const regex_t *re, const char *ans)
{
    regmatch_t m = {-1, -1};
    if (regexec(re, ans, 1, &m, 0) != 0)
        return 0;
    return m.rm_so == -1 || (m.rm_so == 0 && (size_t)m.rm_eo == strlen(ans));
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
static int check_range(const dt_input_rec *in, const char *canon, char *why, size_t wsz)
{
    dt_var_type type = (dt_var_type)in->type;
    if (type == DT_VAR_BOOLEAN || type == DT_VAR_CHOICE || (!in->has_min && !in->has_max))
        return 0;
    int numeric = type == DT_VAR_NUMBER || type == DT_VAR_DATE;
    double x = numeric ? dt_value_number(type, canon) : (double)utf8_chars(canon);
    int low = in->has_min && x < in->min, high = in->has_max && x > in->max;
    if (!low && !high)
        return 0;
    char b[64];
    fmt_bound(type, low ? in->min : in->max, b, sizeof b);
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
        const char *opt = DT_S(s->t, DT_OPTION(s->t, in->first_option + i));
        if (strcasecmp(opt, ans) == 0)
            return (*canon = dt_strdup(opt)) ? 0 : -2;
        if (len < wsz)
            len += (size_t)snprintf(why + len, wsz - len, "%s %s", i ? "," : "", opt);
    }
    return -1;
}

/* 0: accepted (*canon NULL for an empty optional answer); -1: refused (why); -2: out of memory. */
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
    int rc = dt_value_parse((dt_var_type)in->type, ans, *canon, sz, &reason);
    if (rc != 0)
        snprintf(why, wsz, "%s", reason);
    else if (in->re && !whole_match(in->re, ans) && (rc = -1))
        snprintf(why, wsz, "the answer does not have the expected form");
    else
        rc = check_range(in, *canon, why, wsz);
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
    int sensitive = DT_VAR(s->t, r->var)->sensitive;
    const char *answer = sensitive ? DT_REDACTED : canon ? canon : "";
    int own = !sensitive && canon;
    /* the path shows what a person reads: yes/no for booleans, the canonical text otherwise */
    if (own && !(answer = dt_strdup(dt_value_display((dt_var_type)DT_VAR(s->t, r->var)->type, canon)))) {
        dt_free(canon);
        return dt_sess_oom(err);
    }
    dt_txn x;
    dt_txn_begin(s, &x);
    uint32_t step = dt_sess_tail(s)->step;
    dt_sess_mark_acted(s, DT_NONE, answer, own);
    dt_status st = DT_OK;
    if (dt_sess_queue(s, DT_EV_ANSWER, step, DT_NONE, r->var, answer, answer, NULL) != 0)
        st = dt_sess_oom(err);
    if (st) {
        dt_free(canon);
    } else if (canon) { /* dt_sess_assign owns canon from here, also when it fails */
        st = dt_sess_assign(s, r->var, canon, 1, err);
        if (!st && dt_sess_queue(s, DT_EV_SET, DT_NONE, DT_NONE, r->var, NULL, canon, NULL) != 0)
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
    const dt_step_rec *r = DT_STEP(s->t, dt_sess_tail(s)->step);
    const dt_input_rec *in = DT_INPUT(s->t, r->input);
    char why[WHY_MAX], *canon, *ans = trimmed(value);
    int rc = ans ? validate(s, in, ans, &canon, why, sizeof why) : -2;
    dt_free(ans);
    if (rc == -2)
        return dt_sess_oom(err);
    if (rc == -1) {
        const char *retry = dt_sess_cur_view(s)->view.retry;
        return dt_sess_err(s, err, DT_EANSWER, r->unit, r->pos, "%s", retry[0] ? retry : why);
    }
    return apply_input(s, r, canon, err);
}

/* ---- choosing by label ----------------------------------------------------------------------- */

static dt_status ambiguous(const dt_view *v, const char *label, size_t len, dt_error *err)
{
    char list[400];
    size_t n = 0;
    list[0] = '\0';
    for (size_t i = 0; i < v->choice_count && n < sizeof list; i++)
        if (strncasecmp(label, v->choices[i].label, len) == 0)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? "; " : "",
                                  v->choices[i].label);
    return dt_err_error(err, DT_EANSWER, NULL, 0, 0, NULL, "`%s` matches several choices: %s",
                        label, list);
}

static int find_label(const dt_view *v, const char *label, size_t len, size_t *k)
{
    for (size_t i = 0; i < v->choice_count; i++)
        if (strcasecmp(label, v->choices[i].label) == 0)
            return *k = i, 1;
    for (size_t i = 0; i < v->choice_count; i++)
        if (strcmp(label, v->choices[i].id) == 0)
            return *k = i, 1;
    int found = 0;
    for (size_t i = 0; i < v->choice_count && len; i++)
        if (strncasecmp(label, v->choices[i].label, len) == 0 && found++ == 0)
            *k = i;
    return found;
}

dt_status dt_session_choose_label(dt_session *s, const char *label, dt_error *err)
{
    dt_status st = dt_sess_check_answerable(s, DT_STEP_QUESTION, err);
    if (st)
        return st;
    if (!label)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, NULL, "dt_session_choose_label: NULL label");
    char *want = trimmed(label);
    if (!want)
        return dt_sess_oom(err);
    const dt_view *v = &dt_sess_cur_view(s)->view;
    size_t k = 0, len = strlen(want);
    int found = find_label(v, want, len, &k);
    if (found == 1)
        st = dt_session_choose(s, k, err);
    else if (found > 1)
        st = ambiguous(v, want, len, err);
    else
        st = dt_err_error(err, DT_EANSWER, NULL, 0, 0, NULL, "no choice matches `%s`", want);
    dt_free(want);
    return st;
}
