/*
 * scenario_run.c — running one scenario of a dt_suite on a fresh session.  Operations apply in
 * order; the first one that does not go as written fails the scenario with the file:line of that
 * element and a message saying what was expected and what the session shows.
 */
#include "error.h"
#include "mem.h"
#include "scenario.h"
#include "visible.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct runner {
    dt_suite *su;
    const sc_case *c;
    dt_session *s;
    dt_error *fails;
    dt_error *tmp;    /* the session's own messages */
    dt_cov_map map;
    int started;
    int failed;
    int oom;      /* the engine ran out of memory: the run fails with DT_ENOMEM, not as a test */
} runner;

/* A session call failed for want of memory (also when even its error could not be stored). */
static int out_of_memory(runner *r, dt_status st)
{
    if (st == DT_ENOMEM || (st != DT_OK && dt_error_count(r->tmp) == 0))
        r->oom = r->failed = 1;
    return r->oom;
}

static void fail(runner *r, const sc_op *o, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(runner *r, const sc_op *o, const char *fmt, ...)
{
    char raw[900], msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    dt_text_visible(raw, msg, sizeof msg); /* "a b" vs "a<U+00A0>b", not two equal strings */
    dt_err_error(r->fails, DT_EFAILED, r->su->path, o ? o->line : r->c->line,
                 o ? o->col : r->c->col, "scenario",
                 "scenario '%s': %s", r->c->name ? r->c->name : "?", msg);
    r->failed = 1;
}

static void observe(void *ud, const dt_event *ev)
{
    dt_cov_map_event(ud, ev);
}

static int64_t fixed_clock(void *ud)
{
    (void)ud;
    return 1767225600000; /* 2026-01-01: scenario runs do not depend on the time of day */
}

static const char *here(const runner *r)
{
    const dt_view *v = dt_session_view(r->s);
    return v ? v->step_id : "(not started)";
}

static const char *why(runner *r)
{
    const char *t = dt_error_text(r->tmp);
    const char *m = strstr(t, ": error: ");
    return m ? m + 9 : t;
}

static int ensure_started(runner *r, const sc_op *o)
{
    if (r->started)
        return 0;
    r->started = 1;
    dt_status st = dt_session_start(r->s, r->tmp);
    if (st != DT_OK && !out_of_memory(r, st))
        return fail(r, o, "the session could not start: %s", why(r)), -1;
    return st == DT_OK ? 0 : -1;
}

static size_t find_choice(const dt_view *v, const char *id)
{
    for (size_t i = 0; i < v->choice_count; i++)
        if (!strcmp(v->choices[i].id, id))
            return i;
    return (size_t)-1;
}

static void offered_list(const dt_view *v, char *out, size_t size)
{
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; i < v->choice_count && n + 2 < size; i++) {
        int w = snprintf(out + n, size - n, "%s%s", i ? ", " : "", v->choices[i].id);
        n += w > 0 ? (size_t)w : 0;
    }
}

static dt_status do_answer(runner *r, const sc_op *o)
{
    const dt_view *v = dt_session_view(r->s);
    char list[300];
    if (o->kind == SC_CHOICE) {
        size_t i = v ? find_choice(v, o->a) : (size_t)-1;
        if (i == (size_t)-1 && o->refused)
            return DT_EANSWER; /* not offered: refused, as expected */
        if (i == (size_t)-1) {
            if (v)
                offered_list(v, list, sizeof list);
            fail(r, o, "choice '%s' is not offered at step '%s' (offered: %s)", o->a, here(r),
                 v && v->choice_count ? list : "none");
            return DT_ENOTFOUND;
        }
        return dt_session_choose(r->s, i, r->tmp);
    }
    if (o->kind == SC_LABEL)
        return dt_session_choose_label(r->s, o->a, r->tmp);
    return dt_session_input(r->s, o->a, r->tmp);
}

static void answer(runner *r, const sc_op *o)
{
    dt_error_clear(r->tmp);
    const char *before = here(r);
    char at[200];
    snprintf(at, sizeof at, "%s", before);
    dt_status st = do_answer(r, o);
    if (r->failed || out_of_memory(r, st))
        return;
    if (o->refused && st != DT_EANSWER)
        fail(r, o, "expected the answer '%s' to be refused at step '%s', but it was %s", o->a, at,
             st == DT_OK ? "accepted" : dt_status_str(st));
    else if (!o->refused && st != DT_OK)
        fail(r, o, "answer '%s' at step '%s' failed: %s", o->a, at, why(r));
}

static void action(runner *r, const sc_op *o)
{
    dt_status st = DT_OK;
    const char *what = o->kind == SC_CONTINUE ? "continue" : o->kind == SC_BACK ? "back" : "restart";
    dt_error_clear(r->tmp);
    if (o->kind == SC_CONTINUE)
        st = dt_session_continue(r->s, r->tmp);
    else if (o->kind == SC_BACK)
        st = dt_session_back(r->s, r->tmp);
    else
        st = dt_session_restart(r->s, r->tmp);
    if (st != DT_OK && !out_of_memory(r, st))
        fail(r, o, "%s at step '%s' failed: %s", what, here(r), why(r));
}

static int view_contains(const dt_view *v, const char *needle)
{
    for (size_t i = 0; i < v->say_count; i++)
        if (strstr(v->say[i].text, needle))
            return 1;
    for (size_t i = 0; i < v->choice_count; i++)
        if (strstr(v->choices[i].label, needle))
            return 1;
    return strstr(v->note, needle) || strstr(v->retry, needle);
}

/* Each word of `list` (space-separated choice ids) offered (want 1) or not offered (want 0). */
static void expect_offered(runner *r, const sc_op *o, const dt_view *v, const char *list, int want)
{
    char word[128];
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, " ");
        if (n && n < sizeof word) {
            memcpy(word, p, n);
            word[n] = 0;
            if ((find_choice(v, word) != (size_t)-1) != want) {
                char offered[300];
                offered_list(v, offered, sizeof offered);
                fail(r, o, "expected choice '%s' %sto be offered at step '%s' (offered: %s)", word,
                     want ? "" : "not ", v->step_id, offered[0] ? offered : "none");
                return;
            }
        }
        p += n + (p[n] == ' ');
    }
}

static void expect_var(runner *r, const sc_op *o)
{
    const char *val = dt_session_var_get(r->s, o->var);
    if (!val)
        fail(r, o, "no variable '%s' in this tree", o->var);
    else if (strcmp(val, o->equals) != 0)
        fail(r, o, "expected $%s = \"%s\", but it is \"%s\"", o->var, o->equals, val);
}

static void expect_step(runner *r, const sc_op *o, const dt_view *v)
{
    if (strcmp(v->step_id, o->step) != 0 || (o->tree && strcmp(v->tree_id, o->tree) != 0))
        fail(r, o, "expected to be at step '%s%s%s', but the session is at '%s/%s'",
             o->tree ? o->tree : "", o->tree ? "/" : "", o->step, v->tree_id, v->step_id);
}

static void expect(runner *r, const sc_op *o)
{
    const dt_view *v = dt_session_view(r->s);
    int ended = dt_session_ended(r->s);
    if (!v) {
        fail(r, o, "no step is shown");
        return;
    }
    if (o->step)
        expect_step(r, o, v);
    if (!r->failed && o->text && !view_contains(v, o->text))
        fail(r, o, "expected step '%s' to show text containing \"%s\"", v->step_id, o->text);
    if (!r->failed && o->var)
        expect_var(r, o);
    if (!r->failed && o->outcome && !ended)
        fail(r, o, "expected the outcome '%s', but the session has not ended (at step '%s')",
             o->outcome, v->step_id);
    else if (!r->failed && o->outcome && strcmp(dt_session_outcome(r->s), o->outcome) != 0)
        fail(r, o, "expected the outcome '%s', but the session ended with '%s'", o->outcome,
             dt_session_outcome(r->s));
    if (!r->failed && o->ended && (!strcmp(o->ended, "true")) != ended)
        fail(r, o, "expected the session %sto have ended (at step '%s')",
             ended ? "not " : "", v->step_id);
    if (!r->failed && o->offered)
        expect_offered(r, o, v, o->offered, 1);
    if (!r->failed && o->not_offered)
        expect_offered(r, o, v, o->not_offered, 0);
}

static void set_var(runner *r, const sc_op *o)
{
    dt_error_clear(r->tmp);
    dt_status st = dt_session_set_var(r->s, o->a, o->b, r->tmp);
    if (st != DT_OK && !out_of_memory(r, st))
        fail(r, o, "cannot set $%s to \"%s\": %s", o->a, o->b, why(r));
}

static void step_op(runner *r, const sc_op *o)
{
    if (o->kind == SC_SET) {
        set_var(r, o);
        return;
    }
    if (ensure_started(r, o) != 0)
        return;
    if (o->kind == SC_EXPECT)
        expect(r, o);
    else if (o->kind == SC_CONTINUE || o->kind == SC_BACK || o->kind == SC_RESTART)
        action(r, o);
    else
        answer(r, o);
}

dt_status dt_suite_run(dt_suite *su, size_t i, dt_coverage *cov, dt_error *fails)
{
    if (!su || i >= su->ncases)
        return dt_err_error(fails, DT_EARG, NULL, 0, 0, NULL, "dt_suite_run: no scenario %zu", i);
    runner r = {su, &su->cases[i], NULL, fails, dt_error_new(), {0}, 0, 0, 0};
    dt_status st = r.tmp ? dt_session_new(su->tree, &r.s, fails) : DT_ENOMEM;
    if (st == DT_OK && dt_cov_map_init(&r.map, cov, su->tree) != 0)
        st = DT_ENOMEM;
    if (st == DT_OK) {
        dt_session_set_observer(r.s, observe, &r.map);
        dt_session_set_clock(r.s, fixed_clock, NULL);
        for (uint32_t k = 0; k < r.c->n && !r.failed; k++)
            step_op(&r, &su->ops[r.c->first + k]);
        if (!r.failed)
            ensure_started(&r, NULL);
    }
    dt_session_free(r.s);
    dt_cov_map_free(&r.map);
    dt_error_free(r.tmp);
    if (st == DT_ENOMEM || r.oom)
        return dt_err_error(fails, DT_ENOMEM, su->path, 0, 0, NULL, "out of memory");
    return st != DT_OK ? st : r.failed ? DT_EFAILED : DT_OK;
}
