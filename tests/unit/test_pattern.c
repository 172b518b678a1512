/*
 * test_pattern.c — input patterns (engine/pattern*.c): the dialect both PCRE2 and browsers read the
 * same way (accepted, refused with its reason), whole-answer matching, ECMAScript meanings of `.`
 * and `\s`, and PCRE2's limits turning a pathological answer into a refusal, never a match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "pattern.h"

static char why[200];

static int match(const char *pat, const char *answer)
{
    dt_pattern *p = NULL;
    if (dt_pattern_compile(pat, strlen(pat), &p, why, sizeof why) != 0)
        fail_msg("pattern \"%s\" refused: %s", pat, why);
    int m = dt_pattern_match(p, answer, strlen(answer), why, sizeof why);
    dt_pattern_free(p);
    return m;
}

static void refused(const char *pat, const char *want)
{
    dt_pattern *p = (dt_pattern *)1;
    why[0] = '\0';
    assert_int_equal(dt_pattern_compile(pat, strlen(pat), &p, why, sizeof why), -1);
    assert_null(p);
    if (!strstr(why, want))
        fail_msg("pattern \"%s\": got \"%s\", want \"%s\"", pat, why, want);
}

static void test_whole_answer(void **state)
{
    (void)state;
    assert_int_equal(match("[0-9]{4}", "1234"), 1);
    assert_int_equal(match("[0-9]{4}", "12345"), 0);
    assert_int_equal(match("[0-9]{4}", "x1234"), 0);
    assert_int_equal(match("a|ab", "ab"), 1); /* anchored around the whole alternation */
    assert_int_equal(match("^a$", "a"), 1);
    assert_int_equal(match("a$", "a\n"), 0);  /* $ is the very end, as in ECMAScript */
    assert_int_equal(match("INV-[0-9]{6}", "INV-204518"), 1);
    assert_int_equal(match("[A-Za-z0-9 \\-]{3,10}", "SW1A 1AA"), 1);
    assert_int_equal(match("\\bfoo\\b", "foo"), 1);
    assert_int_equal(match("(?!x)[a-z]+", "abc"), 1);
    assert_int_equal(match("(?!x)[a-z]+", "xbc"), 0);
}

/* Where PCRE2's defaults differ from ECMAScript, the translation follows ECMAScript. */
static void test_ecmascript_meanings(void **state)
{
    (void)state;
    assert_int_equal(match(".", "\xc3\xa9"), 1);          /* a code point, not a byte */
    assert_int_equal(match("a.b", "a\rb"), 0);            /* . excludes \r (PCRE2: only \n) */
    assert_int_equal(match("a.b", "a\xe2\x80\xa8" "b"), 0); /* ... and U+2028 */
    assert_int_equal(match("\\s", "\xc2\xa0"), 1);        /* \s includes U+00A0 (PCRE2: ASCII) */
    assert_int_equal(match("[\\s]", "\xef\xbb\xbf"), 1);  /* and U+FEFF, also inside a class */
    assert_int_equal(match("\\S", "\xc2\xa0"), 0);
    assert_int_equal(match("\\d", "\xd9\xa3"), 0);        /* ASCII digits only */
    assert_int_equal(match("\\v", "\x0b"), 1);            /* \v is VT (PCRE2: a class) */
    assert_int_equal(match("\\u00e9\\u{1F600}", "\xc3\xa9\xf0\x9f\x98\x80"), 1);
    assert_int_equal(match("\\x41", "A"), 1);
    assert_int_equal(match("a\\.b", "a.b"), 1);
    assert_int_equal(match("a\\.b", "axb"), 0);
    assert_int_equal(match("[\\-\\/\\(\\)]+", "-/()"), 1);
}

static void test_refused(void **state)
{
    (void)state;
    refused("(a*)*\\1b", "uses a back-reference (\\1)");
    refused("(?<n>a)\\k<n>", "named groups");
    refused("\\k<n>", "back-reference (\\k)");
    refused("(?<=a)b", "lookbehind");
    refused("(?<!a)b", "lookbehind");
    refused("(?>a)", "atomic groups");
    refused("a++", "possessive");
    refused("a*+", "possessive");
    refused("a**", "nothing to repeat");
    refused("*a", "nothing to repeat");
    refused("(?=a)*", "nothing to repeat");
    refused("^*", "nothing to repeat");
    refused("(?i)a", "(?i...)");
    refused("\\p{L}", "Unicode property");
    refused("[a-z0-9._-]", "'-' inside [...] must be written \\-");
    refused("[(]", "'(' inside [...]");
    refused("[a|b]", "'|' inside [...]");
    refused("[[a]]", "'[' inside [...]");
    refused("[a&&b]", "\"&&\" inside [...]");
    refused("[a--b]", "'-' inside [...]");
    refused("[]", "empty");
    refused("[^]", "empty");
    refused("[z-a]", "range");
    refused("[\\d-z]", "'-' inside [...]");
    refused("[\\S]", "\\S inside [...]");
    refused("]", "lone ']'");
    refused("a{", "'{' must start a repeat");
    refused("a{,5}", "'{' must start a repeat");
    refused("a{5,2}", "first number is larger");
    refused("\\-", "\\- is not an escape");
    refused("\\e", "\\e is not an escape");
    refused("\\0", "\\0");
    refused("\\uD800", "surrogate");
    refused("\\xZ1", "two hex digits");
    refused("(a", "'(' is never closed");
    refused("a)", "')' without a matching '('");
    refused("[a", "'[' is never closed");
    refused("a\\", "backslash");
}

/* Issue 9, finding 15: patterns that cost minutes or gigabytes in glibc are refused at load... */
static void test_size_caps(void **state)
{
    (void)state;
    refused("(.*){1,32000}[bc]", "a repeat count is at most 1000");
    refused("((a{255}){255}){255}", "more than 10000 parts");
    refused("(.{0,100}){0,100}x", "more than 10000 parts");
    char deep[200] = "";
    for (int i = 0; i < 33; i++)
        strcat(deep, "(");
    strcat(deep, "a");
    for (int i = 0; i < 33; i++)
        strcat(deep, ")");
    refused(deep, "nested more than 32 deep");
    assert_int_equal(match("(ab){1000}", "ab"), 0);
    assert_int_equal(match("(a{100}){100}", "a"), 0);
}

/* ... and an answer that would need more work than the limits allow is refused, not accepted. */
static void test_match_limits(void **state)
{
    (void)state;
    char answer[200];
    memset(answer, 'a', 60);
    strcpy(answer + 60, "!");
    dt_pattern *p = NULL;
    const char *pats[] = {"(a|aa)+", "((a+)+)+", "(\\w+\\s?)+"};
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        assert_int_equal(dt_pattern_compile(pats[i], strlen(pats[i]), &p, why, sizeof why), 0);
        assert_int_equal(dt_pattern_match(p, answer, strlen(answer), why, sizeof why), -1);
        assert_non_null(strstr(why, "takes too much work"));
        assert_int_equal(dt_pattern_match(p, "aaaa", 4, why, sizeof why), 1); /* short: fine */
        dt_pattern_free(p);
    }
    assert_int_equal(dt_pattern_compile(".*", 2, &p, why, sizeof why), 0);
    assert_int_equal(dt_pattern_match(p, "a\xff", 2, why, sizeof why), -1);
    assert_string_equal(why, "the answer is not valid UTF-8 text");
    dt_pattern_free(p);
    dt_pattern_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_answer),
        cmocka_unit_test(test_ecmascript_meanings),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_size_caps),
        cmocka_unit_test(test_match_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
