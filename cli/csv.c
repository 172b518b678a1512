/*
 * csv.c — one CSV cell at a time: quoting (",", '"', CR, LF), formula neutralising for text
 * cells (OWASP CSV Injection: = + - @ tab CR at the start get a leading '), the sanitiser on a
 * terminal.
 */
#include "csv.h"
#include "render.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void csv_init(csv_out *c, FILE *f)
{
    c->f = f;
    c->tty = isatty(fileno(f));
    c->first = 1;
}

static int formula_start(const char *s)
{
    return s[0] && strchr("=+-@\t\r", s[0]) != NULL;
}

char *csv_format(const char *s, int is_number)
{
    if (!s)
        s = "";
    int guard = !is_number && formula_start(s);
    int quote = guard || strpbrk(s, ",\"\r\n") != NULL;
    size_t n = strlen(s), extra = 0;
    for (const char *p = s; *p; p++)
        extra += *p == '"';
    char *out = malloc(n + extra + 4);
    if (!out)
        return NULL;
    char *w = out;
    if (quote)
        *w++ = '"';
    if (guard)
        *w++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            *w++ = '"';
        *w++ = *p;
    }
    if (quote)
        *w++ = '"';
    *w = '\0';
    return out;
}

static void cell(csv_out *c, const char *s, int is_number)
{
    if (!c->first)
        fputc(',', c->f);
    c->first = 0;
    if (!s)
        return;
    char *clean = c->tty ? rd_sanitize(s, 1) : NULL;
    char *v = csv_format(clean ? clean : s, is_number);
    fputs(v ? v : "", c->f);
    free(v);
    free(clean);
}

void csv_text(csv_out *c, const char *s)
{
    cell(c, s, 0);
}

void csv_number(csv_out *c, const char *s)
{
    cell(c, s, 1);
}

void csv_int(csv_out *c, long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    cell(c, buf, 1);
}

void csv_row_end(csv_out *c)
{
    fputc('\n', c->f);
    c->first = 1;
}
