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
#include "support.h"

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
static dt_status walk_once(void *user)
{
    (void)user;
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
    sup_alloc_install();
    long k = sup_oom_step("load and walk", walk_once, NULL);
    sup_alloc_remove();
    print_message("OOM stepping: %ld allocation points each failed cleanly\n", k);
    assert_true(k > 10);
}

/* ---- the authors' tools: check, graph (with heat), coverage, exploration, scenarios ----
 * On a bundled tree (clean, every walk fault-free) and its scenario file; the tests run from the
 * top of the source tree. */

static int count_bytes(void *ud, const char *s, size_t n)
{
    (void)s;
    *(size_t *)ud += n;
    return 0;
}

static dt_status tools_on(const dt_tree *tree, dt_error *err)
{
    dt_status st = dt_tree_check(tree, 0, err);
    size_t bytes = 0;
    dt_graph_heat *heat = st ? NULL : dt_graph_heat_new(tree);
    if (!st && !heat)
        st = DT_ENOMEM;
    if (!st)
        st = dt_graph_heat_add(heat, NULL, "scope", "only-me", 3);
    if (!st)
        st = dt_graph_heat_add_dropoff(heat, NULL, "queue", 1);
    if (!st)
        st = dt_tree_graph(tree, DT_GRAPH_DOT, heat, count_bytes, &bytes, err);
    if (!st)
        st = dt_tree_graph(tree, DT_GRAPH_MERMAID, NULL, count_bytes, &bytes, err);
    dt_graph_heat_free(heat);
    dt_coverage *cov = st ? NULL : dt_coverage_new();
    if (!st && !cov)
        st = DT_ENOMEM;
    dt_explore_options o;
    dt_explore_options_init(&o);
    o.walks = 5;
    if (!st)
        st = dt_tree_explore(tree, &o, cov, err);
    dt_coverage_file f;
    if (!st)
        st = dt_coverage_file_get(cov, 0, &f);
    dt_coverage_free(cov);
    return st;
}

/* Exploring a tree with one real fault (q1 shows {who} before it is set): out of memory in a walk
 * must come back as DT_ENOMEM, never as one more fault of the tree. */
static dt_status explore_faulty_tree(dt_error *err)
{
    dt_tree *tree = NULL;
    dt_status st = dt_tree_load_memory(tree_xml, sizeof tree_xml - 1, "oom.xml", NULL, &tree, err);
    dt_explore_options o;
    dt_explore_options_init(&o);
    o.walks = 5;
    if (!st)
        st = dt_tree_explore(tree, &o, NULL, err);
    if (st == DT_ERUNTIME && dt_error_errors(err) == 1 && dt_error_get(err, 0)->code == DT_ERUNTIME)
        st = DT_OK; /* the known fault, alone */
    dt_tree_free(tree);
    return st;
}

static dt_status tools_once(void *user)
{
    (void)user;
    dt_error *err = dt_error_new();
    dt_tree *tree = NULL;
    dt_status st = err ? DT_OK : DT_ENOMEM;
    if (!st)
        st = dt_tree_load_file("trees/printer.xml", NULL, &tree, err);
    if (!st)
        st = tools_on(tree, err);
    dt_tree_free(tree);
    dt_error *faults = st ? NULL : dt_error_new();
    if (!st)
        st = faults ? explore_faulty_tree(faults) : DT_ENOMEM;
    dt_error_free(faults);
    dt_suite *suite = NULL;
    dt_coverage *cov = NULL;
    if (!st)
        st = dt_suite_load_file("tests/scenarios/printer.xml", NULL, &suite, err);
    if (!st && !(cov = dt_coverage_new()))
        st = DT_ENOMEM;
    for (size_t i = 0; !st && i < dt_suite_count(suite); i++)
        st = dt_suite_run(suite, i, cov, err);
    unsigned line;
    if (!st && dt_coverage_file_count(cov) == 0)
        st = DT_ESTATE;
    if (!st)
        (void)dt_coverage_missed(cov, 0, 0, &line);
    if (st && st != DT_ENOMEM)
        fprintf(stderr, "unexpected status %s: %s\n", dt_status_str(st), err ? dt_error_text(err) : "");
    dt_coverage_free(cov);
    dt_suite_free(suite);
    dt_error_free(err);
    return st;
}

static void test_oom_authors_tools(void **state)
{
    (void)state;
    sup_alloc_install();
    long k = sup_oom_step("check, graph, explore, scenarios, coverage", tools_once, NULL);
    sup_alloc_remove();
    print_message("authors' tools: %ld allocation points each failed cleanly\n", k);
    assert_true(k > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_oom_stepping),
                                       cmocka_unit_test(test_oom_authors_tools)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
