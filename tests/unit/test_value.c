/*
 * test_value.c — typed values (value.c) and the `{name}` interpolation scanner (interp.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "interp.h"
#include "value.h"

static char out[2048];
static const char *why;

static int parse(dt_var_type t, const char *in)
{
    why = NULL;
    out[0] = '\0';
    return dt_value_parse(t, in, out, sizeof out, &why);
}

#define ACCEPT(t, in, canon)                       \
    do {                                           \
        assert_int_equal(parse((t), (in)), 0);     \
        assert_string_equal(out, (canon));         \
    } while (0)
#define REFUSE(t, in)                              \
    do {                                           \
        assert_int_equal(parse((t), (in)), -1);    \
        assert_non_null(why);                      \
        assert_true(why[0] != '\0');               \
    } while (0)

static void test_text(void **state)
{
    (void)state;
    ACCEPT(DT_VAR_TEXT, "  hello world \t", "hello world");
    ACCEPT(DT_VAR_TEXT, "", "");
    ACCEPT(DT_VAR_CHOICE, " Basic ", "Basic");
}

static void test_number(void **state)
{
    (void)state;
    ACCEPT(DT_VAR_NUMBER, "42", "42");
    ACCEPT(DT_VAR_NUMBER, " 2.50 ", "2.5");
    ACCEPT(DT_VAR_NUMBER, "-0.125", "-0.125");
    ACCEPT(DT_VAR_NUMBER, "+7", "7");
    ACCEPT(DT_VAR_NUMBER, "-0", "0");
    ACCEPT(DT_VAR_NUMBER, ".5", "0.5");
    ACCEPT(DT_VAR_NUMBER, "5.", "5");
    REFUSE(DT_VAR_NUMBER, "2,5");
    ACCEPT(DT_VAR_NUMBER, "1e3", "1000");           /* the formatter's own forms read back */
    ACCEPT(DT_VAR_NUMBER, "1e+20", "1e+20");
    ACCEPT(DT_VAR_NUMBER, "-Infinity", "-Infinity");
    ACCEPT(DT_VAR_NUMBER, "123456789012345", "123456789012345");
    ACCEPT(DT_VAR_NUMBER, "0000000000000000001.5", "1.5"); /* leading zeros are not significant */
    REFUSE(DT_VAR_NUMBER, "1234567890123456");  /* 16 significant digits would be rounded */
    REFUSE(DT_VAR_NUMBER, "1e");
    REFUSE(DT_VAR_NUMBER, "e5");
    REFUSE(DT_VAR_NUMBER, "1e99999");
    REFUSE(DT_VAR_NUMBER, "1e400");
    assert_string_equal(why, "the number is too large");
    REFUSE(DT_VAR_NUMBER, "1e-400"); /* underflow: was stored as 0 */
    assert_string_equal(why, "the number is too close to zero");
    REFUSE(DT_VAR_NUMBER, "-4.9e-324"); /* subnormal: fewer than 15 digits survive */
    ACCEPT(DT_VAR_NUMBER, "0e-400", "0"); /* zero itself is exact */
    ACCEPT(DT_VAR_NUMBER, "0.000", "0");
    ACCEPT(DT_VAR_NUMBER, "1e-300", "1e-300");
    REFUSE(DT_VAR_NUMBER, "abc");
    REFUSE(DT_VAR_NUMBER, "");
    REFUSE(DT_VAR_NUMBER, "-");
    REFUSE(DT_VAR_NUMBER, ".");
    REFUSE(DT_VAR_NUMBER, "1 2");
    REFUSE(DT_VAR_NUMBER, "1234567890123456789012345678901"); /* 31 digits */
}

static void test_boolean(void **state)
{
    (void)state;
    const char *yes[] = {"yes", "Y", "TRUE", "1", " yes "};
    const char *no[] = {"no", "n", "False", "0"};
    for (size_t i = 0; i < 5; i++)
        ACCEPT(DT_VAR_BOOLEAN, yes[i], "true");
    for (size_t i = 0; i < 4; i++)
        ACCEPT(DT_VAR_BOOLEAN, no[i], "false");
    REFUSE(DT_VAR_BOOLEAN, "maybe");
    REFUSE(DT_VAR_BOOLEAN, "");
    REFUSE(DT_VAR_BOOLEAN, "yess");
}

static int answer_date(const char *in, int month_first)
{
    why = NULL;
    out[0] = '\0';
    return dt_value_parse_answer(DT_VAR_DATE, in, out, sizeof out, month_first, &why);
}

/* Dates as people type them; the tree's language decides day/month order for numeric forms. */
static void test_date_answers(void **state)
{
    static const char *const same[] = {"1984-07-21", "21/07/1984", "21.7.1984", "21-7-1984",
                                       " 21/7/1984 ", "21 July 1984", "21 jul 1984", "21 Jul. 1984",
                                       "July 21, 1984", "JULY 21 1984", "21 July, 1984"};
    (void)state;
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        assert_int_equal(answer_date(same[i], 0), 0);
        assert_string_equal(out, "1984-07-21");
    }
    assert_int_equal(answer_date("07/21/1984", 1), 0);     /* en-US: month first */
    assert_string_equal(out, "1984-07-21");
    assert_int_equal(answer_date("03/04/2026", 0), 0);     /* day first: 3 April */
    assert_string_equal(out, "2026-04-03");
    assert_int_equal(answer_date("03/04/2026", 1), 0);     /* month first: 4 March */
    assert_string_equal(out, "2026-03-04");
    assert_int_equal(answer_date("21 Sept 1984", 0), 0);
    assert_string_equal(out, "1984-09-21");
    static const char *const bad[] = {"07/21/1984", "21/07/84", "31/02/2026", "21/07-1984",
                                      "21 Jully 1984", "Ju 21 1984", "21/07/19845", "123/1/2000",
                                      "yesterday", "", "21 July", "1984/07/21"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(answer_date(bad[i], 0), -1);
        assert_non_null(why);
    }
    assert_non_null(strstr((answer_date("x", 0), why), "21/07/1984"));
    assert_non_null(strstr((answer_date("x", 1), why), "07/21/1984"));
    assert_int_equal(dt_value_month_first("en-US"), 1);
    assert_int_equal(dt_value_month_first("en"), 0);
    assert_int_equal(dt_value_month_first("en-GB"), 0);
    assert_int_equal(dt_value_month_first(NULL), 0);
    /* files and conditions stay strict: only YYYY-MM-DD */
    REFUSE(DT_VAR_DATE, "21/07/1984");
}

static void test_date(void **state)
{
    (void)state;
    ACCEPT(DT_VAR_DATE, "2026-03-31", "2026-03-31");
    ACCEPT(DT_VAR_DATE, "2024-02-29", "2024-02-29");
    ACCEPT(DT_VAR_DATE, "2000-02-29", "2000-02-29");
    REFUSE(DT_VAR_DATE, "2023-02-29");
    REFUSE(DT_VAR_DATE, "1900-02-29");
    REFUSE(DT_VAR_DATE, "2026-04-31");
    REFUSE(DT_VAR_DATE, "2026-13-01");
    REFUSE(DT_VAR_DATE, "2026-00-10");
    REFUSE(DT_VAR_DATE, "2026-01-00");
    REFUSE(DT_VAR_DATE, "0000-01-01");
    REFUSE(DT_VAR_DATE, "2026/01/01");
    REFUSE(DT_VAR_DATE, "2026-1-01");
    REFUSE(DT_VAR_DATE, "26-01-01xx");
    assert_int_equal(parse(DT_VAR_DATE, "2023-02-29"), -1);
    assert_string_equal(why, "that day does not exist in that month");
}

static void test_email(void **state)
{
    (void)state;
    ACCEPT(DT_VAR_EMAIL, " ann@example.com ", "ann@example.com");
    ACCEPT(DT_VAR_EMAIL, "a.b+c@sub.example.org", "a.b+c@sub.example.org");
    REFUSE(DT_VAR_EMAIL, "ann");
    REFUSE(DT_VAR_EMAIL, "@example.com");
    REFUSE(DT_VAR_EMAIL, "ann@example");
    REFUSE(DT_VAR_EMAIL, "ann@.com");
    REFUSE(DT_VAR_EMAIL, "ann@example.");
    REFUSE(DT_VAR_EMAIL, "ann@x@example.com");
    REFUSE(DT_VAR_EMAIL, "an n@example.com");
    REFUSE(DT_VAR_EMAIL, "<ann@example.com>");
}

static void test_phone(void **state)
{
    (void)state;
    ACCEPT(DT_VAR_PHONE, "+44 (0)20 7946-0000", "+44 (0)20 7946-0000");
    ACCEPT(DT_VAR_PHONE, "12345", "12345");
    ACCEPT(DT_VAR_PHONE, "12345678901234567890", "12345678901234567890");
    REFUSE(DT_VAR_PHONE, "1234");
    REFUSE(DT_VAR_PHONE, "123456789012345678901");
    REFUSE(DT_VAR_PHONE, "12+345678");
    REFUSE(DT_VAR_PHONE, "call 12345");
    REFUSE(DT_VAR_PHONE, "");
}

static void test_too_long(void **state)
{
    (void)state;
    char big[1500];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    REFUSE(DT_VAR_PHONE, big);
    assert_string_equal(why, "the answer is too long");
    assert_int_equal(parse(DT_VAR_TEXT, big), 0); /* text has no such cap */
    assert_int_equal(strlen(out), sizeof big - 1);
}

static void test_format_number(void **state)
{
    (void)state;
    char b[64];
    dt_value_format_number(2, b, sizeof b);
    assert_string_equal(b, "2");
    dt_value_format_number(2.5, b, sizeof b);
    assert_string_equal(b, "2.5");
    dt_value_format_number(-0.0, b, sizeof b);
    assert_string_equal(b, "0");
    dt_value_format_number(NAN, b, sizeof b);
    assert_string_equal(b, "NaN");
    dt_value_format_number(INFINITY, b, sizeof b);
    assert_string_equal(b, "Infinity");
    dt_value_format_number(-INFINITY, b, sizeof b);
    assert_string_equal(b, "-Infinity");
    dt_value_format_number(0.1 + 0.2, b, sizeof b);
    assert_string_equal(b, "0.3");
    dt_value_format_number(1e20, b, sizeof b);
    assert_string_equal(b, "1e+20");
    /* every formatted number parses back to the same text (stored values must replay) */
    const double samples[] = {0, -1, 0.1 + 0.2, 1e15, 123456789012345678.0, 1e-7, 1.0 / 3, INFINITY, 1e300};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char again[64];
        dt_value_format_number(samples[i], b, sizeof b);
        assert_int_equal(dt_value_parse(DT_VAR_NUMBER, b, again, sizeof again, &why), 0);
        assert_string_equal(again, b);
    }
}

static void test_readings(void **state)
{
    (void)state;
    assert_true(dt_value_number(DT_VAR_NUMBER, "2.5") == 2.5);
    assert_true(isnan(dt_value_number(DT_VAR_NUMBER, "")));
    assert_true(isnan(dt_value_number(DT_VAR_TEXT, "abc")));
    assert_true(dt_value_number(DT_VAR_DATE, "2026-03-31") == 20260331.0);
    assert_true(dt_value_number(DT_VAR_BOOLEAN, "true") == 1.0);
    assert_true(dt_value_number(DT_VAR_BOOLEAN, "false") == 0.0);
    assert_int_equal(dt_value_bool("true"), 1);
    assert_int_equal(dt_value_bool("false"), 0);
    assert_int_equal(dt_value_bool("yes"), 0); /* canonical text only */
    assert_string_equal(dt_value_display(DT_VAR_BOOLEAN, "true"), "yes");
    assert_string_equal(dt_value_display(DT_VAR_BOOLEAN, "false"), "no");
    assert_string_equal(dt_value_display(DT_VAR_NUMBER, "2.5"), "2.5");
    assert_string_equal(dt_value_display(DT_VAR_TEXT, "x"), "x");
}

static void test_type_names(void **state)
{
    (void)state;
    const char *names[] = {"text", "number", "boolean", "date", "email", "phone", "choice"};
    for (int i = 0; i < 7; i++) {
        assert_int_equal(dt_var_type_parse(names[i]), i);
        assert_string_equal(dt_var_type_name((dt_var_type)i), names[i]);
    }
    assert_int_equal(dt_var_type_parse("Number"), -1);
    assert_int_equal(dt_var_type_parse(""), -1);
    assert_string_equal(dt_var_type_name((dt_var_type)99), "unknown");
    assert_int_equal(parse((dt_var_type)99, "x"), -1);
}

/* ---- interpolation -------------------------------------------------------------------------- */

typedef struct rec {
    char buf[512];
    int calls;
    int stop_at; /* call number to stop at with 7; 0 never */
} rec;

static int collect(void *ud, const char *s, size_t n, int is_var)
{
    rec *r = ud;
    r->calls++;
    size_t len = strlen(r->buf);
    snprintf(r->buf + len, sizeof r->buf - len, is_var ? "<%.*s>" : "[%.*s]", (int)n, s);
    return r->calls == r->stop_at ? 7 : 0;
}

static int walk(const char *text, rec *r, size_t *bad)
{
    memset(r, 0, sizeof *r);
    *bad = 12345;
    return dt_interp_walk(text, collect, r, bad);
}

static void test_interp_ok(void **state)
{
    (void)state;
    rec r;
    size_t bad;
    assert_int_equal(walk("Hello {who}, count {n}.", &r, &bad), 0);
    assert_string_equal(r.buf, "[Hello ]<who>[, count ]<n>[.]");
    assert_int_equal(walk("", &r, &bad), 0);
    assert_int_equal(r.calls, 0);
    assert_int_equal(walk("{a}{b_2}", &r, &bad), 0);
    assert_string_equal(r.buf, "<a><b_2>");
    assert_int_equal(walk("a {{literal}} b", &r, &bad), 0);
    assert_string_equal(r.buf, "[a {][literal}][ b]");
    assert_int_equal(walk("{{{x}}}", &r, &bad), 0);
    assert_string_equal(r.buf, "[{]<x>[}]");
    assert_int_equal(walk("caf\xc3\xa9 {_x}", &r, &bad), 0);
    assert_string_equal(r.buf, "[caf\xc3\xa9 ]<_x>");
}

static void test_interp_bad(void **state)
{
    (void)state;
    rec r;
    size_t bad;
    assert_int_equal(walk("a { b", &r, &bad), -1);
    assert_int_equal(bad, 2);
    assert_int_equal(walk("a } b", &r, &bad), -1);
    assert_int_equal(bad, 2);
    assert_int_equal(walk("x{}", &r, &bad), -1);
    assert_int_equal(bad, 1);
    assert_int_equal(walk("{1a}", &r, &bad), -1);
    assert_int_equal(bad, 0);
    assert_int_equal(walk("{a-b}", &r, &bad), -1);
    assert_int_equal(walk("{a {b}", &r, &bad), -1);
    assert_int_equal(bad, 0);
    assert_int_equal(walk("ok {a", &r, &bad), -1);
    assert_int_equal(bad, 3);
}

static void test_interp_stop(void **state)
{
    (void)state;
    rec r;
    memset(&r, 0, sizeof r);
    r.stop_at = 2;
    size_t bad = 0;
    assert_int_equal(dt_interp_walk("x {a} y {b}", collect, &r, &bad), 7);
    assert_string_equal(r.buf, "[x ]<a>");
}

static void test_name_valid(void **state)
{
    (void)state;
    assert_true(dt_name_valid("a", 1));
    assert_true(dt_name_valid("_a9", 3));
    assert_true(dt_name_valid("abc", 2)); /* length counts, not the NUL */
    assert_false(dt_name_valid("", 0));
    assert_false(dt_name_valid("9a", 2));
    assert_false(dt_name_valid("a-b", 3));
    assert_false(dt_name_valid("a.b", 3));
    assert_false(dt_name_valid("\xc3\xa9", 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),          cmocka_unit_test(test_number),
        cmocka_unit_test(test_boolean),       cmocka_unit_test(test_date),
        cmocka_unit_test(test_date_answers),
        cmocka_unit_test(test_email),         cmocka_unit_test(test_phone),
        cmocka_unit_test(test_too_long),      cmocka_unit_test(test_format_number),
        cmocka_unit_test(test_readings),      cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_interp_ok),     cmocka_unit_test(test_interp_bad),
        cmocka_unit_test(test_interp_stop),   cmocka_unit_test(test_name_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
