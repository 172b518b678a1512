/*
 * test_check.c — dt_tree_check on models built by hand (tk_build.h): each check id fires on a
 * small bad example and stays quiet on the fixed one; the graph passes survive 10^6-step chains.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "tk_build.h"

static char all[65536];

/* Run the check; returns the number of diagnostics with check id `id` (all when NULL) and leaves
 * every formatted diagnostic in `all`, one per line. */
static size_t run(dt_tree *t, unsigned flags, const char *id, dt_status *st_out)
{
    dt_error *e = dt_error_new();
    dt_status st = dt_tree_check(tk_done(t), flags, e);
    if (st_out)
        *st_out = st;
    size_t n = 0, len = 0;
    all[0] = 0;
    for (size_t i = 0; i < dt_error_count(e); i++) {
        const dt_diag *d = dt_error_get(e, i);
        len += dt_diag_format(d, all + len, sizeof all - len);
        if (len + 2 < sizeof all)
            all[len++] = '\n', all[len] = 0;
        if (!id || strcmp(d->check, id) == 0)
            n++;
    }
    dt_error_free(e);
    return n;
}

static void test_clean(void **state)
{
    (void)state;
    dt_tree *t = tk_new();
    tk_step(t, DT_STEP_QUESTION, "q");
    tk_say(t, "Is it on?", DT_AUD_ALL);
    tk_choice(t, 1, "y", "Yes", NULL);
    tk_choice(t, 2, "n", "No", NULL);
    tk_step(t, DT_STEP_END, "fixed");
    tk_step(t, DT_STEP_END, "broken");
    dt_status st;
    assert_int_equal(run(t, 0, NULL, &st), 0);
    assert_int_equal(st, DT_OK);
    dt_tree_free(t);
}

static void test_unreachable_region_once(void **state)
{
    (void)state;
    dt_tree *t = tk_new();
    tk_step(t, DT_STEP_INFO, "a");
    M_STEP(t, 0)->next = 1;
    tk_step(t, DT_STEP_END, "end");
    tk_step(t, DT_STEP_INFO, "lost1"); /* 2 -> 3 -> 4: one region, one warning */
    M_STEP(t, 2)->next = 3;
    tk_step(t, DT_STEP_INFO, "lost2");
    M_STEP(t, 3)->next = 4;
    tk_step(t, DT_STEP_END, "lost-end");
    assert_int_equal(run(t, 0, "unreachable-step", NULL), 1);
    assert_non_null(strstr(all, "t.xml:4:3: warning: step 'lost1' can never be reached"));
    dt_tree_free(t);
}

static void test_trap_cycle_is_error(void **state)
{
    (void)state;
    dt_tree *t = tk_new();
    tk_step(t, DT_STEP_QUESTION, "a");
    tk_choice(t, 1, "1", "Go on", NULL);
    tk_step(t, DT_STEP_INFO, "b");
    M_STEP(t, 1)->next = 0;
    dt_status st;
    assert_int_equal(run(t, 0, "no-exit-cycle", &st), 1);
    assert_int_equal(st, DT_EINVALID);
    assert_non_null(strstr(all, "error: steps 'a', 'b' form a loop with no way out to an end"));
    dt_tree_free(t);
}

static void test_cycle_with_exit_is_fine(void **state)
{
    (void)state;
    dt_tree *t = tk_new();
    tk_step(t, DT_STEP_QUESTION, "a");
    tk_choice(t, 1, "1", "Again", NULL);
    tk_choice(t, 2, "2", "Stop", NULL);
    tk_step(t, DT_STEP_INFO, "b");
    M_STEP(t, 1)->next = 0;
    tk_step(t, DT_STEP_END, "e");
    assert_int_equal(run(t, 0, NULL, NULL), 0);
    dt_tree_free(t);
}

static void test_dead_end(void **state)
{
    (void)state;
    dt_tree *t = tk_new();
    tk_var(t, "n", DT_VAR_NUMBER, "0");
    tk_step(t, DT_STEP_QUESTION, "q");
    tk_choice(t, 1, "a", "Small", "$n < 3");
    tk_choice(t, 1, "b", "Large", "$n > 5");
    tk_step(t, DT_STEP_END, "e");
    assert_int_equal(run(t, 0, "dead-end", NULL), 1);
    dt_tree_free(t);
}

static void test_labels(void **state)
{
    (void)state;
    dt_tree *t = tk_new();
    tk_step(t, DT_STEP_QUESTION, "q");
    tk_choice(t, 1, "a", "Yes, it is lit", NULL);
    tk_choice(t, 1, "b", "Yes, it is lit", NULL);  /* duplicate of a */
    tk_choice(t, 1, "c", "yes it is LIT!", NULL);  /* similar to a and b */
    tk_choice(t, 1, "d", "Restart", NULL);
    tk_choice(t, 1, "e", "Restarts", NULL);        /* one edit from d */
    tk_choice(t, 1, "f", "...", NULL);             /* empty */
    tk_choice(t, 1, "g", "1", NULL);
    tk_choice(t, 1, "h", "2", NULL);               /* short: not similar */
    tk_step(t, DT_STEP_END, "e");
    assert_int_equal(run(t, 0, "duplicate-label", NULL), 1);
    assert_int_equal(run(t, 0, "similar-label", NULL), 3);
    assert_int_equal(run(t, 0, "empty-label", NULL), 1);
    dt_tree_free(t);
}

static void test_text_checks(void **state)
{
    (void)state;
    dt_tree *t = tk_new();
    tk_step(t, DT_STEP_INFO, "i");
    M_STEP(t, 0)->next = 1;
    tk_say(t, "Pay \xe2\x80\xae" "321", DT_AUD_ALL);  /* U+202E */
    tk_say(t, "bell \xc2\x85 here", DT_AUD_ALL);    /* U+0085 */
    char *big = malloc(1200);
    memset(big, 'x', 1100);
    big[1100] = 0;
    tk_say(t, big, DT_AUD_ALL);
    free(big);
    tk_step(t, DT_STEP_END, "e");
    assert_int_equal(run(t, 0, "bidi-override", NULL), 1);
    assert_int_equal(run(t, 0, "control-char", NULL), 1);
    assert_int_equal(run(t, 0, "long-text", NULL), 1);
    assert_non_null(strstr(all, "U+202E"));
    dt_tree_free(t);
}

static void test_kiosk(void **state)
{
    (void)state;
    dt_tree *t = dt_tree_alloc();
    tk_unit(t, "k.xml", "k", 1);
    tk_step(t, DT_STEP_QUESTION, "q");
    tk_say(t, "Agents: ask about the lights", DT_AUD_AGENT);
    tk_choice(t, 1, "a", "Lit", NULL);
    M_CHOICE(t, 0)->audience = DT_AUD_AGENT;
    tk_step(t, DT_STEP_QUESTION, "q2");
    tk_say(t, "Is it lit?", DT_AUD_ALL);
    tk_choice(t, 2, "a", "Lit", NULL);
    M_CHOICE(t, 1)->audience = DT_AUD_AGENT;
    tk_step(t, DT_STEP_END, "e");
    assert_int_equal(run(t, 0, "kiosk-no-customer-text", NULL), 1);
    assert_int_equal(run(t, 0, "kiosk-no-customer-choice", NULL), 1);
    dt_tree_free(t);
}

static void test_vars(void **state)
{
    (void)state;
    dt_tree *t = tk_new();
    tk_var(t, "unused", DT_VAR_TEXT, NULL);
    tk_var(t, "name", DT_VAR_TEXT, NULL);      /* read, never set */
    uint32_t n = tk_var(t, "n", DT_VAR_NUMBER, "0");
    tk_step(t, DT_STEP_INFO, "i");
    M_STEP(t, 0)->next = 1;
    tk_say(t, "Hello {name}", DT_AUD_ALL);
    tk_set(t, n, "$n + 1");
    tk_step(t, DT_STEP_END, "e");
    assert_int_equal(run(t, 0, "unused-var", NULL), 1);
    assert_non_null(strstr(all, "variable 'unused' is declared but never used [unused-var]"));
    assert_int_equal(run(t, 0, "unset-var", NULL), 1);
    assert_non_null(strstr(all, "variable 'name' is read"));
    dt_tree_free(t);
}

static void test_cond_types(void **state)
{
    (void)state;
    dt_tree *t = tk_new();
    uint32_t n = tk_var(t, "n", DT_VAR_NUMBER, "0");
    uint32_t f = tk_var(t, "flag", DT_VAR_BOOLEAN, "false");
    tk_var(t, "d", DT_VAR_DATE, "2026-01-01");
    uint32_t plan = tk_var(t, "plan", DT_VAR_CHOICE, NULL);
    tk_step(t, DT_STEP_INPUT, "ask");
    static const char *const opts[] = {"basic", "premium", NULL};
    tk_input(t, plan, opts);
    M_STEP(t, 0)->next = 1;
    tk_set(t, n, "'many'");
    tk_set(t, f, "'false'");
    tk_step(t, DT_STEP_DECIDE, "route");
    tk_choice(t, 2, "", "", "$n = 'three'");            /* number vs text */
    tk_choice(t, 2, "", "", "$flag = 'false'");         /* boolean vs text */
    tk_choice(t, 2, "", "", "$d > 20260101");           /* date relational */
    tk_choice(t, 2, "", "", "$plan = 'premum'");        /* not an option */
    tk_choice(t, 2, "", "", "$n + 1 = 'x' or $n = 3");  /* precedence: not judged */
    tk_choice(t, 2, "", "", "$plan = 'basic' and translate($d, '-', '') > 20261231 and $n >= '2'");
    tk_choice(t, 2, "", "", NULL);
    tk_step(t, DT_STEP_END, "e");
    assert_int_equal(run(t, 0, "cond-type", NULL), 6);
    assert_non_null(strstr(all, "'premum', which is not one of its options"));
    assert_non_null(strstr(all, "number $n is set to the text 'many'"));
    assert_non_null(strstr(all, "boolean $flag is compared with the text 'false', which XPath reads as true"));
    dt_tree_free(t);
}

static void test_call_cycle(void **state)
{
    (void)state;
    dt_tree *t = dt_tree_alloc();
    tk_unit(t, "a.xml", "a", 0);
    tk_step(t, DT_STEP_CALL, "to-b");
    tk_step(t, DT_STEP_END, "a-end");
    tk_unit(t, "b.xml", "b", 0);
    tk_step(t, DT_STEP_CALL, "to-a");
    tk_step(t, DT_STEP_END, "b-end");
    M_STEP(t, 0)->target = 2;
    M_STEP(t, 0)->next = 1;
    M_STEP(t, 2)->target = 0;
    M_STEP(t, 2)->next = 3;
    assert_int_equal(run(t, 0, "call-cycle", NULL), 2);
    assert_int_equal(run(t, DT_CHECK_ROOT_ONLY, "call-cycle", NULL), 1);
    dt_tree_free(t);
}

static dt_tree *chain(uint32_t n, int loop)
{
    dt_tree *t = tk_new();
    char id[16];
    for (uint32_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "%u", i);
        tk_step(t, i + 1 == n && !loop ? DT_STEP_END : DT_STEP_JUMP, id);
        M_STEP(t, i)->next = i + 1 == n ? (loop ? 0 : M_NONE) : i + 1;
    }
    return t;
}

static void test_million_chain(void **state)
{
    (void)state;
    clock_t c0 = clock();
    dt_tree *t = chain(1000000, 0);
    assert_int_equal(run(t, 0, NULL, NULL), 0);
    dt_tree_free(t);
    t = chain(1000000, 1);
    dt_status st;
    assert_int_equal(run(t, 0, "no-exit-cycle", &st), 1);
    assert_non_null(strstr(all, "steps '0', '1', '2', '3', '4' and 999995 more form a loop"));
    dt_tree_free(t);
    double s = (double)(clock() - c0) / CLOCKS_PER_SEC;
    assert_true(s < 20.0);
}

static void test_scc_direct(void **state)
{
    (void)state;
    /* 0->1->2->0, 2->3, 3->3, 4 */
    uint32_t off[] = {0, 1, 2, 4, 5, 5};
    uint32_t adj[] = {1, 2, 0, 3, 3};
    dt_csr g = {5, off, adj};
    uint32_t comp[5], n = 0;
    assert_int_equal(dt_scc(&g, comp, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(comp[0], comp[1]);
    assert_int_equal(comp[1], comp[2]);
    assert_true(comp[3] != comp[0] && comp[4] != comp[0] && comp[3] != comp[4]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),          cmocka_unit_test(test_unreachable_region_once),
        cmocka_unit_test(test_trap_cycle_is_error), cmocka_unit_test(test_cycle_with_exit_is_fine),
        cmocka_unit_test(test_dead_end),       cmocka_unit_test(test_labels),
        cmocka_unit_test(test_text_checks),    cmocka_unit_test(test_kiosk),
        cmocka_unit_test(test_vars),           cmocka_unit_test(test_cond_types),
        cmocka_unit_test(test_call_cycle),     cmocka_unit_test(test_million_chain),
        cmocka_unit_test(test_scc_direct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
