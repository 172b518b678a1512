/*
 * test_kiosk_line.c — the kiosk's raw-mode line reader, byte by byte: what a customer can type,
 * and every escape route the issue lists (control keys, escape sequences, pastes, bad UTF-8).
 * The CLI sources are compiled in directly: the reader is pure logic over the CLI's sanitiser.
 */
#include "../../cli/render.c"
#include "../../cli/utf8.c"
#include "../../cli/kiosk_line.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* Feed a byte string; return the result of the last byte that was not KL_NONE (or KL_NONE). */
static kl_result feed(kiosk_line *kl, const char *s, size_t n)
{
    kl_result last = KL_NONE, r;
    for (size_t i = 0; i < n; i++) {
        r = kiosk_line_feed(kl, (unsigned char)s[i]);
        if (r == KL_SUBMIT) return r;
        if (r != KL_NONE) last = r;
    }
    return last;
}
#define FEED(kl, lit) feed((kl), (lit), sizeof(lit) - 1)

static void typing_and_editing(void **state)
{
    kiosk_line kl;
    (void)state;
    kiosk_line_clear(&kl);
    assert_int_equal(FEED(&kl, "hello"), KL_CHANGED);
    assert_string_equal(kiosk_line_text(&kl), "hello");
    FEED(&kl, "\x7f\x08");
    assert_string_equal(kiosk_line_text(&kl), "hel");
    FEED(&kl, "\033[3~");                       /* Delete erases too (no cursor movement) */
    assert_string_equal(kiosk_line_text(&kl), "he");
    FEED(&kl, "\025");                          /* Ctrl-U */
    assert_string_equal(kiosk_line_text(&kl), "");
    FEED(&kl, "caf\xc3\xa9 \xe2\x82\xac");
    assert_string_equal(kiosk_line_text(&kl), "caf\xc3\xa9 \xe2\x82\xac");
    FEED(&kl, "\x7f");                          /* one character, three bytes */
    assert_string_equal(kiosk_line_text(&kl), "caf\xc3\xa9 ");
    assert_int_equal(FEED(&kl, "\r"), KL_SUBMIT);
    assert_string_equal(kiosk_line_text(&kl), "caf\xc3\xa9 ");
    kiosk_line_clear(&kl);
    assert_int_equal(FEED(&kl, "\n"), KL_SUBMIT);
    assert_string_equal(kiosk_line_text(&kl), "");
}

static void control_keys_are_dropped(void **state)
{
    kiosk_line kl;
    (void)state;
    kiosk_line_clear(&kl);
    /* Ctrl-C, Ctrl-D, Ctrl-Z, Ctrl-\, Ctrl-S, Ctrl-Q, Tab, Ctrl-V, NUL, BEL, Ctrl-R, Ctrl-O */
    assert_int_equal(FEED(&kl, "\003\004\032\034\023\021\t\026\000\007\022\017"), KL_NONE);
    assert_string_equal(kiosk_line_text(&kl), "");
    /* Ctrl-V then ESC then '[' 'A': the ESC still starts a sequence, nothing is inserted */
    FEED(&kl, "1\026\033[A");
    assert_string_equal(kiosk_line_text(&kl), "1");
    assert_false(kiosk_line_pending(&kl));
}

static void arrows_and_function_keys(void **state)
{
    kiosk_line kl;
    (void)state;
    kiosk_line_clear(&kl);
    FEED(&kl, "ab\033[A\033[B\033[C\033[D\033OA\033OP\033[15~\033[1;5C\033[200~x\033[201~");
    assert_string_equal(kiosk_line_text(&kl), "abx");   /* bracketed paste markers dropped too */
    FEED(&kl, "\033b\033f\033\033[A");                  /* Alt-b, Alt-f, Esc Esc Up */
    assert_string_equal(kiosk_line_text(&kl), "abx");
    /* Esc then Enter still submits */
    kiosk_line_clear(&kl);
    FEED(&kl, "2");
    assert_int_equal(FEED(&kl, "\033\r"), KL_SUBMIT);
    assert_string_equal(kiosk_line_text(&kl), "2");
}

static void strings_are_swallowed(void **state)
{
    kiosk_line kl;
    (void)state;
    kiosk_line_clear(&kl);
    FEED(&kl, "a\033]52;c;cm0gLXJmIC8K\007b");              /* OSC 52 clipboard, BEL */
    FEED(&kl, "\033]0;pwned title\033\\c");                   /* title, ST */
    FEED(&kl, "\033P+q544e\033\\d");                          /* DCS (XTGETTCAP) */
    FEED(&kl, "\033_apc\xc2\x9c" "e");                        /* APC ended by UTF-8 C1 ST */
    FEED(&kl, "\xc2\x9d" "2;x\007f");                         /* UTF-8 encoded C1 OSC */
    assert_string_equal(kiosk_line_text(&kl), "abcdef");
    assert_false(kiosk_line_pending(&kl));
}

static void unterminated_string_is_bounded(void **state)
{
    kiosk_line kl;
    char big[KL_ESC_MAX + 100];
    (void)state;
    kiosk_line_clear(&kl);
    FEED(&kl, "\033]");
    memset(big, 'A', sizeof big);
    feed(&kl, big, sizeof big);
    assert_false(kiosk_line_pending(&kl));    /* gave up after the bound */
    assert_true(kl.len <= KL_MAX);
    kiosk_line_clear(&kl);
    FEED(&kl, "\033]0;never ended");
    assert_true(kiosk_line_pending(&kl));
    kiosk_line_gap(&kl);                      /* a pause abandons it */
    FEED(&kl, "ok");
    assert_string_equal(kiosk_line_text(&kl), "ok");
    kiosk_line_clear(&kl);
    FEED(&kl, "\033]0;x\ry");                 /* Enter inside a string ends the string only */
    assert_string_equal(kiosk_line_text(&kl), "y");
}

static void invalid_utf8_is_dropped(void **state)
{
    kiosk_line kl;
    (void)state;
    kiosk_line_clear(&kl);
    FEED(&kl, "a\xff\xfe\x80\xc0\xaf" "b\xed\xa0\x80" "c\xf4\x90\x80\x80" "d\xe2\x82" "e\xc3");
    FEED(&kl, "f");
    assert_string_equal(kiosk_line_text(&kl), "abcdef");
    /* bidi override, zero-width space, BOM, C1 NEL are not allowed in; a normal letter is */
    FEED(&kl, "\xe2\x80\xae\xe2\x80\x8b\xef\xbb\xbf\xc2\x85\xc3\xa9");
    assert_string_equal(kiosk_line_text(&kl), "abcdef\xc3\xa9");
}

static void long_paste_is_capped(void **state)
{
    kiosk_line kl;
    char big[5000];
    (void)state;
    kiosk_line_clear(&kl);
    memset(big, 'x', sizeof big);
    feed(&kl, big, sizeof big);
    assert_int_equal(kl.len, KL_MAX);
    assert_int_equal(strlen(kiosk_line_text(&kl)), KL_MAX);
    /* a multi-byte character never gets cut in half at the cap */
    kiosk_line_clear(&kl);
    memset(big, 'y', KL_MAX - 1);
    feed(&kl, big, KL_MAX - 1);
    FEED(&kl, "\xe2\x82\xac");
    assert_int_equal(kl.len, KL_MAX - 1);
    FEED(&kl, "z");
    assert_int_equal(kl.len, KL_MAX);
    FEED(&kl, "\x7f");
    assert_int_equal(kl.len, KL_MAX - 1);
}

static void clear_wipes(void **state)
{
    kiosk_line kl;
    (void)state;
    kiosk_line_clear(&kl);
    FEED(&kl, "secret");
    kiosk_line_clear(&kl);
    assert_string_equal(kiosk_line_text(&kl), "");
    for (size_t i = 0; i < sizeof kl.buf; i++) assert_int_equal(kl.buf[i], 0);
}

/* Bracketed paste: Enter, Ctrl-U and Backspace inside are never edits or a submit; line breaks
 * become one space; after the end marker Enter works again; a paste whose end never comes is
 * over after a pause (kiosk_line_gap). */
static void bracketed_paste_is_text(void **state)
{
    kiosk_line kl;
    (void)state;
    kiosk_line_clear(&kl);
    assert_int_not_equal(FEED(&kl, "\033[200~\025\0251\r\n2\x7f\t3\033[3~"), KL_SUBMIT);
    assert_true(kiosk_line_pending(&kl));
    assert_int_not_equal(FEED(&kl, "\r"), KL_SUBMIT);
    FEED(&kl, "\033[201~");
    assert_false(kiosk_line_pending(&kl));
    assert_string_equal(kiosk_line_text(&kl), "1 2 3 ");
    assert_int_equal(FEED(&kl, "\r"), KL_SUBMIT);
    kiosk_line_clear(&kl);
    FEED(&kl, "\033[200~x\r");
    kiosk_line_gap(&kl);                        /* the end marker never came */
    assert_false(kiosk_line_pending(&kl));
    assert_int_equal(FEED(&kl, "\r"), KL_SUBMIT);
    assert_string_equal(kiosk_line_text(&kl), "x ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(typing_and_editing),
        cmocka_unit_test(control_keys_are_dropped),
        cmocka_unit_test(arrows_and_function_keys),
        cmocka_unit_test(strings_are_swallowed),
        cmocka_unit_test(unterminated_string_is_bounded),
        cmocka_unit_test(invalid_utf8_is_dropped),
        cmocka_unit_test(long_paste_is_capped),
        cmocka_unit_test(clear_wipes),
        cmocka_unit_test(bracketed_paste_is_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
