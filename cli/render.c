/*
 * render.c — the CLI's one output path: allow-list sanitiser, word wrap, optional colour.
 * Invariant: no byte reaches sc->out except through put_clean(), which only writes the output of
 * rd_sanitize(), plus the fixed SGR sequences below when sc->color is set.
 */
#define _XOPEN_SOURCE 700
#include "render.h"

#include "utf8.h"

#include "dtree.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void rd_screen_init(rd_screen *sc, FILE *out, int allow_color)
{
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

    sc->out = out;
    sc->tty = isatty(fileno(out));
    sc->color = allow_color && sc->tty && !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
    sc->cap = 100;
    sc->copy = NULL;
}

unsigned rd_width(const rd_screen *sc)
{
    struct winsize ws;
    unsigned w = 80;

    if (sc->tty && ioctl(fileno(sc->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        w = ws.ws_col;
    if (w > sc->cap) w = sc->cap;
    return w < 20 ? 20 : w;
}

/* The allow-list is the engine's (dt_char_printable), shared with the graph writer. */
static int allowed(uint32_t c)
{
    return dt_char_printable(c);
}

char *rd_sanitize(const char *s, int keep_newlines)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), o = 0, k;
    char *out = malloc(n * 6 + 1);   /* worst case: every byte becomes "\xHH" (4) or 3 → "\uHHHH" */
    uint32_t cp;

    if (!out) return NULL;
    while (n > 0) {
        k = u8_decode(p, n, &cp);
        if (k == 0) {
            o += (size_t)sprintf(out + o, "\\x%02x", p[0]);
            k = 1;
        } else if (cp == '\n' && keep_newlines) {
            out[o++] = '\n';
        } else if (allowed(cp)) {
            memcpy(out + o, p, k);
            o += k;
        } else if (cp < 0x80) {
            o += (size_t)sprintf(out + o, "\\x%02x", (unsigned)cp);
        } else {
            o += (size_t)sprintf(out + o, cp > 0xFFFF ? "\\U%08x" : "\\u%04x", (unsigned)cp);
        }
        p += k;
        n -= k;
    }
    out[o] = '\0';
    return out;
}

static const char *sgr(rd_style st)
{
    switch (st) {
    case RD_BOLD: return "\033[1m";
    case RD_DIM: return "\033[2m";
    case RD_ERROR: return "\033[1;31m";
    case RD_GOOD: return "\033[1;32m";
    case RD_ACCENT: return "\033[36m";
    default: return "";
    }
}

/* Write already-sanitised text, styled.  Styles are closed before each newline so that a
 * scrolled or resized terminal never carries a colour into the next line. */
static void put_clean(const rd_screen *sc, rd_style st, const char *clean, size_t len)
{
    int on = sc->color && st != RD_PLAIN;
    if (len == 0) return;
    if (on) fputs(sgr(st), sc->out);
    fwrite(clean, 1, len, sc->out);
    if (on) fputs("\033[0m", sc->out);
}

static void text_on(const rd_screen *sc, rd_style st, const char *s)
{
    char *c = rd_sanitize(s, 1);
    char *line, *nl;

    if (!c) return;
    for (line = c; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        put_clean(sc, st, line, (size_t)(nl - line));
        fputc('\n', sc->out);
    }
    put_clean(sc, st, line, strlen(line));
    free(c);
}

void rd_text(const rd_screen *sc, rd_style st, const char *s)
{
    text_on(sc, st, s);
    if (sc->copy) text_on(sc->copy, st, s);
}

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
    va_list again;
    char *buf;
    int n;

    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0 || !(buf = malloc((size_t)n + 1))) {
        va_end(again);
        return NULL;
    }
    vsnprintf(buf, (size_t)n + 1, fmt, again);
    va_end(again);
    return buf;
}

void rd_printf(const rd_screen *sc, rd_style st, const char *fmt, ...)
{
    va_list ap;
    char *buf;

    va_start(ap, fmt);
    buf = vformat(fmt, ap);
    va_end(ap);
    if (buf) rd_text(sc, st, buf);
    free(buf);
}

void rd_eprintf(const char *fmt, ...)
{
    va_list ap;
    char *buf, *clean;

    va_start(ap, fmt);
    buf = vformat(fmt, ap);
    va_end(ap);
    clean = buf ? rd_sanitize(buf, 0) : NULL;   /* one line (render.h) */
    fprintf(stderr, "dtree: %s\n", clean ? clean : "out of memory");
    free(clean);
    free(buf);
}

static void spaces(const rd_screen *sc, unsigned n)
{
    while (n-- > 0) fputc(' ', sc->out);
}

/* Wrap one paragraph (sanitised, no '\n'); `col` is where the cursor already is. */
static void wrap_para(const rd_screen *sc, rd_style st, char *para, unsigned indent, unsigned col,
                      unsigned width)
{
    char *w = para, *end;
    unsigned line_start = col;
    size_t wl;

    while (*w) {
        while (*w == ' ') w++;
        if (!*w) break;
        end = strchr(w, ' ');
        if (!end) end = w + strlen(w);
        wl = (size_t)(end - w);
        unsigned chars = (unsigned)u8_length_n(w, wl);
        if (col > line_start && col + 1 + chars > width) {
            fputc('\n', sc->out);
            spaces(sc, indent);
            col = line_start = indent;
        } else if (col > line_start) {
            fputc(' ', sc->out);
            col++;
        } else if (col > indent && col + chars > width && indent + chars <= width) {
            /* the first word after a prefix does not fit beside it but fits on a line of its own */
            fputc('\n', sc->out);
            spaces(sc, indent);
            col = line_start = indent;
        }
        while (chars > 0 && col + chars > width && indent < width) {   /* too long: cut it */
            size_t cut = u8_offset(w, wl, col < width ? width - col : 1);
            put_clean(sc, st, w, cut);
            fputc('\n', sc->out);
            spaces(sc, indent);
            col = line_start = indent;
            w += cut;
            wl -= cut;
            chars = (unsigned)u8_length_n(w, wl);
        }
        put_clean(sc, st, w, wl);
        col += chars;
        w = end;
    }
    fputc('\n', sc->out);
}

static void wrap_on(const rd_screen *sc, rd_style st, const char *prefix, unsigned indent,
                    const char *s)
{
    char *p = rd_sanitize(prefix ? prefix : "", 0), *c = rd_sanitize(s, 1);
    unsigned width = rd_width(sc), col;
    char *para, *nl;

    if (!p || !c) goto out;
    put_clean(sc, st, p, strlen(p));
    col = (unsigned)u8_length(p);
    for (para = c;; para = nl + 1) {
        nl = strchr(para, '\n');
        if (nl) *nl = '\0';
        wrap_para(sc, st, para, indent, col, width);
        if (!nl) break;
        fputc('\n', sc->out);   /* paragraph break: a blank line */
        spaces(sc, indent);
        col = indent;
    }
out:
    free(p);
    free(c);
}

void rd_wrap(const rd_screen *sc, rd_style st, const char *prefix, unsigned indent, const char *s)
{
    wrap_on(sc, st, prefix, indent, s);
    if (sc->copy) wrap_on(sc->copy, st, prefix, indent, s);
}
