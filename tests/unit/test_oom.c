/*
 * test_oom.c — out-of-memory stepping (Lua's method): fail engine allocation k for k = 0, 1, 2 …
 * until a whole load-and-walk succeeds; every failure must be a clean DT_ENOMEM with nothing leaked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtree.h"

static long alloc_budget = -1; /* allocations allowed before failing; -1 = unlimited */
static long live;              /* outstanding allocations */
static long failures;          /* injected failures in this run */

static void *t_malloc(size_t n)
{
    if (alloc_budget == 0) {
        failures++;
        return NULL;
    }
    if (alloc_budget > 0)
        alloc_budget--;
    void *p = malloc(n);
    if (p)
        live++;
    return p;
}

static void *t_realloc(void *p, size_t n)
{
    if (!p)
        return t_malloc(n);
    if (alloc_budget == 0) {
        failures++;
        return NULL;
    }
    if (alloc_budget > 0)
        alloc_budget--;
    return realloc(p, n);
}

static void t_free(void *p)
{
    if (p)
        live--;
    free(p);
}

static const char tree_xml[] =
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<tree id='oom' version='1' title='OOM walk' start='q1' tags='a b'>\n"
    " <description>All step kinds.</description>\n"
    " <var name='n' type='number' value='0'/>\n"
    " <var name='who' type='text'/>\n"
    " <var name='acct' type='text' sensitive='true'/>\n"
    " <question id='q1' title='First'><say>Hello {who}, count {n}.</say><note>agent note</note>\n"
    "  <set var='n' value='$n + 1'/>\n"
    "  <choice to='i1' id='go'>Go on<set var='n' value='$n * 2'/></choice>\n"
    "  <choice to='e1' when='$n &gt; 100'>Stop</choice></question>\n"
    " <info id='i1' next='in1'><say>Info {n}</say></info>\n"
    " <input id='in1' var='who' next='in2'><say>Name?</say><retry>Again</retry></input>\n"
    " <input id='in2' var='acct' next='d1' pattern='[0-9]{4}'><say>Account?</say></input>\n"
    " <decide id='d1'><when test='$n = 2' to='e2'/><otherwise to='e1'/></decide>\n"
    " <end id='e1' outcome='escalated'><say>Bye</say></end>\n"
    " <end id='e2' outcome='resolved'><say>Done {who}</say></end>\n"
    "</tree>\n";

static void count_events(void *user, const dt_event *ev)
{
    (void)ev;
    (*(int *)user)++;
}

/* One full load and walk; returns the first failing status, DT_OK when all succeeded. */
static dt_status walk_once(void)
{
    dt_error *err = dt_error_new();
    dt_tree *tree = NULL;
    dt_session *s = NULL;
    int events = 0;
    dt_status st = err ? DT_OK : DT_ENOMEM;
    if (!st)
        st = dt_tree_load_memory(tree_xml, sizeof tree_xml - 1, "oom.xml", NULL, &tree, err);
    if (!st)
        st = dt_session_new(tree, &s, err);
    if (!st) {
        dt_session_set_observer(s, count_events, &events);
        st = dt_session_set_var(s, "who", "Ann", err);
    }
    if (!st)
        st = dt_session_start(s, err);
    if (!st)
        st = dt_session_choose_label(s, "go on", err);
    if (!st)
        st = dt_session_back(s, err);
    if (!st)
        st = dt_session_choose(s, 0, err);
    if (!st)
        st = dt_session_note(s, "customer is calm", err);
    if (!st)
        st = dt_session_continue(s, err);
    if (!st)
        st = dt_session_input(s, "Bob", err);
    if (!st)
        st = dt_session_input(s, "1234", err);
    if (!st && !dt_session_ended(s))
        st = DT_ESTATE;
    if (!st)
        st = dt_session_restart(s, err);
    if (!st && dt_session_path_count(s) == 0)
        st = DT_ESTATE;
    if (st && st != DT_ENOMEM)
        fprintf(stderr, "unexpected status %s: %s\n", dt_status_str(st), err ? dt_error_text(err) : "");
    if (st == DT_ENOMEM && err && dt_error_count(err) == 0)
        st = DT_EARG; /* an ENOMEM must still come with an error entry */
    dt_session_free(s);
    dt_tree_free(tree);
    dt_error_free(err);
    return st;
}

static void test_oom_stepping(void **state)
{
    (void)state;
    dt_allocator a = {t_malloc, t_realloc, t_free};
    dt_init(); /* libxml2's one-time set-up allocates outside our hook; keep it out of the count */
    dt_set_allocator(&a);
    long k;
    for (k = 0; k < 100000; k++) {
        alloc_budget = k;
        failures = 0;
        live = 0;
        dt_status st = walk_once();
        assert_int_equal(live, 0);
        if (failures == 0) {
            assert_int_equal(st, DT_OK);
            break;
        }
        assert_int_equal(st, DT_ENOMEM);
    }
    dt_set_allocator(NULL);
    alloc_budget = -1;
    print_message("OOM stepping: %ld allocation points each failed cleanly\n", k);
    assert_true(k > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_oom_stepping)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
