/*
 * utf8.c — strict UTF-8 decoding and repair for the CLI (see utf8.h).  Invariant: u8_repair's
 * result is always valid UTF-8, so later stages (the JSON writer, the sanitiser) never see a
 * broken sequence coming from typed input.
 */
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

static size_t seq_len(unsigned char b, uint32_t *cp)
{
    if (b < 0x80) { *cp = b; return 1; }
    if (b >= 0xC2 && b <= 0xDF) { *cp = b & 0x1Fu; return 2; }
    if (b >= 0xE0 && b <= 0xEF) { *cp = b & 0x0Fu; return 3; }
    if (b >= 0xF0 && b <= 0xF4) { *cp = b & 0x07u; return 4; }
    return 0;
}

size_t u8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    uint32_t c;
    size_t len, i;

    if (n == 0) { *cp = 0; return 0; }
    len = seq_len(s[0], &c);
    if (len == 0 || len > n) { *cp = s[0]; return 0; }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0u) != 0x80u) { *cp = s[0]; return 0; }
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are invalid. */
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF)) {
        *cp = s[0];
        return 0;
    }
    *cp = c;
    return len;
}

size_t u8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t u8_length_n(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t count = 0, k;
    uint32_t cp;

    while (n > 0) {
        k = u8_decode(p, n, &cp);
        if (k == 0) k = 1;
        p += k;
        n -= k;
        count++;
    }
    return count;
}

size_t u8_length(const char *s)
{
    return u8_length_n(s, strlen(s));
}

size_t u8_offset(const char *s, size_t n, size_t chars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t off = 0, k;
    uint32_t cp;

    while (chars-- > 0 && off < n) {
        k = u8_decode(p + off, n - off, &cp);
        off += k ? k : 1;
    }
    return off;
}

char *u8_repair(const char *s, int drop_controls)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), k, o = 0;
    char *out = malloc(n * 3 + 1);   /* each invalid byte may grow to 3 bytes (U+FFFD) */
    uint32_t cp;

    if (!out) return NULL;
    while (n > 0) {
        k = u8_decode(p, n, &cp);
        if (k == 0) {
            o += u8_encode(0xFFFD, out + o);
            k = 1;
        } else if (drop_controls && (cp == '\t' || cp == '\n' || cp == '\r')) {
            out[o++] = ' ';
        } else if (!(drop_controls && (cp < 0x20 || cp == 0x7F))) {
            memcpy(out + o, p, k);
            o += k;
        }
        p += k;
        n -= k;
    }
    out[o] = '\0';
    return out;
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int u8_casecmp(const char *a, const char *b)
{
    while (*a && lower((unsigned char)*a) == lower((unsigned char)*b)) { a++; b++; }
    return lower((unsigned char)*a) - lower((unsigned char)*b);
}

int u8_caseprefix(const char *prefix, const char *s)
{
    while (*prefix) {
        if (lower((unsigned char)*prefix) != lower((unsigned char)*s)) return 0;
        prefix++;
        s++;
    }
    return 1;
}
