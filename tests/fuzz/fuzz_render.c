/*
 * fuzz_render.c — libFuzzer harness for the CLI's sanitiser (cli/render.c).  Input: one byte for
 * the width and indent, then text (up to the first NUL).  rd_sanitize (both newline modes) and
 * rd_wrap (on a memory stream, no colour) must only ever produce valid UTF-8 without ESC, other C0
 * controls (newline aside where allowed), DEL, C1 controls, bidi controls or invisible format
 * characters.  The UTF-8 decoder here is written independently of cli/utf8.c on purpose.
 */
#define _GNU_SOURCE
#include "render.h"
#include "fuzz_common.h"

#include <stdint.h>

/* Length of the valid UTF-8 character at s (strict), 0 when invalid. */
static size_t decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    if (!len || len > n || s[0] > 0xF4)
        return 0;
    uint32_t c = s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

static int forbidden(uint32_t c, int newline_ok)
{
    if (c == '\n')
        return !newline_ok;
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0))
        return 1;
    if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
        c == 0x200F || c == 0x061C || c == 0x2028 || c == 0x2029 || c == 0xFEFF || c == 0x200B)
        return 1;
    return c >= 0xE0000 && c <= 0xE007F;
}

static void check_clean(const char *out, size_t n, int newline_ok)
{
    const unsigned char *p = (const unsigned char *)out;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t k = decode(p + i, n - i, &cp);
        if (!k || forbidden(cp, newline_ok)) {
            fprintf(stderr, "bad output at byte %zu (U+%04X, len %zu)\n", i, (unsigned)cp, k);
            abort();
        }
        i += k;
    }
}

/* Wrapped text: no line wider than the screen (characters, as the wrapper counts them). */
static void check_width(const char *out, size_t n, unsigned width)
{
    const unsigned char *p = (const unsigned char *)out;
    unsigned col = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t k = decode(p + i, n - i, &cp);
        i += k ? k : 1;
        col = cp == '\n' ? 0 : col + 1;
        if (col > width) {
            fprintf(stderr, "line wider than %u columns at byte %zu\n", width, i);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    for (int nl = 0; nl <= 1; nl++) {
        char *c = rd_sanitize(text, nl);
        FZ_CHECK(c != NULL);
        check_clean(c, strlen(c), nl);
        free(c);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FZ_CHECK(f != NULL);
    rd_screen sc = {.out = f, .cap = 20u + (data[0] & 0x3F)};
    unsigned indent = (data[0] >> 6) * 3;
    const char *prefix = (data[0] & 0x40) ? "\x1b]0;x\x07 > " : "> ";
    rd_wrap(&sc, RD_BOLD, prefix, indent, text);
    FZ_CHECK(fflush(f) == 0);
    check_clean(buf, len, 1);
    check_width(buf, len, rd_width(&sc));
    rd_text(&sc, RD_DIM, text);
    rd_printf(&sc, RD_ERROR, "%s|%s", text, prefix);
    FZ_CHECK(fclose(f) == 0);
    check_clean(buf, len, 1);
    free(buf);
    free(text);
    return 0;
}
