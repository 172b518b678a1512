/*
 * visible.c — dt_text_visible: invisible characters written as <U+XXXX> in diff-like messages.
 * One pass over the text; the input is the loader's or the session's (valid UTF-8), but a stray
 * byte is shown as <U+FFFD> rather than trusted.
 */
#include "visible.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int invisible(uint32_t cp)
{
    return (cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad || cp == 0x34f ||
           cp == 0x115f || cp == 0x1160 || cp == 0x180e || (cp >= 0x2000 && cp <= 0x200f) ||
           (cp >= 0x2028 && cp <= 0x202f) || (cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 ||
           cp == 0x3164 || cp == 0xfeff || cp == 0xffa0 || cp == 0xfffd;
}

/* Decode one character at s; its length in bytes (1 for a stray byte, *cp = U+FFFD). */
static size_t decode(const unsigned char *s, uint32_t *cp)
{
    size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0)
        return *cp = 0xfffd, 1;
    *cp = n == 1 ? s[0] : (uint32_t)(s[0] & (0x7f >> n));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return *cp = 0xfffd, 1;
        *cp = *cp << 6 | (s[i] & 0x3f);
    }
    return n;
}

void dt_text_visible(const char *s, char *out, size_t size)
{
    size_t o = 0;
    if (!size)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        uint32_t cp;
        size_t n = decode(p, &cp);
        char esc[16];
        const char *piece = (const char *)p;
        size_t len = n;
        if (invisible(cp)) {
            len = (size_t)snprintf(esc, sizeof esc, "<U+%04X>", (unsigned)cp);
            piece = esc;
        }
        if (o + len >= size)
            break;
        memcpy(out + o, piece, len);
        o += len;
        p += n;
    }
    out[o] = 0;
}
