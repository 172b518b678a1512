/*
 * xmlin_find.c — finding a position in the source again after the fact, for messages that must point
 * at an attribute or a `{placeholder}` rather than at the element (only on the error path).  The
 * first lookup in a file reads it once to index its line starts; each lookup then reads a bounded
 * window from the element's start tag.  Line ends count as the pre-scan counts them.
 */
#define _XOPEN_SOURCE 700 /* pread */
#include "mem.h"
#include "xmlin.h"
#include <string.h>
#include <unistd.h>

#define WINDOW (64u * 1024 + 4096) /* a text element holds at most 64 KiB */

/* Copy source bytes [off, off+len) into buf; returns how many were read. */
static size_t source_at(const dt_xmlin *in, uint64_t off, unsigned char *buf, size_t len)
{
    if (in->fd < 0) {
        if (off >= in->memlen)
            return 0;
        size_t n = in->memlen - (size_t)off < len ? in->memlen - (size_t)off : len;
        memcpy(buf, in->mem + off, n);
        return n;
    }
    ssize_t n = pread(in->fd, buf, len, (off_t)off);
    return n > 0 ? (size_t)n : 0;
}

static int push_line(dt_xmlin *in, uint64_t start)
{
    if (dt_grow((void **)&in->lines, &in->lines_cap, in->nlines + 1, sizeof *in->lines) != 0)
        return -1;
    in->lines[in->nlines++] = start;
    return 0;
}

static int index_lines(dt_xmlin *in)
{
    if (in->nlines)
        return 0;
    unsigned char *buf = dt_malloc(WINDOW);
    if (!buf || push_line(in, 0) != 0)
        return dt_free(buf), -1;
    uint64_t off = 0;
    int cr = 0;
    for (size_t n; (n = source_at(in, off, buf, WINDOW)) > 0; off += n) {
        for (size_t i = 0; i < n; i++) {
            if (buf[i] == '\n' && cr) {
                in->lines[in->nlines - 1] = off + i + 1;
            } else if ((buf[i] == '\n' || buf[i] == '\r') && push_line(in, off + i + 1) != 0) {
                dt_free(buf);
                return -1;
            }
            cr = buf[i] == '\r';
        }
    }
    dt_free(buf);
    return 0;
}

/* Advance line:col over b[0..n) as the pre-scan counts (characters, "\r\n" one line end). */
static void advance(const unsigned char *b, size_t n, uint32_t *line, uint32_t *col)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i] == '\r' || (b[i] == '\n' && !(i && b[i - 1] == '\r'))) {
            ++*line;
            *col = 1;
        } else if (b[i] != '\n' && (b[i] & 0xC0) != 0x80) {
            ++*col;
        }
    }
}

/* Read the window that starts at the character at line:col; *n its length.  NULL when unknown. */
static unsigned char *window_at(dt_xmlin *in, uint32_t line, uint32_t col, size_t *n)
{
    if (line == 0 || col == 0 || index_lines(in) != 0 || line > in->nlines)
        return NULL;
    unsigned char *buf = dt_malloc(WINDOW);
    uint64_t off = in->lines[line - 1];
    size_t got = buf ? source_at(in, off, buf, WINDOW) : 0, skip = 0;
    for (uint32_t c = 1; c < col && skip < got; c++) /* col counts characters, not bytes */
        for (skip++; skip < got && (buf[skip] & 0xC0) == 0x80; skip++)
            ;
    if (!buf || skip >= got)
        return dt_free(buf), NULL;
    memmove(buf, buf + skip, got - skip);
    *n = got - skip;
    return buf;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int dt_xmlin_find_attr(dt_xmlin *in, uint32_t line, uint32_t col, const char *name, uint32_t *oline,
                       uint32_t *ocol)
{
    size_t n, len = strlen(name);
    unsigned char *b = window_at(in, line, col, &n);
    int quote = 0, found = -1;
    for (size_t i = 1; b && i < n && found < 0; i++) {
        if (quote) {
            quote = b[i] == quote ? 0 : quote;
        } else if (b[i] == '"' || b[i] == '\'') {
            quote = b[i];
        } else if (b[i] == '>') {
            break;
        } else if (is_space(b[i - 1]) && i + len < n && memcmp(b + i, name, len) == 0) {
            size_t j = i + len;
            while (j < n && is_space(b[j]))
                j++;
            if (j < n && b[j] == '=') {
                for (j++; j < n && is_space(b[j]); j++)
                    ;
                if (j < n && (b[j] == '"' || b[j] == '\'')) {
                    *oline = line, *ocol = col;
                    advance(b, j + 1, oline, ocol);
                    found = 0;
                }
            }
        }
    }
    dt_free(b);
    return found;
}

int dt_xmlin_find_text(dt_xmlin *in, uint32_t line, uint32_t col, const char *needle,
                       uint32_t *oline, uint32_t *ocol)
{
    size_t n, len = strlen(needle);
    unsigned char *b = window_at(in, line, col, &n);
    int found = -1;
    for (size_t i = 0; b && len && i + len <= n && found < 0; i++) {
        if (b[i] == needle[0] && memcmp(b + i, needle, len) == 0) {
            *oline = line, *ocol = col;
            advance(b, i, oline, ocol);
            found = 0;
        }
    }
    dt_free(b);
    return found;
}
