/*
 * test_graph.c — dt_tree_graph on hand-built models: shapes by kind, outcome colours, edge labels,
 * escaping of author text (quotes, backslashes, control characters, Mermaid's '#'), heat.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "tk_build.h"

static char buf[65536];
static size_t len;

static int sink(void *ud, const char *s, size_t n)
{
    (void)ud;
    if (len + n >= sizeof buf)
        return -1;
    memcpy(buf + len, s, n);
    len += n;
    buf[len] = 0;
    return 0;
}

static int failing_sink(void *ud, const char *s, size_t n)
{
    (void)ud, (void)s, (void)n;
    return -1;
}

static dt_tree *sample(void)
{
    dt_tree *t = tk_new();
    tk_step(t, DT_STEP_QUESTION, "ask");
    tk_say(t, "Is the \"power\" light on?", DT_AUD_ALL);
    tk_choice(t, 1, "y", "Yes \\ \"on\"\x01 #1", NULL);
    tk_choice(t, 2, "n", "No", "$x = 1");
    tk_step(t, DT_STEP_END, "fixed");
    tk_step(t, DT_STEP_END, "escalate");
    M_STEP(t, 2)->outcome = tk_str(t, "escalated");
    return tk_done(t);
}

static void test_dot(void **state)
{
    (void)state;
    dt_tree *t = sample();
    len = 0;
    assert_int_equal(dt_tree_graph(t, DT_GRAPH_DOT, NULL, sink, NULL, NULL), DT_OK);
    assert_non_null(strstr(buf, "digraph \"t\" {"));
    assert_non_null(strstr(buf, "s0 [shape=box, label=\"ask\\nIs the \\\"power\\\" light on?\""));
    assert_non_null(strstr(buf, "s0 -> s1 [label=\"Yes \\\\ \\\"on\\\" #1\"];"));  /* \x01 dropped */
    assert_non_null(strstr(buf, "s0 -> s2 [label=\"No\", style=dashed];"));      /* conditional */
    assert_non_null(strstr(buf, "fillcolor=\"#b7e1a1\""));                       /* resolved */
    assert_non_null(strstr(buf, "fillcolor=\"#f7c873\""));                       /* escalated */
    assert_non_null(strstr(buf, "start -> s0;"));
    assert_null(strchr(buf, '\x01'));
    dt_tree_free(t);
}

static void test_mermaid(void **state)
{
    (void)state;
    dt_tree *t = sample();
    len = 0;
    assert_int_equal(dt_tree_graph(t, DT_GRAPH_MERMAID, NULL, sink, NULL, NULL), DT_OK);
    assert_non_null(strstr(buf, "flowchart TD\n"));
    assert_non_null(strstr(buf, "s0(\"ask<br/>Is the #quot;power#quot; light on?\")"));
    assert_non_null(strstr(buf, "s0 -->|\"Yes \\ #quot;on#quot; #35;1\"| s1"));
    assert_non_null(strstr(buf, "s0 -.->|\"No\"| s2"));
    assert_non_null(strstr(buf, "s1((\"fixed<br/>resolved\"))"));
    dt_tree_free(t);
}

static void test_heat(void **state)
{
    (void)state;
    dt_tree *t = sample();
    dt_graph_heat *h = dt_graph_heat_new(t);
    assert_non_null(h);
    assert_int_equal(dt_graph_heat_add(h, NULL, "ask", NULL, 10), DT_OK);
    assert_int_equal(dt_graph_heat_add(h, "t", "ask", "y", 8), DT_OK);
    assert_int_equal(dt_graph_heat_add(h, "t", "ask", "n", 2), DT_OK);
    assert_int_equal(dt_graph_heat_add(h, "t", "ask", "zzz", 2), DT_ENOTFOUND);
    assert_int_equal(dt_graph_heat_add(h, "other", "ask", NULL, 2), DT_ENOTFOUND);
    assert_int_equal(dt_graph_heat_add_dropoff(h, NULL, "ask", 3), DT_OK);
    len = 0;
    assert_int_equal(dt_tree_graph(t, DT_GRAPH_DOT, h, sink, NULL, NULL), DT_OK);
    assert_non_null(strstr(buf, "xlabel=\"drop-off 3\""));
    assert_non_null(strstr(buf, "(8)\", penwidth=5.8"));
    assert_non_null(strstr(buf, "fillcolor=\"#fc8d59\""));   /* the busiest step, full shade */
    len = 0;
    assert_int_equal(dt_tree_graph(t, DT_GRAPH_MERMAID, h, sink, NULL, NULL), DT_OK);
    assert_non_null(strstr(buf, "linkStyle 0 stroke-width:5.8px"));
    dt_graph_heat_free(h);
    dt_tree_free(t);
}

static void test_errors(void **state)
{
    (void)state;
    dt_tree *t = sample();
    dt_error *e = dt_error_new();
    assert_int_equal(dt_tree_graph(t, DT_GRAPH_DOT, NULL, failing_sink, NULL, e), DT_EIO);
    assert_int_equal(dt_tree_graph(NULL, DT_GRAPH_DOT, NULL, sink, NULL, e), DT_EARG);
    assert_int_equal(dt_tree_graph(t, (dt_graph_format)7, NULL, sink, NULL, e), DT_EARG);
    dt_error_free(e);
    dt_graph_heat_free(NULL);
    dt_tree_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dot), cmocka_unit_test(test_mermaid), cmocka_unit_test(test_heat),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
