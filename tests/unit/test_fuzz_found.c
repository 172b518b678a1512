/*
 * test_fuzz_found.c — regression cases for what the libFuzzer harnesses (tests/fuzz/) found, one
 * test per finding, each named after the harness that found it.  The CLI's renderer is compiled in
 * directly, as in test_cli_text.c.
 */
#include "../../cli/render.c"
#include "../../cli/utf8.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "dtree.h"
#include "support.h"

#include <unistd.h>

static char *wrapped(unsigned width, const char *prefix, unsigned indent, const char *text)
{
    static char buf[4096];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    rd_screen sc;
    rd_screen_init(&sc, f, 0);
    sc.cap = width;
    rd_wrap(&sc, RD_PLAIN, prefix, indent, text);
    fclose(f);
    return buf;
}

/* fuzz_render: the first word after a prefix was printed beside it even when the line overflowed
 * (a 15-column prefix and a 16-column word on a 30-column screen gave a 31-column line). */
static void test_render_first_word_after_prefix(void **state)
{
    (void)state;
    assert_string_equal(wrapped(30, "\x1b]0;x\x07 > ", 3, "\xe2\x80\xae" "evil\xe2\x80\xac x"),
                        "\\x1b]0;x\\x07 > \n   \\u202eevil\\u202c x\n");
    /* a word too long for any line is still cut, starting beside the prefix */
    assert_string_equal(wrapped(20, "Question: ", 2, "abcdefghijklmnopqrstuvwxyz"),
                        "Question: abcdefghij\n  klmnopqrstuvwxyz\n");
    /* an indent wider than the screen cannot make the wrapper loop */
    assert_string_equal(wrapped(20, "", 24, "abcdefghijklmnopq xyz"),
                        "abcdefghijklmnopq\n                        xyz\n");
}

/* ---- scenario files ---- */

static const char tree_xml[] = "<tree id='t' version='1' title='T'><question id='q'><say>Hi</say>"
                               "<choice to='e'>Go</choice></question>"
                               "<end id='e' outcome='resolved'/></tree>";

static char dir[64];

static void put(const char *name, const char *text)
{
    sup_put(dir, name, text);
}

static dt_status load_scenario(const char *text, char *first_error, size_t size)
{
    char p[128];
    snprintf(dir, sizeof dir, "/tmp/dt-fuzzfound.XXXXXX");
    assert_non_null(mkdtemp(dir));
    put("t.xml", tree_xml);
    put("s.xml", text);
    snprintf(p, sizeof p, "%s/s.xml", dir);
    dt_suite *su = NULL;
    dt_error *err = dt_error_new();
    dt_status st = dt_suite_load_file(p, NULL, &su, err);
    snprintf(first_error, size, "%s", dt_error_text(err));
    dt_error_free(err);
    dt_suite_free(su);
    unlink(p);
    snprintf(p, sizeof p, "%s/t.xml", dir);
    unlink(p);
    rmdir(dir);
    return st;
}

/* Found while fuzzing scenario files (by reading the pre-scan): a quote inside a comment made the
 * pre-scan believe it was inside an attribute value, so a DOCTYPE with entities (or any number of
 * attributes) after it reached libxml2. */
static void test_scenario_prescan_not_fooled_by_comments(void **state)
{
    (void)state;
    char msg[512];
    assert_int_equal(load_scenario("<?xml version='1.0'?>\n<!-- <a ' -->\n"
                                   "<!DOCTYPE scenarios [<!ENTITY e 'hello'>]>\n"
                                   "<scenarios tree='t.xml'><!-- ' -->"
                                   "<scenario name='x&e;'/></scenarios>\n", msg, sizeof msg),
                     DT_ESYNTAX);
    assert_non_null(strstr(msg, "s.xml:3:1: error: <!DOCTYPE> and other declarations are not allowed in scenario files"));
    /* the same trick through a processing instruction, and 40 attributes behind it */
    char big[2048] = "<?pi <a \" ?>\n<scenarios tree='t.xml' ";
    for (int i = 0; i < 40; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "a%d='1' ", i);
    strcat(big, "\"><scenario name='x'/></scenarios>\n");
    assert_int_equal(load_scenario(big, msg, sizeof msg), DT_ELIMIT);
    /* what is inside comments, PIs and CDATA is not markup: these load */
    assert_int_equal(load_scenario("<?xml version='1.0'?><!-- don't <!DOCTYPE x> -->\n"
                                   "<?note it's \"fine\" ?><scenarios tree='t.xml'>"
                                   "<scenario name='it&apos;s'><expect step='q'/><![CDATA[ ' ]]>"
                                   "</scenario></scenarios>", msg, sizeof msg),
                     DT_EINVALID);
    assert_non_null(strstr(msg, "text is not allowed"));
    assert_int_equal(load_scenario("<!-- don't --><scenarios tree='t.xml'><scenario name='ok'>"
                                   "<expect step='q'/></scenario></scenarios>", msg, sizeof msg),
                     DT_OK);
}

/* fuzz_match: a typed number of seven or more digits fell through to label matching, so "1000010"
 * chose the label "1000010 bonus" instead of being out of range as dtree.h promises for digits. */
static void test_match_long_number_is_a_position(void **state)
{
    (void)state;
    const char *labels[] = {"1000010 bonus", "other"};
    size_t index = 99, n = 9;
    assert_int_equal(dt_match_answer("1000010", labels, NULL, 2, &index, NULL, &n), DT_MATCH_RANGE);
    assert_int_equal(dt_match_answer(" 99999999999999999999999999 ", labels, NULL, 2, &index, NULL,
                                     &n), DT_MATCH_RANGE);
    assert_int_equal(n, 0);
    assert_int_equal(dt_match_answer("0000000000000000000002", labels, NULL, 2, &index, NULL, &n),
                     DT_MATCH_ONE);
    assert_int_equal(index, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_first_word_after_prefix),
        cmocka_unit_test(test_scenario_prescan_not_fooled_by_comments),
        cmocka_unit_test(test_match_long_number_is_a_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
