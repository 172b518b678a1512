/*
 * render.h — everything the CLI prints goes through here: one allow-list sanitiser, word wrapping
 * to the terminal width, and colour only on a terminal without NO_COLOR.  Used by `run`, and meant
 * for `kiosk`, `show` and the summary writer too.
 *
 * The sanitiser keeps printable UTF-8 and shows everything else escaped: C0 controls and DEL and
 * invalid bytes as \xHH, C1 controls, bidi overrides/isolates/marks and other invisible format
 * characters as \uHHHH.  An escape sequence in a tree therefore prints as visible text
 * ("\x1b[31m"), never reaches the terminal raw.
 */
#ifndef DTREE_CLI_RENDER_H
#define DTREE_CLI_RENDER_H

#include <stdio.h>

typedef enum rd_style {
    RD_PLAIN = 0,
    RD_BOLD,     /* headers, choice numbers */
    RD_DIM,      /* agent notes, hints */
    RD_ERROR,    /* red: errors */
    RD_GOOD,     /* green: outcome */
    RD_ACCENT    /* cyan: the answer taken */
} rd_style;

typedef struct rd_screen {
    FILE *out;
    int tty;          /* out is a terminal: width from the terminal, else 80 */
    int color;        /* SGR sequences allowed (tty, NO_COLOR unset or empty, TERM not dumb) */
    unsigned cap;     /* widest line used even on a wider terminal (default 100) */
    const struct rd_screen *copy; /* NULL, or a second screen that gets the same text (a plain
                                       transcript on a redirected stdout); never chained further */
} rd_screen;

/* Set up a screen on `out`; colour only when allow_color and the conditions above hold. */
void rd_screen_init(rd_screen *sc, FILE *out, int allow_color);

/* Columns available now: re-read from the terminal at every call (so resizes apply at the next
 * step), 80 when out is not a terminal; never more than sc->cap, never less than 20. */
unsigned rd_width(const rd_screen *sc);

/* The sanitised form of s (malloc; NULL when out of memory).  keep_newlines: '\n' stays a line
 * break (for multi-paragraph text); otherwise it is shown as \x0a. */
char *rd_sanitize(const char *s, int keep_newlines);

/* Print s sanitised, without wrapping, in a style (no newline added). */
void rd_text(const rd_screen *sc, rd_style st, const char *s);

/* Print s sanitised and word-wrapped: the first line starts with `prefix` (our own text, also
 * sanitised), following lines are indented by `indent` spaces.  '\n' in s starts a new paragraph
 * (blank line between).  Ends with a newline. */
void rd_wrap(const rd_screen *sc, rd_style st, const char *prefix, unsigned indent, const char *s);

/* printf-style, the result sanitised (newlines kept); for the CLI's own messages. */
void rd_printf(const rd_screen *sc, rd_style st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An error or warning line on stderr: "dtree: " + the message sanitised + newline (no colour:
 * stderr is often a log).  Always exactly one line: a '\n' in the message (a file name, a
 * tree's text) is shown as \x0a, so it can never forge a second "dtree:" line. */
void rd_eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
