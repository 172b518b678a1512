/*
 * test_scenario.c — scenario files end to end through the library: parse, run, failures at the
 * right line, coverage across runs, refusal of unsafe files, and the explorer's faults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dtree.h"
#include "support.h"

static char dir[64];

static void put(const char *name, const char *text)
{
    sup_put(dir, name, text);
}

static const char *at(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static const char tree[] =
    "<tree id=\"t\" version=\"1\" title=\"T\">\n"
    "<var name=\"n\" type=\"number\" value=\"0\"/>\n"
    "<var name=\"who\" type=\"text\"/>\n"
    "<question id=\"q\"><say>Go?</say>\n"
    "  <choice id=\"a\" to=\"i\">Ahead<set var=\"n\" value=\"$n + 1\"/></choice>\n"
    "  <choice id=\"b\" to=\"hi\">Greet</choice></question>\n"
    "<info id=\"i\" next=\"e\"><say>Count {n}</say></info>\n"
    "<info id=\"hi\" next=\"e\"><say>Hello {who}</say></info>\n"
    "<end id=\"e\" outcome=\"resolved\"/>\n"
    "</tree>\n";

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/dtree-scn-XXXXXX");
    assert_non_null(mkdtemp(dir));
    put("t.xml", tree);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static void test_run_and_coverage(void **state)
{
    (void)state;
    put("s.xml", "<scenarios tree=\"t.xml\">\n"
                 "<scenario name=\"ok\"><answer choice=\"a\"/><expect step=\"i\" var=\"n\" equals=\"1\""
                 " text-contains=\"Count 1\"/><continue/><expect outcome=\"resolved\"/></scenario>\n"
                 "<scenario name=\"bad\"><answer choice=\"a\"/>\n"
                 "  <expect var=\"n\" equals=\"2\"/></scenario>\n"
                 "</scenarios>\n");
    dt_error *err = dt_error_new();
    dt_suite *su = NULL;
    assert_int_equal(dt_suite_load_file(at("s.xml"), NULL, &su, err), DT_OK);
    assert_int_equal(dt_suite_count(su), 2);
    assert_string_equal(dt_suite_name(su, 1), "bad");
    dt_coverage *cov = dt_coverage_new();
    assert_int_equal(dt_suite_run(su, 0, cov, err), DT_OK);
    assert_int_equal(dt_error_count(err), 0);
    assert_int_equal(dt_suite_run(su, 1, cov, err), DT_EFAILED);
    assert_string_equal(dt_status_str(DT_EFAILED), "test failed");
    const dt_diag *d = dt_error_get(err, 0);
    assert_int_equal(d->line, 4);
    assert_non_null(strstr(d->message, "expected $n = \"2\", but it is \"1\""));
    dt_coverage_file f;
    assert_int_equal(dt_coverage_file_count(cov), 1);
    assert_int_equal(dt_coverage_file_get(cov, 0, &f), DT_OK);
    assert_int_equal(f.steps, 4);
    assert_int_equal(f.steps_hit, 3);
    assert_int_equal(f.choices, 2);
    assert_int_equal(f.choices_hit, 1);
    unsigned line = 0;
    assert_string_equal(dt_coverage_missed(cov, 0, 0, &line), "hi");
    assert_int_equal(line, 8);
    assert_string_equal(dt_coverage_missed(cov, 0, 1, NULL), "q/b");
    assert_null(dt_coverage_missed(cov, 0, 2, NULL));
    dt_coverage_free(cov);
    dt_suite_free(su);
    dt_error_free(err);
}

static void test_refused_files(void **state)
{
    (void)state;
    static const struct { const char *text, *check; } bad[] = {
        {"<!DOCTYPE s [<!ENTITY a \"b\">]><scenarios tree=\"t.xml\"/>", "doctype"},
        {"<scenarios tree=\"t.xml\"><scenario name=\"x\">", "xml-syntax"},
        {"<scenarios tree=\"t.xml\"><scenario name=\"x\"><fly/></scenario></scenarios>", "scenario"},
        {"<scenarios><scenario name=\"x\"/></scenarios>", "scenario"},
        {"<scenarios tree=\"missing.xml\"><scenario name=\"x\"/></scenarios>", "cannot-open"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put("bad.xml", bad[i].text);
        dt_error *err = dt_error_new();
        dt_suite *su = (dt_suite *)1;
        assert_int_not_equal(dt_suite_load_file(at("bad.xml"), NULL, &su, err), DT_OK);
        assert_null(su);
        assert_string_equal(dt_error_get(err, 0)->check, bad[i].check);
        dt_error_free(err);
    }
}

static void test_explore(void **state)
{
    (void)state;
    dt_error *err = dt_error_new();
    dt_tree *t = NULL;
    assert_int_equal(dt_tree_load_file(at("t.xml"), NULL, &t, err), DT_OK);
    dt_explore_options o;
    dt_explore_options_init(&o);
    o.walks = 30;
    assert_int_equal(dt_tree_explore(t, &o, NULL, err), DT_ERUNTIME);
    assert_int_equal(dt_error_count(err), 1); /* reported once, however many walks hit it */
    assert_string_equal(dt_error_get(err, 0)->check, "unset-interpolation");
    assert_int_equal(dt_error_get(err, 0)->line, 8);
    dt_tree_free(t);
    dt_error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_and_coverage), cmocka_unit_test(test_refused_files),
        cmocka_unit_test(test_explore),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
