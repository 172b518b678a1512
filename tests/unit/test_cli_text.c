/*
 * test_cli_text.c — the CLI's text pieces without a terminal: the allow-list sanitiser (every class
 * of hostile character), UTF-8 repair of typed lines, word wrapping by characters (answer matching is
 * the engine's: test_match.c).
 * The CLI sources are compiled in directly: they are pure functions over strings and FILEs.
 */
#include "../../cli/render.c"
#include "../../cli/utf8.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void sanitized(const char *in, int nl, const char *want)
{
    char *got = rd_sanitize(in, nl);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_sanitize_keeps_printable(void **state)
{
    (void)state;
    sanitized("Hello, world ~!", 0, "Hello, world ~!");
    sanitized("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe6\x97\xa5", 0,
              "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe6\x97\xa5");
    sanitized("a\xe2\x80\x8d" "b", 0, "a\xe2\x80\x8d" "b");   /* ZWJ stays (emoji sequences) */
    sanitized("two\nlines", 1, "two\nlines");
}

static void test_sanitize_escapes_controls(void **state)
{
    (void)state;
    sanitized("\x1b[31mred\x1b[0m", 0, "\\x1b[31mred\\x1b[0m");
    sanitized("\x1b]0;title\x07", 0, "\\x1b]0;title\\x07");
    sanitized("a\tb\rc\x7f", 0, "a\\x09b\\x0dc\\x7f");
    sanitized("two\nlines", 0, "two\\x0alines");
    sanitized("\xc2\x9b" "31m", 0, "\\u009b31m");                 /* C1 CSI */
    sanitized("\xc2\x9d" "0;x\xc2\x9c", 0, "\\u009d0;x\\u009c");  /* C1 OSC ... ST */
    sanitized("\xc2\x85", 0, "\\u0085");
}

static void test_sanitize_escapes_bidi_and_invisible(void **state)
{
    (void)state;
    sanitized("\xe2\x80\xaetxet", 0, "\\u202etxet");
    sanitized("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", 0,
              "\\u202a\\u202b\\u202c\\u202d");
    sanitized("\xe2\x81\xa6x\xe2\x81\xa9", 0, "\\u2066x\\u2069");
    sanitized("\xe2\x80\x8f\xe2\x80\x8e\xe2\x80\x8b", 0, "\\u200f\\u200e\\u200b");
    sanitized("\xef\xbb\xbf" "bom", 0, "\\ufeffbom");
    sanitized("\xf3\xa0\x80\x81", 0, "\\U000e0001");              /* language tag */
}

static void test_sanitize_invalid_utf8(void **state)
{
    (void)state;
    sanitized("\xff\xfe", 0, "\\xff\\xfe");
    sanitized("\xc0\xaf", 0, "\\xc0\\xaf");                        /* overlong '/' */
    sanitized("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");               /* surrogate */
    sanitized("\xe2\x82", 0, "\\xe2\\x82");                        /* truncated */
    sanitized("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80");      /* above U+10FFFF */
}

static void test_repair(void **state)
{
    char *r;
    (void)state;
    r = u8_repair("a\x1b[1mb\tc\xff", 1);
    assert_string_equal(r, "a[1mb c\xef\xbf\xbd");
    free(r);
    r = u8_repair("keep\x1b", 0);
    assert_string_equal(r, "keep\x1b");
    free(r);
}

static char *wrapped(unsigned width, const char *prefix, unsigned indent, const char *text)
{
    static char buf[4096];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    rd_screen sc;
    rd_screen_init(&sc, f, 0);
    sc.cap = width;   /* not a terminal: 80 columns, capped to `width` */
    rd_wrap(&sc, RD_PLAIN, prefix, indent, text);
    fclose(f);
    return buf;
}

static void test_wrap(void **state)
{
    (void)state;
    assert_string_equal(wrapped(20, "  ", 2, "one two three four five six seven"),
                        "  one two three four\n  five six seven\n");
    /* characters, not bytes: 18 é fit on a 20-column line with the indent */
    assert_string_equal(wrapped(20, "  ", 2, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                            "\xc3\xa9\xc3\xa9\xc3\xa9 ab"),
                        "  \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                        " ab\n");
    assert_string_equal(wrapped(20, "  Note: ", 8, "para one\nsecond"),
                        "  Note: para one\n\n        second\n");
    /* a word longer than the line is cut */
    assert_string_equal(wrapped(20, "", 0, "abcdefghijklmnopqrstuvwxyz"),
                        "abcdefghijklmnopqrst\nuvwxyz\n");
    /* escapes count as the visible text they become */
    assert_string_equal(wrapped(20, "", 0, "x \x1b[31m"), "x \\x1b[31m\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitize_keeps_printable),
        cmocka_unit_test(test_sanitize_escapes_controls),
        cmocka_unit_test(test_sanitize_escapes_bidi_and_invisible),
        cmocka_unit_test(test_sanitize_invalid_utf8),
        cmocka_unit_test(test_repair),
        cmocka_unit_test(test_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
