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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_first_word_after_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
